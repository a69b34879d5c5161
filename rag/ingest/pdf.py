"""PDF reports: the text layer (pypdf), else OCR of each page (poppler's pdftoppm, then tesseract chi_sim).

Every page is measured before it is rendered: pixels, page count and time are bounded, so a 435-byte PDF
with one 200-inch page cannot make pdftoppm allocate gigabytes. Imports rag.errors and rag.ingest.formats.
"""

from __future__ import annotations

import io
import logging
import math
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.ingest.formats import (
    CJK_CHAR,
    EXTERNAL_TIMEOUT,
    MAX_PAGES,
    MAX_REPORT_CHARS,
    MAX_TEXT_BYTES,
    Extracted,
    _limit,
    join_broken_words,
    read_bytes,
    reflow,
    run_external,
    split_lines,
    too_much_text,
)

OCR_DPI = 200
"""Resolution a scanned page is read at: tesseract reads 10.5-point Chinese well from 200 dpi."""
MAX_OCR_PIXELS = _limit("RAG_MAX_OCR_MEGAPIXELS", 8) * 1_000_000
"""Most pixels one page is rendered with (8 million: A3 at 200 dpi); a bigger page is rendered at a
lower resolution so that it fits, instead of 14,400 × 14,400 pt at 200 dpi (4.75 GB in pdftoppm)."""
MAX_OCR_PAGES = _limit("RAG_MAX_OCR_PAGES", 60)
"""Most pages read by OCR (~3 s each): a scanned annual report has 5 to 40; later pages are left out, with a note."""
MAX_OCR_SECONDS = _limit("RAG_MAX_OCR_SECONDS", 600)
"""Most seconds OCR may spend on one file; the pages after it are left out, with a note."""
MIN_DPI = 30
"""Below this a page's characters are a few pixels tall and tesseract reads nothing: such a page is skipped."""
BLANK_SHARE = 0.0002
"""A rendered page with fewer dark pixels than this share (≈ three characters on A4) is blank: not OCR'd."""
DARK = bytes(1 if v < 128 else 0 for v in range(256))
"""Gray levels that count as ink, as a bytes.translate table."""


@dataclass(frozen=True, slots=True)
class Page:
    """What rendering a page will cost, read before rendering it."""

    number: int
    width: float
    """Points as rendered (crop box × UserUnit, turned by /Rotate)."""
    height: float
    empty: bool
    """No content stream and no annotations: nothing would be drawn."""


def pdf_text(data: bytes, name: str) -> Extracted:
    said = Said()
    with _collected(said):
        reader, pages, title = _pdf_pages(data, name)
        text = "\n".join(pages)
        scanned = len(re.findall(CJK_CHAR, text)) < 20
        measured = _measure(reader, name) if scanned else []
    props = {"pdf_title": re.sub(r"\.(pdf|docx?|wps)$", "", title.strip(), flags=re.I)} if title.strip() else {}
    notes: list[str] = []
    if said.count:  # shown with the file's name, like every other warning about a report
        notes.append(f"pypdf: {said.first[:120]}" + (f" (+{said.count - 1} more)" if said.count > 1 else ""))
    if scanned:
        text = ocr_pdf(data, name, measured, len(pages), notes)
        notes.append("no text layer: read by OCR (tesseract chi_sim); check figures against the original")
    lines = reflow([join_broken_words(line) for line in split_lines(text, name)])
    return Extracted(lines, lines, props, tuple(notes))


@dataclass(slots=True)
class Said:
    """What pypdf warned about: the first message and how many there were (a crafted file makes millions)."""

    first: str = ""
    count: int = 0

    def add(self, message: str) -> None:
        self.first = self.first or message
        self.count += 1


@contextmanager
def _collected(said: Said) -> Iterator[None]:
    """pypdf's warnings and log lines go to `said`, to be shown with the file's name: its own lines
    would reach stderr without it."""

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.add(record.getMessage())

    log = logging.getLogger("pypdf")
    handler, propagate = Collect(logging.WARNING), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        with warnings.catch_warnings():  # restores showwarning and the filters afterwards
            warnings.simplefilter("always")
            warnings.showwarning = lambda message, *_args, **_kw: said.add(str(message))
            yield
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


