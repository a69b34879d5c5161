"""One writer at a time, and an index at the path whatever happens: the lock, ownership, recovery, leftovers.

Writers take an exclusive `flock` on `.index.lock` beside the index and hold it across the whole
read-modify-write; the kernel releases it when the holder dies. Every folder the product creates
carries its marker (`.rag-index`): a build replaces, and a cleanup removes, only folders that carry it
(or an index written before the marker, recognised by its manifest and files).

A build writes a complete sibling (`.index.tmp-<pid>-<id>`, its manifest last) and swaps it in with
two renames. A kill between them leaves no folder at the path but a complete sibling: `recover` puts it in
place (the new one if it is complete, else the old one), on the next build and on open. Leftovers of
dead processes (`.tmp-`, `.old-`, `.uploads-`) are removed by the next build. Imports rag.errors only.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rag.errors import InputError

LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old|uploads)-(?P<pid>\d+)-[0-9a-f]+$")
LOCK_WAIT = 900.0
"""Seconds a second writer waits for the first (an upload behind a large build) before giving up."""
LOCK_POLL = 0.05
MARK = ".rag-index"
MARK_TEXT = "rag-annual-reports index folder: written by `rag build`; safe to replace only by it\n"


def sibling(index_dir: Path, kind: str, tag: str) -> Path:
    """The path of a temporary sibling of the index folder; `tag` starts with the writer's pid."""
    index_dir = index_dir.resolve()
    return index_dir.parent / f".{index_dir.name}.{kind}-{tag}"


def make_sibling(index_dir: Path, kind: str, tag: str) -> Path:
    """Create a temporary sibling, marked as ours before anything else goes in."""
    folder = sibling(index_dir, kind, tag)
    folder.mkdir(parents=True)
    mark(folder)
    return folder


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def lock_path(index_dir: Path) -> Path:
    """The lock file beside the index: inside it, it would be swapped away with the folder it guards."""
    index_dir = index_dir.resolve()
    return index_dir.parent / f".{index_dir.name}.lock"


_LOCAL = threading.local()


def _held() -> set[Path]:
    """The index locks this thread holds: taken again by the same thread, a lock is already ours
    (another thread of the same server still waits, as another process does)."""
    if not hasattr(_LOCAL, "held"):
        _LOCAL.held = set()
    held: set[Path] = _LOCAL.held
    return held


def _wait_limit() -> float:
    try:
        return max(float(os.environ.get("RAG_LOCK_WAIT", LOCK_WAIT)), 0.0)
    except ValueError:
        return LOCK_WAIT


@contextlib.contextmanager
def writer(index_dir: Path, *, wait: float | None = None, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the index's write lock across a whole read-modify-write: an exclusive `flock` on the
    lock file, which the kernel drops when the holder dies however it dies (no stale pid to judge,
    no window between testing a file and creating it). A second writer waits for it, up to `wait`
    seconds (RAG_LOCK_WAIT, default LOCK_WAIT), then gets one line; `waiting()` is called once when
    it starts waiting. The lock file is never removed: a writer that unlinked it could let the next
    one lock a new file while a third still holds the old one."""
    shown = index_dir
    index_dir = index_dir.resolve()
    held = _held()
    if index_dir in held:  # this thread holds it already (a correction's read-modify-write around a build)
        yield
        return
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(index_dir), os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        _lock(fd, shown, _wait_limit() if wait is None else wait, waiting)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)  # who holds it, for a person looking; never read to decide
            recover(index_dir, locked=True)
            clean_leftovers(index_dir, locked=True)
            held.add(index_dir)
            try:
                yield
            finally:
                held.discard(index_dir)
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _lock(fd: int, shown: Path, wait: float, waiting: Callable[[], None] | None) -> None:
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            holder = os.pread(fd, 16, 0).decode("ascii", "replace").strip()
            by = f" by pid {holder}" if holder.isdigit() else ""
            raise InputError(
                f"--index: {shown.name} is being built{by}; waited {wait:.0f} s (RAG_LOCK_WAIT), "
                "try again when it is done"
            )
        if not told and waiting is not None:
            waiting()
            told = True
        time.sleep(LOCK_POLL)


def mark(folder: Path) -> None:
    """Write the product's marker into a folder it creates (an index, a build's sibling, a staging
    folder): the proof, later, that the folder is ours to replace or remove."""
    (folder / MARK).write_text(MARK_TEXT, encoding="utf-8")


def is_ours(folder: Path) -> bool:
    """The folder carries the product's marker, or is an index written before the marker existed
    (a manifest of this product's shape beside its passage offsets). A browser extension's or a web
    app's manifest.json is neither."""
    try:
        if (folder / MARK).read_text(encoding="utf-8")[: len(MARK_TEXT)] == MARK_TEXT:
            return True
    except (OSError, UnicodeDecodeError):
        pass
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and isinstance(manifest.get("format"), int)
        and isinstance(manifest.get("encoder"), dict)
        and "id" in manifest["encoder"]
        and isinstance(manifest.get("documents"), list)
        and isinstance(manifest.get("params"), dict)
        and (folder / "chunks.offsets.npy").is_file()
    )


def replaceable(index_dir: Path) -> bool:
    """The build may put an index at this path: nothing there, an empty folder, or one of ours."""
    if not index_dir.exists():
        return True
    if not index_dir.is_dir() or index_dir.is_symlink():
        return False
    return is_ours(index_dir) or not any(index_dir.iterdir())


def recover(index_dir: Path, *, locked: bool = False) -> bool:
    """Put an index back at the path after a kill between the two renames of a swap: the newest
    complete new folder, else the old one. True when something was restored. Under the write lock
    (`locked`) every build sibling is a dead writer's; without it only those whose pid is gone."""
    index_dir = index_dir.resolve()
    if (index_dir / "manifest.json").exists() or not index_dir.parent.is_dir():
        return False
    found = []
    for p in index_dir.parent.iterdir():
        m = LEFTOVER.match(p.name)
        ours = m is not None and m.group("name") == index_dir.name and m.group("kind") in ("tmp", "old")
        if m is None or not ours or not (p / "manifest.json").exists() or not is_ours(p):
            continue
        if locked or not _alive(int(m.group("pid"))):
            found.append((m.group("kind") == "tmp", p.stat().st_mtime, p))
    if not found:
        return False
    _, _, best = max(found)
    if index_dir.exists():
        with contextlib.suppress(OSError):
            index_dir.rmdir()  # an empty folder left behind; anything else is not ours to remove
    try:
        best.rename(index_dir)
    except OSError:
        return False
    return True


def clean_leftovers(index_dir: Path, *, locked: bool = False) -> None:
    """Remove the temporary siblings of dead processes (a killed build's .tmp-, a swap's .old-, a
    server's staged .uploads-), and only folders that carry the product's marker or are empty: a
    folder that merely has a name like ours is left alone. Build siblings exist only while their
    writer holds the lock, so under it (`locked`) they are dead whatever their pid says now (a pid
    is reused); staged uploads are made outside the lock, so their pid decides."""
    index_dir = index_dir.resolve()
    if not index_dir.parent.is_dir():
        return
    for p in index_dir.parent.iterdir():
        m = LEFTOVER.match(p.name)
        if not m or m.group("name") != index_dir.name or p.is_symlink() or not p.is_dir():
            continue
        dead = (locked and m.group("kind") != "uploads") or not _alive(int(m.group("pid")))
        if dead and (is_ours(p) or not any(p.iterdir())):
            shutil.rmtree(p, ignore_errors=True)
