"""The browser's 导出 buttons: a result's table (rag.export) written as a file Gradio hands to the browser
(and the page image 查看原文 shows for a PDF).

Files go to one private folder of this process (created with mkdtemp, so no other user's folder is
touched) and are deleted an hour later, on the next export; Gradio copies each into its own cache to
serve it, so nothing here is ever read back from a path a client names.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from pathlib import Path

from rag.export import Table, encode

KEEP_SECONDS = 3600
_folder: Path | None = None
_lock = threading.Lock()


def _private() -> Path:
    global _folder
    with _lock:
        if _folder is None or not _folder.is_dir():
            _folder = Path(tempfile.mkdtemp(prefix="rag-exports-"))
        return _folder


def folder() -> Path:
    """A new folder of its own inside this process's private one (a page image, a sheet)."""
    own = _private() / uuid.uuid4().hex
    own.mkdir()
    return own


def save(table: Table, fmt: str = "xlsx") -> str:
    """The table as a new file named after its sheet (回答.xlsx, 指标台账.csv); its path."""
    folder = _private()
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.glob("*/*"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
            old.parent.rmdir()
    own = folder / uuid.uuid4().hex  # one folder per file: the browser sees the sheet's own name
    own.mkdir()
    path = own / f"{table.title}.{fmt}"
    path.write_bytes(encode(table, fmt))
    return str(path)
