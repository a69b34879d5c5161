"""Readers per file format: bytes -> lines of text plus the format's own metadata (title properties).

Owns the limits every reader keeps, reading a file safely (regular files only, never past the size limit),
text files, Word 97 (Debian's antiword) and running external readers; web pages are read in webpage, PDFs
in pdf, the zipped .docx and .ofd in packages. Imports only rag.errors/text; what a line means is not known here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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


MB = 1024 * 1024
MAX_FILE_BYTES = _limit("RAG_MAX_FILE_MB", 100) * MB
"""Largest report file read (100 MB): annual reports are kilobytes to a few MB; more is a mistake."""
MAX_REPORT_CHARS = _limit("RAG_MAX_REPORT_CHARS", 1_000_000)
"""Most characters one report may hold after reading (a 政府工作报告 has ~30,000; 1,000,000 is a
500-page book): more is a mistake (a log, a dump) that would take hours to embed. Readers stop as soon
as they pass it instead of extracting everything first."""
MAX_LINES = _limit("RAG_MAX_LINES", 200_000)
"""Most lines one report may hold (a 1,000,000-character book has ~30,000): 100 MB of line breaks
would otherwise become a list of 100 million lines (6 GB)."""
MAX_TEXT_BYTES = 4 * (MAX_REPORT_CHARS + MAX_LINES)
"""Most bytes of plain text worth decoding: a character is at most 4 bytes (UTF-8, GB18030), so more
holds more characters or lines than a report may."""
MAX_CHUNKS_PER_REPORT = _limit("RAG_MAX_CHUNKS", 5_000)
"""Most passages one report may become."""
MAX_UNZIPPED_BYTES = _limit("RAG_MAX_UNZIPPED_MB", 64) * MB
"""Most bytes a .docx/.ofd may inflate to (64 MB; a 300-page report's XML is a few MB), counted while
inflating: a zip's directory may lie about sizes, so a bomb stops at the limit, not after it."""
MAX_PAGES = _limit("RAG_MAX_PAGES", 2_000)
"""Most pages a PDF or OFD may have (annual reports have under 500)."""
EXTERNAL_TIMEOUT = _limit("RAG_EXTERNAL_TIMEOUT", 120)
"""Seconds one run of an external reader (antiword, pdftoppm, tesseract) may take."""
MAX_EXTERNAL_MEMORY = _limit("RAG_MAX_EXTERNAL_MB", 2_048) * MB
"""Address space an external reader may use (tesseract chi_sim needs ~100 MB, pdftoppm a page's pixels)."""


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
    data = read_bytes(path, name)
    if not data.strip():
        raise InputError(f"{name}: empty file")
    if ext in (".txt", ".md"):
        if len(data) > MAX_TEXT_BYTES:
            raise InputError(
                f"{name}: {len(data) / MB:.1f} MB of text is more than a report's {MAX_REPORT_CHARS} characters "
                f"(RAG_MAX_REPORT_CHARS) and {MAX_LINES} lines (RAG_MAX_LINES) can take"
            )
        raw = decode(data, name)
        if ext == ".md":
            raw = re.sub(r"(?m)^\s{0,3}#{1,6}\s*", "", raw)
        lines = split_lines(raw, name)
        bad = raw.count("\ufffd")
        return Extracted(lines, lines, notes=(f"{bad} undecodable byte(s) shown as �",) if bad else ())
    if ext in (".html", ".htm"):
        from rag.ingest.webpage import html_text  # they build on this module's Extracted and limits

        return html_text(data, name)
    if ext == ".pdf":
        from rag.ingest.pdf import pdf_text

        return pdf_text(data, name)
    if ext in (".docx", ".ofd"):
        from rag.ingest.packages import docx_text, ofd_text

        return docx_text(data, name) if ext == ".docx" else ofd_text(data, name)
    return word97_text(data, name, ext)


FILE_TYPES = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def read_bytes(path: Path, name: str) -> bytes:
    """A regular file's bytes, never more than MAX_FILE_BYTES: a FIFO would block forever and a link
    to /dev/zero read until memory runs out, so anything but a regular file is refused before it is opened."""
    try:
        info = path.stat()  # follows links: the target is what would be read
    except FileNotFoundError:
        what = "broken link (its target does not exist)" if path.is_symlink() else "no such file"
        raise InputError(f"{name}: {what}") from None
    except OSError as exc:  # a link loop, a folder without permission
        raise InputError(f"{name}: cannot be read ({exc.strerror})") from exc
    _check_regular(info, name)
    try:
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, opening it does not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as fh:
        _check_regular(os.fstat(fd), name)  # what was opened, not what was checked
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew since stat
        raise InputError(f"{name}: file too large (over {MAX_FILE_BYTES // MB} MB; limit {MAX_FILE_BYTES // MB} MB)")
    return data


def _check_regular(info: os.stat_result, name: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        what = FILE_TYPES.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise InputError(f"{name}: {what}, not a report file")
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(f"{name}: file too large ({info.st_size // MB} MB; limit {MAX_FILE_BYTES // MB} MB)")


def too_much_text(name: str, chars: int | None = None) -> InputError:
    """The one refusal for a report over MAX_REPORT_CHARS, whether counted to the end or stopped early."""
    count = f"{chars}" if chars is not None else f"more than {MAX_REPORT_CHARS}"
    return InputError(f"{name}: {count} characters of text; limit {MAX_REPORT_CHARS} (RAG_MAX_REPORT_CHARS)")


LINE_BREAKS = ("\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
"""What str.splitlines splits on."""


def split_lines(text: str, name: str) -> list[str]:
    """text.splitlines(), refused before the list is made when it would pass MAX_LINES."""
    breaks = sum(text.count(mark) for mark in LINE_BREAKS) - text.count("\r\n")  # "\r\n" is one break
    if breaks > MAX_LINES:
        raise InputError(f"{name}: more than {MAX_LINES} lines of text; limit {MAX_LINES} (RAG_MAX_LINES)")
    return text.splitlines()


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


def run_external(
    cmd: list[str], name: str, *, timeout: float = EXTERNAL_TIMEOUT, max_output: int = MAX_FILE_BYTES
) -> str:
    """An external reader's stdout, bounded in time (killed after `timeout` s), memory (MAX_EXTERNAL_MEMORY)
    and output (at most `max_output` bytes, also for the files it writes, through prlimit where installed)."""
    tool = Path(cmd[0]).name
    prlimit = shutil.which("prlimit")
    limits = [prlimit, f"--as={MAX_EXTERNAL_MEMORY}", f"--fsize={max_output}", "--"] if prlimit else []
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            done = subprocess.run([*limits, *cmd], stdout=out, stderr=err, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise InputError(f"{name}: {tool} took longer than {timeout:.0f} s (limit RAG_EXTERNAL_TIMEOUT)") from exc
        except OSError as exc:
            raise InputError(f"{name}: {tool} failed ({type(exc).__name__})") from exc
        out.seek(0)
        text = out.read(max_output + 1)
        err.seek(max(0, err.seek(0, os.SEEK_END) - 4096))
        said = err.read().decode("utf-8", "replace").strip().splitlines()
    if done.returncode == -signal.SIGXFSZ or len(text) > max_output:
        raise InputError(f"{name}: {tool} wrote more than {max_output // MB} MB; refused")
    if done.returncode < 0:  # killed: out of memory under the limit aborts or segfaults
        why = f"killed by signal {-done.returncode}; memory limit {MAX_EXTERNAL_MEMORY // MB} MB, RAG_MAX_EXTERNAL_MB"
        raise InputError(f"{name}: {tool} could not read it ({why})")
    if done.returncode != 0:
        raise InputError(f"{name}: {tool} could not read it ({said[-1][:160] if said else done.returncode})")
    return text.decode("utf-8", "replace")


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


def word97_text(data: bytes, name: str, ext: str) -> Extracted:
    """.doc and old .wps are Word 97 binaries; Debian's antiword reads them in milliseconds."""
    antiword = shutil.which("antiword")
    if antiword is None:
        raise InputError(
            f"{name}: reading {ext} needs antiword (apt-get install antiword); or convert to .docx or .pdf"
        )
    with tempfile.TemporaryDirectory(prefix="rag-doc-") as tmp:
        copy = Path(tmp) / f"report{ext}"  # the bytes checked, not whatever the path points to now
        copy.write_bytes(data)
        text = run_external([antiword, "-m", "UTF-8.txt", "-w", "0", str(copy)], name, max_output=MAX_TEXT_BYTES)
    lines = [line for line in split_lines(text, name) if line.strip() != "[pic]"]
    if not any(re.search(CJK_CHAR, line) for line in lines):
        raise InputError(f"{name}: no text found in this {ext}; convert to .docx or .pdf")
    return Extracted(lines, lines)
