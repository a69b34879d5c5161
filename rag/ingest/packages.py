"""Zipped-XML documents: .docx (python-docx) and .ofd (GB/T 33190), checked before they are inflated.

Imports rag.errors and rag.ingest.formats (what a reader returns, the limits).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.ingest.formats import CJK_CHAR, MAX_UNZIPPED_BYTES, Extracted, reflow


def check_zip(path: Path, name: str, kind: str, required: str, hint: str = "") -> None:
    """A zipped document is checked before a parser inflates it: it is a zip, holds its main part,
    and expands to at most MAX_UNZIPPED_BYTES."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a readable {kind} (not a zip file){hint}") from exc
    if required not in {i.filename for i in infos}:
        raise InputError(f"{name}: not a readable {kind} (no {required} inside){hint}")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        raise InputError(
            f"{name}: {kind} expands to {total // (1024 * 1024)} MB; limit {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB "
            f"(RAG_MAX_UNZIPPED_MB){hint}"
        )


def docx_text(path: Path, name: str) -> Extracted:
    import docx

    check_zip(path, name, ".docx", "word/document.xml")
    try:
        document = docx.Document(str(path))
        # a soft line break inside a paragraph (来源：… <br> 2025年1月17日在…) starts a new line
        lines = [line for p in document.paragraphs for line in p.text.split("\n")]
        for table in document.tables:
            for row in table.rows:
                lines.append(" ".join(cell.text.strip() for cell in row.cells))
        core = document.core_properties
        props = {k: v.strip() for k, v in (("docx_title", core.title or ""), ("docx_subject", core.subject or ""))}
    except Exception as exc:  # python-docx on a crafted package raises anything (AttributeError, lxml errors)
        raise InputError(f"{name}: not a readable .docx ({type(exc).__name__})") from exc
    return Extracted(lines, lines, {k: v for k, v in props.items() if v})


def ofd_text(path: Path, name: str) -> Extracted:
    """OFD (GB/T 33190) is zipped XML: OFD.xml -> Document.xml -> pages -> TextCode runs, laid out by y."""
    from lxml import etree

    check_zip(path, name, ".ofd", "OFD.xml", "; convert to .docx or .pdf")
    try:
        with zipfile.ZipFile(path) as zf:
            root = etree.fromstring(zf.read("OFD.xml"))
            ns = {"ofd": root.nsmap.get("ofd") or "http://www.ofdspec.org/2016"}
            props = {}
            title = root.findtext(".//ofd:DocInfo/ofd:Title", namespaces=ns)
            if title and title.strip():
                props["ofd_title"] = title.strip()
            doc_path = (root.findtext(".//ofd:DocRoot", namespaces=ns) or "").strip().lstrip("/")
            doc = etree.fromstring(zf.read(doc_path))
            base = doc_path.rsplit("/", 1)[0] + "/" if "/" in doc_path else ""
            lines: list[str] = []
            for page in doc.iterfind(".//ofd:Page", namespaces=ns):
                loc = str(page.get("BaseLoc") or "").lstrip("/")
                member = loc if loc in zf.namelist() else base + loc
                lines.extend(_ofd_page_lines(etree.fromstring(zf.read(member)), ns))
    except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"{name}: not a readable .ofd ({type(exc).__name__}); convert to .docx or .pdf") from exc
    if not any(re.search(CJK_CHAR, line) for line in lines):
        raise InputError(f"{name}: no text in this .ofd; convert to .docx or .pdf")
    lines = reflow(lines)
    return Extracted(lines, lines, props)


def _ofd_page_lines(page: Any, ns: dict[str, str]) -> list[str]:
    rows: dict[int, list[tuple[float, str]]] = {}
    for obj in page.iterfind(".//ofd:TextObject", namespaces=ns):
        box = [float(v) for v in str(obj.get("Boundary") or "0 0 0 0").split()[:2]]
        text = "".join(code.text or "" for code in obj.iterfind("ofd:TextCode", namespaces=ns))
        if text:
            rows.setdefault(round(box[1]), []).append((box[0], text))
    return ["".join(t for _, t in sorted(parts)) for _, parts in sorted(rows.items())]
