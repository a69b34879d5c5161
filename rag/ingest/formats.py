"""Readers per file format: bytes -> lines of text plus the format's own metadata (title properties).

Imports only rag.errors/text and the field's libraries (beautifulsoup4+lxml, pypdf, python-docx; Debian's
antiword for .doc/.wps and tesseract for scanned PDFs when installed). What a line means is not known here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.text import heading_level

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".doc", ".wps", ".ofd")
"""File types `rag build` reads; anything else in a folder is reported as skipped."""


def _limit(variable: str, default: int) -> int:
    """A size limit, overridable by an environment variable (documented in README, "Limits")."""
    try:
        return max(1, int(os.environ.get(variable, default)))
    except ValueError:
        return default


MAX_FILE_BYTES = _limit("RAG_MAX_FILE_MB", 100) * 1024 * 1024
"""Largest report file read (100 MB): annual reports are kilobytes to a few MB; more is a mistake."""
MAX_REPORT_CHARS = _limit("RAG_MAX_REPORT_CHARS", 1_000_000)
"""Most characters one report may hold after reading (a 政府工作报告 has ~30,000; 1,000,000 is a
500-page book): more is a mistake (a log, a dump) that would take hours to embed."""
MAX_CHUNKS_PER_REPORT = _limit("RAG_MAX_CHUNKS", 5_000)
"""Most passages one report may become."""
MAX_UNZIPPED_BYTES = _limit("RAG_MAX_UNZIPPED_MB", 64) * 1024 * 1024
"""Largest uncompressed size of a .docx/.ofd (64 MB): a 300-page report's XML is a few MB; a zip bomb
(0.8 MB expanding to 200 MB) is refused before anything is inflated."""
EXTERNAL_TIMEOUT = 120
"""Seconds an external reader (antiword, pdftoppm, tesseract) may take on one file."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """One file's text: `lines` is the report, `page_lines` the whole page (fields may sit outside the article)."""

    lines: list[str]
    page_lines: list[str]
    props: dict[str, str] = field(default_factory=dict)
    """The format's own metadata: html_title, meta:<name>, pdf_title, docx_title, ofd_title …"""
    notes: tuple[str, ...] = ()
    """What the reader had to do that a user should know (OCR, Traditional script converted)."""


