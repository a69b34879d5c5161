"""Zipped-XML documents: .docx (WordprocessingML) and .ofd (GB/T 33190), read through a bounded zip.

A zip's directory may lie: every member is inflated in chunks and its real bytes counted, and the XML is
parsed incrementally (no entities, no network) with its elements and characters counted, so a bomb or a
huge table stops at a limit instead of after it. Imports rag.errors and rag.ingest.formats.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
import zlib
from typing import Any

from rag.errors import InputError
from rag.ingest.formats import (
    CJK_CHAR,
    MAX_PAGES,
    MAX_REPORT_CHARS,
    MAX_UNZIPPED_BYTES,
    MB,
    Extracted,
    _limit,
    reflow,
    too_much_text,
)

MAX_ZIP_MEMBERS = _limit("RAG_MAX_ZIP_MEMBERS", 10_000)
"""Most entries a .docx/.ofd may hold (a report has 10 to 2,000): zipfile makes an object for each
before anything is read, and a 90 MB zip of empty entries made a million (700 MB, 9 s)."""
MAX_XML_ELEMENTS = _limit("RAG_MAX_XML_ELEMENTS", 2_000_000)
"""Most XML elements read from one document (a 300-page .docx has ~200,000)."""
MAX_GRID_SPAN = 63
"""Most columns a Word table cell can span (Word's own limit): a cell's text is repeated per column spanned."""
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
"""The compressions .docx and .ofd use. bzip2 and LZMA inflate a whole read at once, however big."""
CHUNK = 64 * 1024
"""Bytes inflated per read: a lying size in the zip's directory costs at most this before it is caught."""
SAFE_XML = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}
"""lxml options: no entity expansion, no external files, libxml2's own depth and size limits kept."""


class Archive:
    """A .docx/.ofd zip whose members are read with every inflated byte counted against MAX_UNZIPPED_BYTES."""

    def __init__(self, data: bytes, name: str, kind: str, required: str | None, hint: str = "") -> None:
        self.name, self.kind, self.hint = name, kind, hint
        self.inflated = 0
        entries = data.count(b"PK\x01\x02")  # each directory entry starts so: an upper bound on what zipfile makes
        if entries > MAX_ZIP_MEMBERS:
            raise self.error(f"{entries} zip entries; limit {MAX_ZIP_MEMBERS}, RAG_MAX_ZIP_MEMBERS")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise self.error("not a zip file") from exc
        self.members = {info.filename: info for info in self.zip.infolist()}
        if required is not None and required not in self.members:
            raise self.error(f"no {required} inside")
        declared = sum(info.file_size for info in self.members.values())
        if declared > MAX_UNZIPPED_BYTES:  # the honest bomb, refused before anything is inflated
            raise InputError(
                f"{name}: {kind} expands to {declared // MB} MB; limit {MAX_UNZIPPED_BYTES // MB} MB "
                f"(RAG_MAX_UNZIPPED_MB){hint}"
            )

    def error(self, why: str) -> InputError:
        return InputError(f"{self.name}: not a readable {self.kind} ({why}){self.hint}")

    def read(self, member: str) -> bytes:
        """A member's bytes (a small part: OFD.xml, Document.xml, core.xml), within the same budget."""
        stream = self.open(member)
        return b"".join(iter(lambda: stream.read(CHUNK), b""))

    def open(self, member: str) -> Inflating:
        """A member to parse as it inflates, 64 KB at a time: a 60 MB document.xml is never in memory
        whole, and a parser that stops early (a limit passed) stops the inflating too."""
        info = self.members.get(member)
        if info is None:
            raise self.error(f"no {member} inside")
        if info.flag_bits & 0x1:
            raise InputError(f"{self.name}: {member} in this {self.kind} is encrypted; save an unprotected copy")
        if info.compress_type not in ZIP_METHODS:
            raise self.error(f"{member} uses zip compression method {info.compress_type}; only stored or deflated")
        try:
            return Inflating(self, member, self.zip.open(info))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            raise self.error(f"{member}: {type(exc).__name__}") from exc

    def count(self, inflated: int) -> None:
        self.inflated += inflated
        if self.inflated > MAX_UNZIPPED_BYTES:
            limit = MAX_UNZIPPED_BYTES // MB
            raise InputError(
                f"{self.name}: {self.kind} expands to more than {limit} MB; limit {limit} MB "
                f"(RAG_MAX_UNZIPPED_MB){self.hint}"
            )


