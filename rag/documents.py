"""Reading report files into Reports: decode, extract text per format, drop page chrome, read metadata.

Imports only rag.records/errors/text. Format parsing is left to the field's libraries
(beautifulsoup4+lxml, pypdf, python-docx); what is ours is the knowledge of Chinese government pages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.records import Report
from rag.text import heading_level

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
MAX_FILE_BYTES = 100 * 1024 * 1024
"""Largest report file read (100 MB): annual reports are kilobytes to a few MB; more is a mistake."""
"""File types `rag build` reads; anything else in a folder is reported as skipped."""

CHROME_LINES = [
    re.compile(p)
    for p in (
        r"^繁体版|^简体版",
        r"网站支持IPv6",
        r"^字\s*号\s*[:：]?",
        r"^分享",
        r"打开微信扫一扫|扫一扫在手机|微信扫一扫",
        r"^政务微信|手机版|无障碍|返回顶部|智能机器人",
        r"【打印】|【字体|【关闭】|打印本页|关闭窗口",
        r"^索\s*引\s*号",
        r"^(首页|当前位置|您的位置|所在位置)\s*[:：>]?",
        r"^(发布时间|发布日期|成文日期|发文日期|来源|信息来源|发布机构|公开目录|主题词|文号|名称|分类)\s*[:：|]",
        r"浏览次数|访问量|阅读次数",
        r"^附件\s*[:：]?\s*$",
        r"^.{0,24}(信息公开|规章库)\s*$",
        r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?$",
        r"^(上一篇|下一篇|相关链接|相关文章|扫一扫)",
    )
]
"""Lines of web-page furniture (menus, share bars, print links, index-number tables).

Only short lines are tested, so a body paragraph that happens to contain 分享 is never dropped.
"""
CHROME_MAX_LEN = 80

FIELD = r"\s*[:：]\s*\|?\s*"
UNIT_FIELDS = (
    re.compile(r"发布机构" + FIELD + r"([^|\s]{3,40})"),
    re.compile(r"(?:信息)?来\s*源" + FIELD + r"([^|\s]{3,40})"),
)
"""Page fields naming the publishing unit, strongest first (发布机构 beats 来源)."""
NOT_UNITS = {"本网", "本站", "本网站", "网站", "原创"}
DATE_FIELD = re.compile(r"(?:发布时间|发布日期|(?<!成文)日期)" + FIELD + r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")
BARE_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(\s+\d{1,2}:\d{2}(:\d{2})?)?$")
NAME_FIELD = re.compile(r"名\s*称" + FIELD + r"(\S{4,80})")
TITLE_LINE = re.compile(r"^(.{0,40}?)((?:19|20)\d\d)\s*年(?:度)?.{0,40}报告$")
"""A title line: "<unit><year>年…报告", e.g. 埔前镇2024年法治政府建设年度报告."""
BODY_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
UNIT_SUFFIX = re.compile(
    r"(人民政府办公室|政府办公室|办公室|人民政府|政府|办事处|街道|委员会|局|镇|乡|区|县|市|所|中心|院|厅)$"
)
"""Endings a signature line has when it names a unit (湛江市霞山区人民政府办公室)."""
SIGNATURE_DATE = re.compile(r"^(19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")


def iter_report_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files under the given paths in a stable order; hidden files and folders are not reports."""
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path).parts
                if p.is_file() and not any(part.startswith(".") for part in rel):
                    yield p
        else:
            yield path


