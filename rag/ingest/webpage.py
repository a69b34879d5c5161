"""Saved web pages: the article's lines without the site's furniture, plus <title> and <meta> fields.

Every step is linear in the page: nesting 100,000 elements deep costs what 100,000 siblings cost.
Imports rag.errors and rag.ingest.formats (what a reader returns, the limits); beautifulsoup4 with lxml.
"""

from __future__ import annotations

import re
from typing import Any

from rag.errors import InputError
from rag.ingest.formats import MB, Extracted, _limit, decode, split_lines

MAX_HTML_BYTES = _limit("RAG_MAX_HTML_MB", 20) * MB
"""Largest web page read (20 MB): a saved report page is 0.1 to 3 MB, inline scripts and styles included."""
MAX_HTML_ELEMENTS = _limit("RAG_MAX_HTML_ELEMENTS", 100_000)
"""Most tags a page may hold, counted before parsing (a long report page has 1,000 to 20,000; parsing
100,000 takes BeautifulSoup ~1.5 s and ~150 MB). It also bounds the nesting depth."""
TAG_START = re.compile(r"<[A-Za-z]")

DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "button",
    "select",
    "input",
    "svg",
)
CHROME_CLASS = re.compile(
    r"nav|menu|share|footer|header|breadcrumb|crumb|toolbar|sidebar|print|fontsize|font-size|"
    r"position|location|copyright|related|pagination|qrcode|login|search",
    re.I,
)
"""class/id fragments of page furniture; their elements are removed before the text is read."""
MAIN_CLASS = re.compile(r"content|article|zoom|trs_editor|main|detail|text|body", re.I)
META_NAMES = ("ArticleTitle", "ContentSource", "SiteName", "ColumnName", "PubDate", "og:title", "og:site_name")
"""<meta> names Chinese government CMSs (TRS, 大汉, 拓尔思) fill with the title, publisher and site."""


def html_text(data: bytes, name: str) -> Extracted:
    from bs4 import BeautifulSoup

    if len(data) > MAX_HTML_BYTES:
        raise InputError(
            f"{name}: web page too large ({len(data) // MB} MB; limit {MAX_HTML_BYTES // MB} MB, RAG_MAX_HTML_MB)"
        )
    html = decode(data, name)
    tags = TAG_START.subn("", html)[1]  # an upper bound: a "<b" in a script counts too
    if tags > MAX_HTML_ELEMENTS:
        raise InputError(f"{name}: {tags} tags in this page; limit {MAX_HTML_ELEMENTS} (RAG_MAX_HTML_ELEMENTS)")
    soup = BeautifulSoup(html, "lxml")
    props: dict[str, str] = {}
    if soup.title is not None and soup.title.get_text(strip=True):
        props["html_title"] = soup.title.get_text(" ", strip=True)
    for meta in soup.find_all("meta"):
        key = str(meta.get("name") or meta.get("property") or "")
        if key in META_NAMES and str(meta.get("content") or "").strip():
            props[f"meta:{key}"] = str(meta.get("content")).strip()
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    page = split_lines(soup.get_text("\n"), name)
    for tag in soup(list(DROP_TAGS)):
        tag.decompose()
    for tag in soup.find_all(True):
        if _gone(tag):
            continue
        marks = _marks(tag)
        if marks.strip() and CHROME_CLASS.search(marks) and not MAIN_CLASS.search(marks):
            tag.decompose()
    sizes = _text_sizes(soup)

    def length(tag: Any) -> int:
        return sizes.get(id(tag), (0, False))[0]

    candidates = soup.find_all(["article", "main"])
    candidates += [t for t in soup.find_all(True) if not _gone(t) and MAIN_CLASS.search(_marks(t))]
    root = max(candidates, key=length, default=None)
    if root is None or length(root) <= 200:
        root = _densest_block(soup, sizes)
    body = root if root is not None and length(root) > 200 else (soup.body or soup)
    lines = split_lines(body.get_text("\n"), name)
    h1 = soup.find("h1")
    if h1 is not None and h1.get_text(strip=True):
        title = h1.get_text(" ", strip=True)
        if all(title != line.strip() for line in lines):
            lines = [title, *lines]
    return Extracted(lines, page, props)


def _text_sizes(soup: Any) -> dict[int, tuple[int, bool]]:
    """For every element (by id) at once: len(get_text(strip=True)) and whether get_text() holds "。".

    One pass, children before parents. Asking each element for its own text instead costs the depth
    of the page for every element: 5,000 nested <div> took 10 s, 100,000 never finished.
    """
    from bs4.element import CData, NavigableString, Tag

    sizes: dict[int, tuple[int, bool]] = {}
    for tag in reversed(soup.find_all(True)):  # document order reversed: every child before its parent
        total, period = 0, False
        for child in tag.contents:
            if isinstance(child, Tag):
                n, p = sizes.get(id(child), (0, False))
            elif type(child) in (NavigableString, CData):  # get_text's string types: no comments, no scripts
                n, p = len(child.strip()), "。" in child
            else:
                continue
            total += n
            period = period or p
        sizes[id(tag)] = (total, period)
    return sizes


BLOCK_CHILDREN = frozenset(("p", "div", "span", "font"))
"""A block's own paragraphs: the children whose sentences count for it."""


def _densest_block(soup: Any, sizes: dict[int, tuple[int, bool]]) -> Any:
    """The element whose own paragraphs hold the most sentence text: the article, whatever its class is called."""

    def own_text(tag: Any) -> int:
        children = (c for c in tag.contents if getattr(c, "name", None) in BLOCK_CHILDREN)
        return sum(n for n, period in (sizes.get(id(c), (0, False)) for c in children) if period)

    blocks = [t for t in soup.find_all(["div", "td", "section", "article", "main"]) if not _gone(t)]
    return max(blocks, key=own_text, default=None)


def _gone(tag: Any) -> bool:
    """Decomposed (its parent was removed as furniture). Read from the element's own fields: bs4 turns
    an attribute it lacks into a search of the element's descendants (`tag.decomposed`, `tag.attrs`
    after decompose), which made every check cost the depth of the page: 20,000 nested <div> 52 s."""
    own = tag.__dict__
    return bool(own.get("_decomposed")) or "attrs" not in own


def _marks(tag: Any) -> str:
    """class and id of an element as one string (bs4 gives class as a list, id as a string)."""
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = [classes]
    return " ".join([*map(str, classes), str(tag.get("id") or "")])
