"""Zipped-XML documents: .docx (python-docx) and .ofd (GB/T 33190), their real inflated sizes checked first.

Imports rag.errors and rag.ingest.formats (what a reader returns, the limits).
"""

from __future__ import annotations

import io
import math
import re
import zipfile
import zlib
from typing import Any

from rag.errors import InputError
from rag.ingest.formats import CJK_CHAR, MAX_PAGES, MAX_UNZIPPED_BYTES, MB, Extracted, _limit, reflow

MAX_PART_BYTES = _limit("RAG_MAX_DOCX_XML_MB", 24) * MB
"""Most bytes the main XML part (word/document.xml, an OFD page) may inflate to: a 300-page report's
is a few MB; python-docx holds a parsed part at ~20 times its size, so 24 MB stays under 0.5 GB."""


def open_zip(data: bytes, name: str, kind: str, required: str, hint: str = "") -> zipfile.ZipFile:
    """A zipped document, checked before any parser reads it: a zip, holding its main part, whose
    members really inflate (counted while inflating: a directory may lie) to at most
    MAX_UNZIPPED_BYTES in all and MAX_PART_BYTES each, none encrypted or compressed by a method
    zipfile does not know."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"{name}: not a readable {kind} (not a zip file){hint}") from exc
    if required not in {i.filename for i in infos}:
        raise InputError(f"{name}: not a readable {kind} (no {required} inside){hint}")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputError(f"{name}: not a readable {kind} (an encrypted part: {info.filename[:60]}){hint}")
        size = 0
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    size += len(chunk)
                    total += len(chunk)
                    if size > MAX_PART_BYTES or total > MAX_UNZIPPED_BYTES:
                        raise InputError(
                            f"{name}: {kind} inflates past {min(MAX_PART_BYTES, MAX_UNZIPPED_BYTES) // MB} MB "
                            f"(RAG_MAX_DOCX_XML_MB, RAG_MAX_UNZIPPED_MB){hint}"
                        )
        except InputError:
            raise
        except (NotImplementedError, zipfile.BadZipFile, RuntimeError, EOFError, OSError, zlib.error) as exc:
            raise InputError(
                f"{name}: not a readable {kind} ({type(exc).__name__}: {info.filename[:60]}){hint}"
            ) from exc
    return zf


def docx_text(data: bytes, name: str) -> Extracted:
    import docx

    open_zip(data, name, ".docx", "word/document.xml")
    try:
        document = docx.Document(io.BytesIO(data))
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


def ofd_text(data: bytes, name: str) -> Extracted:
    """OFD (GB/T 33190) is zipped XML: OFD.xml -> Document.xml -> pages -> TextCode runs, laid out by y."""
    from lxml import etree

    zf = open_zip(data, name, ".ofd", "OFD.xml", "; convert to .docx or .pdf")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(zf.read("OFD.xml"), parser)
        ns = {"ofd": root.nsmap.get("ofd") or "http://www.ofdspec.org/2016"}
        props = {}
        title = root.findtext(".//ofd:DocInfo/ofd:Title", namespaces=ns)
        if title and title.strip():
            props["ofd_title"] = title.strip()
        doc_path = (root.findtext(".//ofd:DocRoot", namespaces=ns) or "").strip().lstrip("/")
        doc = etree.fromstring(zf.read(doc_path), parser)
        base = doc_path.rsplit("/", 1)[0] + "/" if "/" in doc_path else ""
        lines: list[str] = []
        pages = list(doc.iterfind(".//ofd:Page", namespaces=ns))
        if len(pages) > MAX_PAGES:
            raise InputError(f"{name}: {len(pages)} pages; limit {MAX_PAGES} (RAG_MAX_PAGES)")
        for page in pages:
            loc = str(page.get("BaseLoc") or "").lstrip("/")
            member = loc if loc in zf.namelist() else base + loc
            lines.extend(_ofd_page_lines(etree.fromstring(zf.read(member), parser), ns))
    except InputError:
        raise
    except Exception as exc:  # a crafted package: a coordinate of 1e400, a missing part, bad XML …
        raise InputError(f"{name}: not a readable .ofd ({type(exc).__name__}); convert to .docx or .pdf") from exc
    if not any(re.search(CJK_CHAR, line) for line in lines):
        raise InputError(f"{name}: no text in this .ofd; convert to .docx or .pdf")
    lines = reflow(lines)
    return Extracted(lines, lines, props)


def _ofd_page_lines(page: Any, ns: dict[str, str]) -> list[str]:
    rows: dict[int, list[tuple[float, str]]] = {}
    for obj in page.iterfind(".//ofd:TextObject", namespaces=ns):
        box = [float(v) for v in str(obj.get("Boundary") or "0 0 0 0").split()[:2]]
        if not all(math.isfinite(v) for v in box):
            raise ValueError("a coordinate that is not a finite number")
        text = "".join(code.text or "" for code in obj.iterfind("ofd:TextCode", namespaces=ns))
        if text:
            rows.setdefault(round(box[1]), []).append((box[0], text))
    return ["".join(t for _, t in sorted(parts)) for _, parts in sorted(rows.items())]
