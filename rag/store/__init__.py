"""The index folder: entries (what the manifest records), files (reading it), build (writing it atomically).

Imports the L2 stages; never retrieve/answer.
"""

from __future__ import annotations

from rag.store.build import (
    BuildResult,
    Skip,
    build_index,
    collect_reports,
    gather_corrections,
    indexed_text,
)
from rag.store.entries import FORMAT_VERSION, BuildParams, DocEntry
from rag.store.files import IndexFiles, open_index

__all__ = [
    "FORMAT_VERSION",
    "BuildParams",
    "BuildResult",
    "DocEntry",
    "IndexFiles",
    "Skip",
    "build_index",
    "collect_reports",
    "gather_corrections",
    "indexed_text",
    "open_index",
]
