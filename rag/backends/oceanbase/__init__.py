"""The OceanBase backend (seekdb or a cluster): connect.py (URL, connections, tables), reader.py (the
IndexReader the Retriever searches, searches run in the engine), writer.py (what a build, add or remove
writes) and rows.py (the rows written in one transaction, and the compaction that settles them).

Imports rag.store and below; PyMySQL only when an engine is used (extra rag[oceanbase])."""

from __future__ import annotations

from rag.backends.oceanbase.connect import Engine, is_engine, parse
from rag.backends.oceanbase.reader import OceanBaseIndex
from rag.backends.oceanbase.writer import build_engine, corrections_file, stored_corrections

__all__ = ["Engine", "OceanBaseIndex", "build_engine", "corrections_file", "is_engine", "parse", "stored_corrections"]
