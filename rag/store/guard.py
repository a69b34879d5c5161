"""One writer at a time, and an index at the path whatever happens: the lock file, recovery, leftovers.

A build writes a complete sibling (`.index.tmp-<pid>-<id>`, its manifest last) and swaps it in with two
renames. A kill between them leaves no folder at the path but a complete sibling: `recover` puts it in
place (the new one if it is complete, else the old one), on the next build and on open. Leftovers of
dead processes (`.tmp-`, `.old-`, `.uploads-`) are removed by the next build. Imports rag.errors only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from rag.errors import InputError

LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old|uploads)-(?P<pid>\d+)-[0-9a-f]+$")


def sibling(index_dir: Path, kind: str, tag: str) -> Path:
    """The path of a temporary sibling of the index folder; `tag` starts with the writer's pid."""
    index_dir = index_dir.resolve()
    return index_dir.parent / f".{index_dir.name}.{kind}-{tag}"


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


@contextlib.contextmanager
def writer(index_dir: Path) -> Iterator[None]:
    """Hold the index's lock file for a build: a second writer gets a one-line error naming the pid
    that builds; a lock left by a dead process is taken over."""
    index_dir = index_dir.resolve()
    lock = index_dir.parent / f".{index_dir.name}.lock"
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = int(lock.read_text(encoding="utf-8").strip() or "0")
            except (OSError, ValueError):
                holder = 0
            if holder and _alive(holder):
                raise InputError(
                    f"--index: {index_dir} is being built by pid {holder}; wait for it to finish"
                ) from None
            lock.unlink(missing_ok=True)  # stale: its process is gone
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(str(os.getpid()))
        break
    else:
        raise InputError(f"--index: {index_dir}: could not take the lock {lock.name}")
    try:
        recover(index_dir)
        clean_leftovers(index_dir)
        yield
    finally:
        lock.unlink(missing_ok=True)


def recover(index_dir: Path) -> bool:
    """Put an index back at the path after a kill between the two renames of a swap: the newest
    complete new folder, else the old one. True when something was restored."""
    index_dir = index_dir.resolve()
    if (index_dir / "manifest.json").exists() or not index_dir.parent.is_dir():
        return False
    found = []
    for p in index_dir.parent.iterdir():
        m = LEFTOVER.match(p.name)
        ours = m is not None and m.group("name") == index_dir.name and m.group("kind") in ("tmp", "old")
        if m is not None and ours and (p / "manifest.json").exists() and not _alive(int(m.group("pid"))):
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


def clean_leftovers(index_dir: Path) -> None:
    """Remove the temporary siblings of dead processes (a killed build's .tmp-, a swap's .old-, a
    server's staged .uploads-)."""
    index_dir = index_dir.resolve()
    if not index_dir.parent.is_dir():
        return
    for p in index_dir.parent.iterdir():
        m = LEFTOVER.match(p.name)
        if m and m.group("name") == index_dir.name and not _alive(int(m.group("pid"))):
            shutil.rmtree(p, ignore_errors=True)
