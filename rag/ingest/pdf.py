"""PDF reports: the text layer by pypdf, else OCR (poppler's pdftoppm, tesseract chi_sim), bounded first.

A scanned page is rendered to pixels before it is read, so what a PDF declares is checked before
anything is rendered: at most MAX_OCR_PAGES pages, and each page at a resolution that keeps it under
MAX_OCR_PIXELS (a 14,400 × 14,400 pt page is read at a few dpi instead of 4.75 GB at 200 dpi); every
run of an external reader is bounded in time, memory and output (formats.run_external). Imports
rag.errors and rag.ingest.formats.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import tempfile
import warnings
from pathlib import Path

from rag.errors import InputError
from rag.ingest.formats import (
    CJK_CHAR,
    MAX_PAGES,
    MAX_TEXT_BYTES,
    Extracted,
    _limit,
    join_broken_words,
    reflow,
    run_external,
    split_lines,
    too_much_text,
)
from rag.ingest.formats import MAX_REPORT_CHARS as MAX_CHARS

MAX_OCR_PAGES = _limit("RAG_MAX_OCR_PAGES", 300)
"""Most pages read by OCR (a scanned report has 5 to 100; each takes ~1 s of tesseract)."""
OCR_DPI = 200
"""Resolution an A4 page is read at: tesseract's chi_sim needs ~150 dpi or more for small characters."""
MAX_OCR_PIXELS = _limit("RAG_MAX_OCR_MEGAPIXELS", 40) * 1_000_000
"""Most pixels one rendered page may have (an A4 page at 200 dpi has 3.9 million; 40 million is an A0
poster); a larger page is rendered at the resolution that fits, not refused."""
MIN_DPI = 30
"""Below this a page's characters are a few pixels tall: nothing could be read, so it is refused."""


def pdf_text(data: bytes, name: str) -> Extracted:
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
            pages, title, sizes = _pdf_pages(data, name)
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
        text, more = ocr_pdf(data, name, sizes)
        notes += ("no text layer: read by OCR (tesseract chi_sim); check figures against the original", *more)
    lines = reflow([join_broken_words(line) for line in split_lines(text, name)])
    return Extracted(lines, lines, props, notes)


def _pdf_pages(data: bytes, name: str) -> tuple[list[str], str, list[tuple[float, float]]]:
    """(text of each page, the document title, each page's size in points), the text stopped as soon
    as it passes the report limit."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise InputError(f"{name}: encrypted PDF; save an unprotected copy")
            except (NotImplementedError, PdfReadError) as exc:
                raise InputError(f"{name}: encrypted PDF; save an unprotected copy") from exc
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise InputError(f"{name}: {count} pages; limit {MAX_PAGES} (RAG_MAX_PAGES)")
        pages: list[str] = []
        sizes: list[tuple[float, float]] = []
        chars = 0
        for page in reader.pages:
            box = page.mediabox
            sizes.append((abs(float(box.width)), abs(float(box.height))))
            text = page.extract_text() or ""
            chars += len(text)
            if chars > MAX_CHARS:
                raise too_much_text(name)
            pages.append(text)
        info = reader.metadata
        title = str(info.title or "") if info is not None else ""
    except InputError:
        raise
    except Exception as exc:  # pypdf on a crafted file raises anything; it is one unreadable report
        raise InputError(f"{name}: not a readable PDF ({type(exc).__name__})") from exc
    return pages, title, sizes


def _blank(png: Path) -> bool:
    """A page with no ink: every pixel one shade (Pillow, which Gradio installs; without it, read it)."""
    try:
        from PIL import Image
    except ImportError:
        return False
    with Image.open(png) as im:
        lo, hi = im.convert("L").getextrema()
    return isinstance(lo, int | float) and isinstance(hi, int | float) and hi - lo < 8


def _dpi(size: tuple[float, float]) -> int:
    """The resolution that keeps a page of this size (points) under MAX_OCR_PIXELS, at most OCR_DPI."""
    w, h = (max(s, 1.0) / 72 for s in size)  # inches
    fit = int((MAX_OCR_PIXELS / (w * h)) ** 0.5)
    return min(OCR_DPI, fit)


def ocr_pdf(data: bytes, name: str, sizes: list[tuple[float, float]]) -> tuple[str, tuple[str, ...]]:
    """Scanned reports: each page rendered (pdftoppm) at a resolution its size allows, then read with
    tesseract's Simplified Chinese model; (text, notes on any limit that applied)."""
    tesseract, pdftoppm = shutil.which("tesseract"), shutil.which("pdftoppm")
    if tesseract is None or pdftoppm is None:
        raise InputError(
            f"{name}: PDF has no text layer; install tesseract-ocr, tesseract-ocr-chi-sim and poppler-utils "
            "to read it by OCR, or convert it to a PDF with text"
        )
    if len(sizes) > MAX_OCR_PAGES:
        raise InputError(
            f"{name}: PDF has no text layer and {len(sizes)} pages; OCR reads at most {MAX_OCR_PAGES} "
            "(RAG_MAX_OCR_PAGES)"
        )
    notes: list[str] = []
    out: list[str] = []
    chars = 0
    with tempfile.TemporaryDirectory(prefix="rag-ocr-") as tmp:
        pdf = Path(tmp) / "report.pdf"
        pdf.write_bytes(data)  # the bytes checked, not whatever the path points to now
        for n, size in enumerate(sizes, 1):
            dpi = _dpi(size)
            if dpi < MIN_DPI:
                raise InputError(f"{name}: page {n} is {size[0]:.0f} × {size[1]:.0f} pt; too large to read by OCR")
            if dpi < OCR_DPI:
                notes.append(f"page {n} read at {dpi} dpi (page of {size[0]:.0f} × {size[1]:.0f} pt)")
            image = Path(tmp) / f"p{n}"
            run_external(
                [
                    pdftoppm,
                    "-r",
                    str(dpi),
                    "-gray",
                    "-png",
                    "-f",
                    str(n),
                    "-l",
                    str(n),
                    "-singlefile",
                    str(pdf),
                    str(image),
                ],
                name,
                max_output=MAX_OCR_PIXELS * 2,
            )
            png = image.with_suffix(".png")
            if not png.exists() or _blank(png):
                continue  # a blank page costs tesseract a second and says nothing
            text = run_external(
                [tesseract, str(png), "stdout", "-l", "chi_sim", "--psm", "6"], name, max_output=MAX_TEXT_BYTES
            )
            png.unlink()
            chars += len(text)
            if chars > MAX_CHARS:
                raise too_much_text(name)
            out.append(text)
    text = "\n".join(out)
    if len(re.findall(CJK_CHAR, text)) < 20:
        raise InputError(f"{name}: PDF has no text layer and OCR found no Chinese text in {len(sizes)} page(s)")
    # tesseract puts a space between most Chinese characters
    return re.sub(rf"(?<={CJK_CHAR}|[，。、；：])\s(?={CJK_CHAR}|[，。、；：])", "", text), tuple(notes[:3])