def read_file(path: Path, name: str) -> Extracted:
    """Extract text by file type; raises InputError naming the file for anything unreadable."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise InputError(f"{name}: unsupported file type '{ext or '(none)'}' (use {' '.join(SUPPORTED)})")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{name}: file too large ({size // (1024 * 1024)} MB; limit {MAX_FILE_BYTES // (1024 * 1024)} MB)"
        )
    data = path.read_bytes()
    if not data.strip():
        raise InputError(f"{name}: empty file")
    if ext in (".txt", ".md"):
        raw = decode(data, name)
        if ext == ".md":
            raw = re.sub(r"(?m)^\s{0,3}#{1,6}\s*", "", raw)
        lines = raw.splitlines()
        bad = raw.count("\ufffd")
        return Extracted(lines, lines, notes=(f"{bad} undecodable byte(s) shown as �",) if bad else ())
    if ext in (".html", ".htm"):
        return html_text(decode(data, name))
    if ext == ".pdf":
        return pdf_text(path, name)
    if ext in (".docx", ".ofd"):
        from rag.ingest.packages import docx_text, ofd_text  # they build on this module's Extracted

        return docx_text(path, name) if ext == ".docx" else ofd_text(path, name)
    return word97_text(path, name)


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK and GB2312), else Big5."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: binary file, not a text report")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not valid UTF-16") from exc
    for enc in ("utf-8", "gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise InputError(f"{name}: binary file, not a text report")
        return text
    # a stray byte (a truncated download, one bad character) does not cost the whole report: the
    # encoding with the fewest undecodable bytes wins if they are few, each shown as �
    decoded = sorted((t.count("\ufffd"), t) for t in (data.decode(e, errors="replace") for e in ("utf-8", "gb18030")))
    bad, text = decoded[0]
    if bad <= max(MAX_BAD_BYTES, len(text) // 1000) and not _looks_binary(text):
        return text
    raise InputError(f"{name}: not UTF-8, GB18030 or Big5 text")


MAX_BAD_BYTES = 8
"""Undecodable bytes a text report may hold (or one per thousand characters) before it is refused."""


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bad > max(4, len(sample) // 100)


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


def html_text(html: str) -> Extracted:
    from bs4 import BeautifulSoup

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
    page = soup.get_text("\n").splitlines()
    for tag in soup(list(DROP_TAGS)):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        marks = _marks(tag)
        if marks.strip() and CHROME_CLASS.search(marks) and not MAIN_CLASS.search(marks):
            tag.decompose()
    candidates = soup.find_all(["article", "main"])
    candidates += [
        t for t in soup.find_all(True) if not t.decomposed and t.attrs is not None and MAIN_CLASS.search(_marks(t))
    ]
    root = max(candidates, key=lambda t: len(t.get_text(strip=True)), default=None)
    if root is None or len(root.get_text(strip=True)) <= 200:
        root = _densest_block(soup)
    body = root if root is not None and len(root.get_text(strip=True)) > 200 else (soup.body or soup)
    lines = body.get_text("\n").splitlines()
    h1 = soup.find("h1")
    if h1 is not None and h1.get_text(strip=True):
        title = h1.get_text(" ", strip=True)
        if all(title != line.strip() for line in lines):
            lines = [title, *lines]
    return Extracted(lines, page, props)


def _densest_block(soup: Any) -> Any:
    """The element whose own paragraphs hold the most sentence text: the article, whatever its class is called."""

    def own_text(tag: Any) -> int:
        children = tag.find_all(["p", "div", "span", "font"], recursive=False)
        return sum(len(c.get_text(strip=True)) for c in children if "。" in c.get_text())

    blocks = [t for t in soup.find_all(["div", "td", "section", "article", "main"]) if t.attrs is not None]
    return max(blocks, key=own_text, default=None)


def _marks(tag: Any) -> str:
    """class and id of an element as one string (bs4 gives class as a list, id as a string)."""
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = [classes]
    return " ".join([*map(str, classes), str(tag.get("id") or "")])


CJK_CHAR = r"[\u3400-\u9fff]"


def join_broken_words(line: str) -> str:
    """Drop a space pypdf puts before the last character of a wrapped word ("项目支 出", "本年支出合 计").

    A lone character joins the word on its left (once); a space between two longer words
    ("序号 单位名称 备注") separates table cells and is kept.
    """
    parts = line.split(" ")
    out = [parts[0]]
    joined_last = False
    for part in parts[1:]:
        prev = out[-1]
        lone = len(part) == 1 and not joined_last
        if lone and prev and re.match(CJK_CHAR, prev[-1]) and re.match(CJK_CHAR, part):
            out[-1] = prev + part
            joined_last = True
        else:
            out.append(part)
            joined_last = False
    return " ".join(out)


def pdf_text(path: Path, name: str) -> Extracted:
    import logging

    said: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record.getMessage())

    log = logging.getLogger("pypdf")
    handler, propagate = Collect(logging.WARNING), log.propagate
    log.addHandler(handler)
    log.propagate = False  # pypdf's own lines would reach stderr without the file's name
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pages, title = _pdf_pages(path, name)
        said += [str(w.message) for w in caught]
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
    props = {"pdf_title": re.sub(r"\.(pdf|docx?|wps)$", "", title.strip(), flags=re.I)} if title.strip() else {}
    text = "\n".join(pages)
    notes: tuple[str, ...] = ()
    if said:  # shown with the file's name, like every other warning about a report
        notes = (f"pypdf: {said[0][:120]}" + (f" (+{len(said) - 1} more)" if len(said) > 1 else ""),)
    if len(re.findall(CJK_CHAR, text)) < 20:
        text = ocr_pdf(path, name, len(pages))
        notes += ("no text layer: read by OCR (tesseract chi_sim); check figures against the original",)
    lines = reflow([join_broken_words(line) for line in text.splitlines()])
    return Extracted(lines, lines, props, notes)


def _pdf_pages(path: Path, name: str) -> tuple[list[str], str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise InputError(f"{name}: encrypted PDF; save an unprotected copy")
            except (NotImplementedError, PdfReadError) as exc:
                raise InputError(f"{name}: encrypted PDF; save an unprotected copy") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = str(info.title or "") if info is not None else ""
    except InputError:
        raise
    except Exception as exc:  # pypdf on a crafted file raises anything; it is one unreadable report
        raise InputError(f"{name}: not a readable PDF ({type(exc).__name__})") from exc
    return pages, title


def ocr_pdf(path: Path, name: str, pages: int) -> str:
    """Scanned reports: render each page (pdftoppm) and read it with tesseract's Simplified Chinese model."""
    tesseract, pdftoppm = shutil.which("tesseract"), shutil.which("pdftoppm")
    if tesseract is None or pdftoppm is None:
        raise InputError(
            f"{name}: PDF has no text layer; install tesseract-ocr, tesseract-ocr-chi-sim and poppler-utils "
            "to read it by OCR, or convert it to a PDF with text"
        )
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rag-ocr-") as tmp:
        _run([pdftoppm, "-r", "200", "-gray", "-png", str(path), f"{tmp}/p"], name)
        for image in sorted(Path(tmp).glob("p*.png")):
            result = _run([tesseract, str(image), "stdout", "-l", "chi_sim", "--psm", "6"], name)
            out.append(result)
    text = "\n".join(out)
    if len(re.findall(CJK_CHAR, text)) < 20:
        raise InputError(f"{name}: PDF has no text layer and OCR found no Chinese text in {pages} page(s)")
    # tesseract puts a space between most Chinese characters
    return re.sub(rf"(?<={CJK_CHAR}|[，。、；：])\s(?={CJK_CHAR}|[，。、；：])", "", text)