def load_report(path: Path, *, doc_id: str | None = None, source: str | None = None) -> Report:
    """Read one report file; raises InputError naming the file (or `source`, its display name)."""
    name = source or str(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
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
        page_lines = lines
    elif ext in (".html", ".htm"):
        page_lines, lines = html_lines(decode(data, name))
    elif ext == ".pdf":
        lines = pdf_lines(path)
        page_lines = lines
    else:
        lines = docx_lines(path)
        page_lines = lines
    return build_report(page_lines, lines, source=name, doc_id=doc_id or doc_id_for(path))


def doc_id_for(path: Path) -> str:
    """The file stem when it is a safe id, else a readable prefix plus a hash of the name."""
    stem = path.stem
    if re.fullmatch(r"[\w.\-]{1,80}", stem):
        return stem
    digest = hashlib.sha1(stem.encode("utf-8")).hexdigest()[:10]
    safe = re.sub(r"[^\w\-]+", "_", stem)[:40].strip("_")
    return f"{safe}_{digest}" if safe else digest


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK and GB2312)."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: binary file, not a text report")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not valid UTF-16") from exc
    for enc in ("utf-8", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise InputError(f"{name}: binary file, not a text report")
        return text
    raise InputError(f"{name}: not UTF-8 or GB18030 text")


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


def html_lines(html: str) -> tuple[list[str], list[str]]:
    """(all page lines, main-content lines): fields such as 发布机构 often sit outside the article."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
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
    body = root if root is not None and len(root.get_text(strip=True)) > 200 else (soup.body or soup)
    lines = body.get_text("\n").splitlines()
    title_tag = soup.find("h1") or soup.find("title")
    if title_tag is not None:
        title = title_tag.get_text(" ", strip=True).split("_")[0].split("|")[0].strip()
        if title and all(title != line.strip() for line in lines):
            lines = [title, *lines]
    return page, lines


def _marks(tag: Any) -> str:
    """class and id of an element as one string (bs4 gives class as a list, id as a string)."""
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = [classes]
    return " ".join([*map(str, classes), str(tag.get("id") or "")])


def pdf_lines(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError, KeyError) as exc:
        raise InputError(f"{path}: not a readable PDF ({type(exc).__name__})") from exc
    return _reflow("\n".join(pages).splitlines())


PDF_WRAP_MIN = 25
"""A PDF line shorter than this ended on purpose (a heading, a field, a signature), not by wrapping."""


def _reflow(lines: list[str]) -> list[str]:
    """Join PDF line breaks inside a paragraph; a line ending a sentence or starting a heading breaks."""
    out: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        wrapped = bool(out) and len(out[-1]) >= PDF_WRAP_MIN and not re.search(r"[。；！？:：]$", out[-1])
        if wrapped and heading_level(line) is None and not is_chrome(line) and not TITLE_LINE.match(out[-1]):
            out[-1] += line
        else:
            out.append(line)
    return out


def docx_lines(path: Path) -> list[str]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as exc:
        raise InputError(f"{path}: not a readable .docx ({type(exc).__name__})") from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text.strip() for cell in row.cells))
    return lines


def is_chrome(line: str) -> bool:
    return len(line) <= CHROME_MAX_LEN and any(p.search(line) for p in CHROME_LINES)


def build_report(page_lines: list[str], lines: list[str], *, source: str, doc_id: str) -> Report:
    """Metadata from the whole page, body from the content lines without chrome."""
    page_text = "\n".join(line.strip() for line in page_lines)
    stripped = [line.strip() for line in lines]
    title_m = next((m for line in stripped if not is_chrome(line) and (m := TITLE_LINE.match(line))), None)
    name_m = NAME_FIELD.search(page_text)
    title = title_m.group(0) if title_m else (name_m.group(1) if name_m else "")

    body: list[str] = []
    for line in stripped:
        if not line or is_chrome(line):
            continue
        if title and line == title and title in body:
            continue  # pages repeat the title above and below the share bar
        body.append(line)
    text = "\n".join(body)
    if not text.strip():
        raise InputError(f"{source}: no report text left after removing page chrome")

    unit = _unit(page_text, title_m, body)
    if not unit:
        raise InputError(f"{source}: no reporting unit found (no 发布机构/来源 field, title or signature)")
    year = _year(title_m, name_m, text)
    return Report(
        doc_id=doc_id,
        unit=unit,
        year=year,
        title=title or Path(source).stem,
        published=_published(page_text),
        source=source,
        text=text,
    )


def _unit(page_text: str, title_m: re.Match[str] | None, body: list[str]) -> str:
    for pattern in UNIT_FIELDS:
        for m in pattern.finditer(page_text):
            value = m.group(1).strip()
            if value not in NOT_UNITS and re.search(r"[\u4e00-\u9fff]{2}", value):
                return value
    if title_m and len(title_m.group(1).strip()) >= 2:
        return title_m.group(1).strip()
    # signature: "湛江市霞山区人民政府办公室" followed by "2025年11月17日" at the end
    for i in range(len(body) - 1, max(len(body) - 6, 0), -1):
        if SIGNATURE_DATE.match(body[i]) and UNIT_SUFFIX.search(body[i - 1]) and len(body[i - 1]) <= 40:
            return body[i - 1]
    return ""


def _year(title_m: re.Match[str] | None, name_m: re.Match[str] | None, text: str) -> int | None:
    """The year reported on: the title's year, else the year the body opens with ("2024年,在区委…")."""
    if title_m:
        return int(title_m.group(2))
    if name_m and (m := BODY_YEAR.search(name_m.group(1))):
        return int(m.group(1))
    m = BODY_YEAR.search(text[:300])
    return int(m.group(1)) if m else None


def _published(page_text: str) -> str | None:
    m = DATE_FIELD.search(page_text)
    if m is None:
        m = next((BARE_DATE.match(line) for line in page_text.splitlines()[:30] if BARE_DATE.match(line)), None)
    if m is None:
        return None
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
