"""Reports sent as one .zip (a folder zipped by a reviewer): each report inside unpacked for indexing,
within the same limits as a .docx's zip (rag.ingest.packages: members counted, every inflated byte
counted whatever the directory says) and each member no larger than an upload may be.

Member names are never paths here: each is written under a new name in the caller's folder, and shown
as `包名.zip › 成员名` (a name stored in GBK by Windows' own zipping is read as such)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from rag.errors import InputError
from rag.ingest.formats import MAX_FILE_BYTES, SUPPORTED
from rag.ingest.packages import CHUNK, Archive


def _member_name(raw: str, utf8: bool) -> str:
    """A member's name as its zipper wrote it: zipfile reads non-UTF-8 names as cp437."""
    if utf8:
        return raw
    try:
        return raw.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def unpack(
    path: Path, name: str, folder: Path, *, max_member_bytes: int
) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """(shown name, unpacked file) of each report in the zip, and (shown name, why) of what was not."""
    if path.stat().st_size > MAX_FILE_BYTES:
        return [], [(name, f"file too large (limit {MAX_FILE_BYTES // (1024 * 1024)} MB)")]
    try:
        archive = Archive(path.read_bytes(), name, "zip", None)
    except InputError as exc:
        return [], [(name, str(exc).split(": ", 1)[-1])]
    folder.mkdir(parents=True, exist_ok=True)
    found: list[tuple[str, Path]] = []
    skipped: list[tuple[str, str]] = []
    for n, info in enumerate(archive.members.values()):
        if info.is_dir():
            continue
        base = PurePosixPath(_member_name(info.filename, bool(info.flag_bits & 0x800)).replace("\\", "/")).name
        shown = f"{name} › {base}"
        if not base or base.startswith(".") or base.startswith("__MACOSX"):
            continue  # hidden files and the Mac's resource forks: not reports, not worth a line
        if PurePosixPath(base).suffix.lower() not in SUPPORTED:
            skipped.append((shown, f"unsupported file type (use {' '.join(SUPPORTED)})"))
            continue
        if info.file_size > max_member_bytes:
            skipped.append((shown, f"larger than {max_member_bytes // (1024 * 1024)} MB"))
            continue
        dest = folder / f"{n}{PurePosixPath(base).suffix.lower()}"
        try:
            stream = archive.open(info.filename)
            written = 0
            with dest.open("wb") as out:
                while chunk := stream.read(CHUNK):
                    written += len(chunk)
                    if written > max_member_bytes:
                        raise InputError(f"{shown}: larger than {max_member_bytes // (1024 * 1024)} MB")
                    out.write(chunk)
        except InputError as exc:
            dest.unlink(missing_ok=True)
            skipped.append((shown, str(exc).split(": ", 1)[-1]))
            if "expands to more than" in str(exc):
                break  # the whole zip's budget is spent: the rest would be refused too
            continue
        found.append((shown, dest))
    return found, skipped