def _run(cmd: list[str], name: str) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=EXTERNAL_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"{name}: {Path(cmd[0]).name} failed ({type(exc).__name__})") from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"{name}: {Path(cmd[0]).name} could not read it ({err[-1] if err else done.returncode})")
    return done.stdout.decode("utf-8", "replace")


PDF_WRAP_MIN = 25
"""A PDF line shorter than this ended on purpose (a heading, a field, a signature), not by wrapping."""
TITLE_END = re.compile(r"(报告|决算|预算|公报|总结)$")


def reflow(lines: list[str]) -> list[str]:
    """Join PDF line breaks inside a paragraph; a line ending a sentence or starting a heading breaks."""
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        wrapped = bool(out) and len(out[-1]) >= PDF_WRAP_MIN and not re.search(r"[。；！？:：]$", out[-1])
        if wrapped and heading_level(line) is None and not TITLE_END.search(out[-1]):
            out[-1] += line
        else:
            out.append(line)
    return out


def word97_text(path: Path, name: str) -> Extracted:
    """.doc and old .wps are Word 97 binaries; Debian's antiword reads them in milliseconds."""
    antiword = shutil.which("antiword")
    if antiword is None:
        raise InputError(
            f"{name}: reading {path.suffix} needs antiword (apt-get install antiword); or convert to .docx or .pdf"
        )
    text = _run([antiword, "-m", "UTF-8.txt", "-w", "0", str(path)], name)
    lines = [line for line in text.splitlines() if line.strip() != "[pic]"]
    if not any(re.search(CJK_CHAR, line) for line in lines):
        raise InputError(f"{name}: no text found in this {path.suffix}; convert to .docx or .pdf")
    return Extracted(lines, lines)
