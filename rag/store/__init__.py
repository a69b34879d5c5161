"""The index folder: entries (what the manifest records), files (reading it), segment (one segment's
files), identity (which report is which), build (writing it atomically), delta (adding reports to a
large index without rewriting it).

Imports the L2 stages; never retrieve/answer.
"""

from __future__ import annotations

from rag.store.build import BuildResult, build_index, collect_reports
from rag.store.entries import FORMAT_VERSION, BuildParams, DocEntry
from rag.store.files import IndexFiles, open_index
from rag.store.identity import gather_corrections, report_rows
from rag.store.segment import Skip, indexed_text

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
    "report_rows",
]
