"""Per-user cache files of tables parsed from a library's data (the divisions table, jieba's word tags):
parsed once, read back by the next process in a fraction of the time.

Why here and not in each reader: a cache file in the shared temporary folder is a file another user
could have planted. One rule for all of them: a file is named after its user and its source's size and
time, read only when this user owns it and no one else may write it, written 0600 through a private
temporary name and renamed into place (never through a link), and any failure means "no cache".
Imports nothing of rag.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

T = TypeVar("T")


def cache_path(kind: str, source: Path, suffix: str) -> Path:
    """Where the cache of `source` (a library's data file) lives for this user."""
    st = source.stat()
    name = f"rag-{kind}-{os.getuid()}-{st.st_size}-{int(st.st_mtime)}{suffix}"
    return Path(tempfile.gettempdir()) / name


def read_owned(path: Path, read: Callable[[BinaryIO], T]) -> T | None:
    """What `read` makes of the file, if this user owns it and only they may write it; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            return None
        try:
            return read(fh)
        except Exception:  # a damaged cache of any kind (a zip that is not one, a truncated marshal)
            return None


def write_private(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """The file written 0600 under a new private name, then renamed into place; silently none on failure."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # no cache: the next process parses again
