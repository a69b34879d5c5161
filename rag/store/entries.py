"""What the manifest records: the format version, the build parameters and one entry per document.

Imports rag.records and rag.dense only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rag.dense import HNSW_THRESHOLD
from rag.records import Chunk, Report, metadata_json

FORMAT_VERSION = 3
"""Bumped whenever the folder layout or the indexed-text recipe changes; old indexes are refused."""


@dataclass(frozen=True, slots=True)
class BuildParams:
    """Everything that changes what is indexed; written to the manifest and compared on reuse."""

    max_tokens: int = 300
    hnsw_threshold: int = HNSW_THRESHOLD
    prefix_sections: bool = True
    pooled_sentences: bool = False
    """Sentence vectors pooled from their passage's forward pass (encoders that can) instead of a second
    pass. Off: measured on the real set it cost 0.02 unit F1 (the pooled vectors carry their neighbours)
    and saved only 9% of build time, since short sentences batched by length are cheap."""


@dataclass(frozen=True, slots=True)
class DocEntry:
    """A document as the manifest knows it: metadata, its contiguous rows, where its text is."""

    doc_id: str
    unit: str
    year: int | None
    title: str
    published: str | None
    source: str
    hash: str
    first: int
    last: int
    offset: int = 0
    kind: str = "其他"
    title_year: int | None = None
    level: str = ""
    place: tuple[str, ...] = ()
    cues: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    """Its passages' top-level section labels, in order, once each: what rag.outline reads to tell
    results from plans, kept here so an answer over 3,000 reports does not read all their passages
    (an index built before has none: they are then read from the passages)."""
    content: str = ""
    """The report's content identity (Report.content_id): what corrections and duplicates are keyed
    by ("" in an index built before it was kept: such a report is matched by name, as then)."""

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> DocEntry:
        fields = dict(d)
        fields["place"] = tuple(d.get("place", ()))
        fields["cues"] = tuple((str(a), str(b)) for a, b in d.get("cues", ()))
        fields["warnings"] = tuple(d.get("warnings", ()))
        fields["headings"] = tuple(d.get("headings", ()))
        return cls(**fields)

    @classmethod
    def from_report(
        cls, report: Report, digest: str, first: int, last: int, headings: tuple[str, ...] = ()
    ) -> DocEntry:
        return cls(
            **report.metadata(), hash=digest, first=first, last=last, headings=headings, content=report.content_id
        )

    def chunk(self, rec: dict[str, Any]) -> Chunk:
        """One of this report's passage records (chunk_id, section, text, start, end) as a Chunk: the
        record keeps only what is its own, the report's metadata comes from here."""
        return Chunk(
            chunk_id=rec["chunk_id"],
            doc_id=self.doc_id,
            unit=self.unit,
            year=self.year,
            title=self.title,
            section=tuple(rec["section"]),
            text=rec["text"],
            start=rec["start"],
            end=rec["end"],
            source=self.source,
        )

    def to_dict(self) -> dict[str, Any]:
        """What `rag reports --json` and /api/reports list per report."""
        return metadata_json(self) | {"chunks": self.last - self.first}
