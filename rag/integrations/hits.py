"""What a hit carries into another library's document or node: its text, and the metadata a user
filters and cites by (unit, year, kind, section, source), the same names as the CLI's JSON."""

from __future__ import annotations

from typing import Any

from rag.records import Hit
from rag.retrieve import Retriever

FILTERS = ("unit", "year", "kind", "region")
"""The filters every integration passes through to Retriever.search."""


class Kinds:
    """Report kind by doc_id (a Hit's chunk knows its unit and year, the manifest its kind)."""

    def __init__(self, retriever: Retriever) -> None:
        self._kind = {d.doc_id: d.kind for d in retriever.documents}
        self._level = {d.doc_id: d.level for d in retriever.documents}

    def metadata(self, hit: Hit) -> dict[str, Any]:
        c = hit.chunk
        return {
            "unit": c.unit,
            "year": c.year,
            "kind": self._kind.get(c.doc_id, ""),
            "level": self._level.get(c.doc_id, ""),
            "section": c.section_path,
            "title": c.title,
            "source": c.source,
            "doc_id": c.doc_id,
            "chunk_id": c.chunk_id,
            "rank": hit.rank,
            "score": round(hit.score, 6),
        }