def _pdf_pages(data: bytes, name: str) -> tuple[Any, list[str], str]:
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
        catalog: Any = reader.trailer["/Root"]
        declared = catalog["/Pages"].get("/Count", 0)
        if isinstance(declared, int) and declared > MAX_PAGES:  # before pypdf lists every page object
            raise InputError(f"{name}: {declared} pages; limit {MAX_PAGES} (RAG_MAX_PAGES)")
        pages: list[str] = []
        chars = 0
        for number, page in enumerate(reader.pages, 1):
            if number > MAX_PAGES:
                raise InputError(f"{name}: more than {MAX_PAGES} pages; limit {MAX_PAGES} (RAG_MAX_PAGES)")
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            if chars > MAX_REPORT_CHARS:  # stop here, not after every page
                raise too_much_text(name)
        info = reader.metadata
        title = str(info.title or "") if info is not None else ""
    except InputError:
        raise
    except Exception as exc:  # pypdf on a crafted file raises anything; it is one unreadable report
        raise InputError(f"{name}: not a readable PDF ({type(exc).__name__})") from exc
    return reader, pages, title


def _measure(reader: Any, name: str) -> list[Page]:
    """The size of each page OCR will render (the first MAX_OCR_PAGES), from the PDF's boxes."""
    out: list[Page] = []
    try:
        for number, page in enumerate(reader.pages, 1):
            if number > MAX_OCR_PAGES:
                break
            box, unit = page.cropbox, float(page.user_unit or 1)
            width, height = abs(float(box.width)) * unit, abs(float(box.height)) * unit
            if int(page.rotation) % 180 == 90:
                width, height = height, width
            empty = page.get_contents() is None and not page.get("/Annots")
            out.append(Page(number, width, height, empty))
    except Exception as exc:
        raise InputError(f"{name}: not a readable PDF ({type(exc).__name__} measuring its pages)") from exc
    return out


def render_size(width: float, height: float) -> tuple[int, int, float] | None:
    """(pixels wide, pixels high, dpi) for a page of `width` × `height` points: OCR_DPI, or less so
    that the page stays within MAX_OCR_PIXELS; None for a page with no usable size (0, nan, inf)."""
    if not (math.isfinite(width) and math.isfinite(height) and width > 0 and height > 0):
        return None
    inches = (width / 72) * (height / 72)
    dpi = min(float(OCR_DPI), math.sqrt(MAX_OCR_PIXELS / inches))
    fit = math.ceil if dpi == OCR_DPI else math.floor  # as pdftoppm -r rounds; down when it must fit
    return max(1, fit(width * (dpi / 72))), max(1, fit(height * (dpi / 72))), dpi  # pdftoppm's arithmetic