class Inflating:
    """One member being inflated, as a file to read from: every byte counted against its archive's budget."""

    def __init__(self, archive: Archive, member: str, fh: Any) -> None:
        self.archive, self.member, self.fh = archive, member, fh

    def read(self, size: int = CHUNK) -> bytes:
        try:
            chunk: bytes = self.fh.read(min(size if size > 0 else CHUNK, CHUNK))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
            raise self.archive.error(f"{self.member}: {type(exc).__name__}") from exc
        self.archive.count(len(chunk))
        return chunk


class Budget:
    """Elements and characters read so far from one document's XML, refused as soon as one passes its limit."""

    def __init__(self, name: str) -> None:
        self.name, self.elements, self.chars = name, 0, 0

    def element(self) -> None:
        self.elements += 1
        if self.elements > MAX_XML_ELEMENTS:
            raise InputError(f"{self.name}: more than {MAX_XML_ELEMENTS} XML elements; limit (RAG_MAX_XML_ELEMENTS)")

    def text(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > MAX_REPORT_CHARS:
            raise too_much_text(self.name)


def _drop(elem: Any) -> None:
    """Free an element already read, and its earlier siblings, so a long document never sits in memory whole."""
    elem.clear(keep_tail=True)
    parent = elem.getparent()
    while parent is not None and elem.getprevious() is not None:
        del parent[0]


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DC = "{http://purl.org/dc/elements/1.1/}"
RUN_MARKS = {f"{W}tab": "\t", f"{W}ptab": "\t", f"{W}cr": "\n", f"{W}noBreakHyphen": "-"}
"""Run content that stands for a character, as python-docx reads it."""


def docx_text(data: bytes, name: str) -> Extracted:
    """Body paragraphs, then each body table's rows (cells joined by a space), as python-docx read them,
    in one incremental pass: a vertically merged cell takes the text above it from the row before,
    where python-docx searched the whole table for every cell (a 16 KB table did not finish in 100 s)."""
    from lxml import etree

    archive = Archive(data, name, ".docx", "word/document.xml")
    budget = Budget(name)
    paragraphs: list[str] = []
    rows: list[str] = []
    above: dict[int, tuple[str, int]] = {}  # grid offset -> (text, columns) of the row before, for vMerge
    try:
        events = etree.iterparse(archive.open("word/document.xml"), events=("end",), **SAFE_XML)
        for _, elem in events:
            budget.element()
            if elem.tag == f"{W}t":
                budget.text(elem.text or "")
            parent = elem.getparent()
            if parent is None:
                continue
            if parent.tag == f"{W}body":
                if elem.tag == f"{W}p":
                    # a soft line break inside a paragraph (来源：… <br> 2025年1月17日在…) starts a new line
                    paragraphs.extend(_paragraph(elem).split("\n"))
                elif elem.tag == f"{W}tbl":
                    above = {}
                _drop(elem)
            elif elem.tag == f"{W}tr" and parent.tag == f"{W}tbl" and _tag(parent.getparent()) == f"{W}body":
                cells, above = _row(elem, above)
                rows.append(" ".join(cell.strip() for cell in cells))
                budget.text(rows[-1])  # merged cells repeat text: what is produced counts too
                _drop(elem)
    except etree.XMLSyntaxError as exc:
        raise archive.error(f"word/document.xml: {str(exc)[:80]}") from exc
    props = _core_properties(archive) if "docProps/core.xml" in archive.members else {}
    lines = paragraphs + rows
    return Extracted(lines, lines, {k: v for k, v in props.items() if v})


def _tag(elem: Any) -> Any:
    return None if elem is None else elem.tag


def _paragraph(p: Any) -> str:
    """python-docx's Paragraph.text: its runs and hyperlinks' runs; not runs nested deeper (w:ins, w:sdt)."""
    out: list[str] = []
    for run in _runs(p):
        for e in run:
            if e.tag == f"{W}t":
                out.append(e.text or "")
            elif e.tag == f"{W}br":  # a line break; a page or column break is no character
                out.append("\n" if e.get(f"{W}type", "textWrapping") == "textWrapping" else "")
            else:
                out.append(RUN_MARKS.get(e.tag, ""))
    return "".join(out)


def _runs(p: Any) -> Any:
    for child in p:
        if child.tag == f"{W}r":
            yield child
        elif child.tag == f"{W}hyperlink":
            yield from child.iterchildren(f"{W}r")


def _row(tr: Any, above: dict[int, tuple[str, int]]) -> tuple[list[str], dict[int, tuple[str, int]]]:
    """A row's cells as python-docx's row.cells: a cell once per column it spans, a cell continuing a
    vertical merge as the cell it continues. Returns the cells and this row's merge state for the next."""
    offset = _number(tr.find(f"{W}trPr/{W}gridBefore"), 0)
    cells: list[str] = []
    here: dict[int, tuple[str, int]] = {}
    for tc in tr.iterchildren(f"{W}tc"):
        span = _number(tc.find(f"{W}tcPr/{W}gridSpan"), 1)
        merge = tc.find(f"{W}tcPr/{W}vMerge")
        if merge is not None and merge.get(f"{W}val", "continue") != "restart":
            text, columns = above.get(offset, ("", span))
        else:
            text, columns = "\n".join(_paragraph(p) for p in tc.iterchildren(f"{W}p")), span
        here[offset] = (text, columns)
        cells.extend([text] * columns)
        offset += span
    return cells, here


def _number(elem: Any, default: int) -> int:
    """A w:val count, within 0..MAX_GRID_SPAN (a crafted gridSpan of 10^9 would repeat a cell 10^9 times)."""
    try:
        value = int(elem.get(f"{W}val")) if elem is not None else default
    except (TypeError, ValueError):
        value = default
    return min(max(value, 0), MAX_GRID_SPAN)


def _core_properties(archive: Archive) -> dict[str, str]:
    from lxml import etree

    try:
        core = etree.fromstring(archive.read("docProps/core.xml"), etree.XMLParser(**SAFE_XML))
    except etree.XMLSyntaxError:
        return {}  # the title is only a cue; the text is still read
    return {
        "docx_title": (core.findtext(f"{DC}title") or "").strip(),
        "docx_subject": (core.findtext(f"{DC}subject") or "").strip(),
    }


OFD_HINT = "; convert to .docx or .pdf"


def ofd_text(data: bytes, name: str) -> Extracted:
    """OFD (GB/T 33190) is zipped XML: OFD.xml -> Document.xml -> pages -> TextCode runs, laid out by y."""
    from lxml import etree

    archive = Archive(data, name, ".ofd", "OFD.xml", OFD_HINT)
    budget = Budget(name)
    parser = etree.XMLParser(**SAFE_XML)
    try:
        root = etree.fromstring(archive.read("OFD.xml"), parser)
        ns = {"ofd": root.nsmap.get("ofd") or "http://www.ofdspec.org/2016"}
        props = {}
        title = root.findtext(".//ofd:DocInfo/ofd:Title", namespaces=ns)
        if title and title.strip():
            props["ofd_title"] = title.strip()
        doc_path = (root.findtext(".//ofd:DocRoot", namespaces=ns) or "").strip().lstrip("/")
        doc = etree.fromstring(archive.read(doc_path), parser)
        base = doc_path.rsplit("/", 1)[0] + "/" if "/" in doc_path else ""
        pages = doc.findall(".//ofd:Page", namespaces=ns)
        if len(pages) > MAX_PAGES:
            raise InputError(f"{name}: {len(pages)} pages; limit {MAX_PAGES} (RAG_MAX_PAGES)")
        lines: list[str] = []
        for page in pages:
            loc = str(page.get("BaseLoc") or "").lstrip("/")
            member = loc if loc in archive.members else base + loc
            lines.extend(_ofd_page_lines(archive.open(member), ns["ofd"], budget))
    except InputError:
        raise
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise archive.error(type(exc).__name__) from exc
    if not any(re.search(CJK_CHAR, line) for line in lines):
        raise InputError(f"{name}: no text in this .ofd{OFD_HINT}")
    lines = reflow(lines)
    return Extracted(lines, lines, props)


def _ofd_page_lines(xml: Inflating, ns: str, budget: Budget) -> list[str]:
    """A page's text objects as lines: the objects of one baseline (Boundary's y, rounded) joined left to right."""
    from lxml import etree

    text_object, text_code = f"{{{ns}}}TextObject", f"{{{ns}}}TextCode"
    rows: dict[int, list[tuple[float, str]]] = {}
    for _, elem in etree.iterparse(xml, events=("end",), **SAFE_XML):
        budget.element()
        if elem.tag == text_code:
            budget.text(elem.text or "")
            continue  # read with its TextObject
        if elem.tag == text_object:
            text = "".join(code.text or "" for code in elem.iterfind(text_code))
            if text:
                x, y = _boundary(str(elem.get("Boundary") or ""), budget.name)
                rows.setdefault(round(y), []).append((x, text))
        if _tag(elem.getparent()) != text_object:
            _drop(elem)
    return ["".join(t for _, t in sorted(parts)) for _, parts in sorted(rows.items())]


def _boundary(value: str, name: str) -> tuple[float, float]:
    """x and y of a Boundary "x y w h"; a coordinate that is no finite number (1e400, nan) is refused."""
    parts = value.split()[:2]
    try:
        x, y = (float(v) for v in [*parts, "0", "0"][:2])
    except ValueError:
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InputError(f"{name}: not a readable .ofd (Boundary {value[:40]!r} is not a finite position){OFD_HINT}")
    return x, y
