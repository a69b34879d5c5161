"""Ingestion: report files as users have them -> Reports with unit, year, kind and place, and the cue behind each.

formats (one reader per file type; packages: the zipped .docx and .ofd) -> chrome (page furniture) ->
titles and cues (every place a report names itself) -> reading (rank the cues, warn on what is unsure);
corrections (reports.csv); kinds; places (divisions and levels).
Imports only rag.records/errors/text/units.
"""

from __future__ import annotations

from rag.ingest.corrections import (
    METADATA_FILE,
    Correction,
    apply,
    beside,
    check_kind,
    check_unit,
    check_year,
    lookup,
    read_corrections,
    spreadsheet_safe,
    write_corrections,
)
from rag.ingest.formats import MAX_CHUNKS_PER_REPORT, MAX_FILE_BYTES, MAX_REPORT_CHARS, SUPPORTED
from rag.ingest.kinds import KINDS, resolve_kind
from rag.ingest.reading import doc_id_for, iter_report_files, load_report

__all__ = [
    "KINDS",
    "MAX_CHUNKS_PER_REPORT",
    "MAX_FILE_BYTES",
    "MAX_REPORT_CHARS",
    "METADATA_FILE",
    "SUPPORTED",
    "Correction",
    "apply",
    "beside",
    "check_kind",
    "check_unit",
    "check_year",
    "doc_id_for",
    "iter_report_files",
    "load_report",
    "lookup",
    "read_corrections",
    "resolve_kind",
    "spreadsheet_safe",
    "write_corrections",
]