def ocr_pdf(data: bytes, name: str, pages: list[Page], total: int, notes: list[str]) -> str:
    """Scanned reports: render each page (pdftoppm) and read it with tesseract's Simplified Chinese model.

    Limits that applied are added to `notes` (and to the error if nothing was read)."""
    tesseract, pdftoppm = shutil.which("tesseract"), shutil.which("pdftoppm")
    if tesseract is None or pdftoppm is None:
        raise InputError(
            f"{name}: PDF has no text layer; install tesseract-ocr, tesseract-ocr-chi-sim and poppler-utils "
            "to read it by OCR, or convert it to a PDF with text"
        )
    said: list[str] = []
    out: list[str] = []
    blank = huge = 0
    deadline = time.monotonic() + MAX_OCR_SECONDS
    with tempfile.TemporaryDirectory(prefix="rag-ocr-") as tmp:
        source, image = Path(tmp) / "report.pdf", Path(tmp) / "page"
        source.write_bytes(data)  # the bytes checked, not whatever the path points to now
        for page in pages:
            size = render_size(page.width, page.height)
            if page.empty or size is None:
                blank += 1
                continue
            left = deadline - time.monotonic()
            if left <= 1:
                said.append(f"OCR stopped at page {page.number}: {MAX_OCR_SECONDS} s spent (RAG_MAX_OCR_SECONDS)")
                break
            px_w, px_h, dpi = size
            if dpi < MIN_DPI:
                huge += 1
                continue
            if dpi < OCR_DPI and not any("dpi" in s for s in said):
                said.append(
                    f"page {page.number} is {page.width:.0f} × {page.height:.0f} pt: read at {dpi:.0f} dpi, "
                    f"not {OCR_DPI}, to stay within {MAX_OCR_PIXELS // 1_000_000} million pixels "
                    "(RAG_MAX_OCR_MEGAPIXELS)"
                )
            n = str(page.number)
            # -r as pdftoppm always rendered; -W/-H crop to the pixels measured, so even a page poppler
            # sizes otherwise than pypdf never gets a bigger bitmap
            size_args = ["-r", f"{dpi:.6g}", "-W", str(px_w), "-H", str(px_h)]
            render = [pdftoppm, "-f", n, "-l", n, *size_args, "-gray", "-singlefile", str(source), str(image)]
            run_external(render, name, timeout=min(EXTERNAL_TIMEOUT, left), max_output=px_w * px_h + 4096)
            pgm = image.with_suffix(".pgm")
            if is_blank(pgm.read_bytes()):
                blank += 1
                continue
            left = deadline - time.monotonic()
            ocr = [tesseract, str(pgm), "stdout", "-l", "chi_sim", "--psm", "6"]
            out.append(
                run_external(ocr, name, timeout=max(1.0, min(EXTERNAL_TIMEOUT, left)), max_output=MAX_TEXT_BYTES)
            )
            pgm.unlink()
    if total > len(pages):
        said.append(f"OCR read the first {len(pages)} of {total} pages (RAG_MAX_OCR_PAGES)")
    if huge:
        limit = f"{MAX_OCR_PIXELS // 1_000_000} million pixels (RAG_MAX_OCR_MEGAPIXELS)"
        said.append(f"{huge} page(s) too large to read: under {MIN_DPI} dpi within {limit}")
    if blank:
        said.append(f"{blank} blank page(s) not OCR'd")
    notes.extend(said)
    text = "\n".join(out)
    if len(re.findall(CJK_CHAR, text)) < 20:
        why = f" ({'; '.join(said)})" if said else ""
        raise InputError(f"{name}: PDF has no text layer and OCR found no Chinese text in {total} page(s){why}")
    # tesseract puts a space between most Chinese characters
    return re.sub(rf"(?<={CJK_CHAR}|[，。、；：])\s(?={CJK_CHAR}|[，。、；：])", "", text)


PGM_HEADER = re.compile(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s")


def is_blank(pgm: bytes) -> bool:
    """A rendered gray page (binary PGM, as pdftoppm -gray writes) with almost no ink."""
    header = PGM_HEADER.match(pgm)
    if header is None or int(header.group(3)) > 255:
        return False
    pixels = pgm[header.end() :]
    return pixels.translate(DARK).count(1) < max(1, len(pixels)) * BLANK_SHARE


PREVIEW_DPI = 110
"""A page shown to a reviewer (查看原文): readable on a laptop screen, a tenth of OCR's pixels."""


def page_of(path: Path, quote: str) -> int | None:
    """The page (1-based) of a text PDF whose text holds the quote's opening (white space ignored: a
    PDF breaks lines anywhere); None for a scanned PDF or a quote it cannot place. Bounded like reading."""
    _, pages, _ = _pdf_pages(read_bytes(path, path.name), path.name)
    head = re.sub(r"\s+", "", quote)[:16]
    if not head:
        return None
    for number, text in enumerate(pages, 1):
        if head in re.sub(r"\s+", "", text):
            return number
    return None


def render_page(path: Path, number: int, out: Path) -> Path:
    """Page `number` as a PNG (pdftoppm, bounded in time, memory and output like every external reader),
    at PREVIEW_DPI or less for a page too large to show at it."""
    reader, _, _ = _pdf_pages(read_bytes(path, path.name), path.name)
    sized = _measure(reader, path.name)
    page = next((p for p in sized if p.number == number), None)
    size = render_size(page.width, page.height) if page is not None else None
    dpi = min(PREVIEW_DPI, int(size[2])) if size is not None else PREVIEW_DPI
    run_external(
        ["pdftoppm", "-f", str(number), "-l", str(number), "-r", str(dpi), "-png", "-singlefile", str(path), str(out)],
        path.name,
    )
    return out.with_suffix(".png")
