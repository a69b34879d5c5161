"""The values that flow through the pipeline, and the JSON contract (to_dict) in one place.

Stdlib only: every other module imports from here, this module imports from nobody.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

AnswerKind = Literal["lookup", "aggregation", "comparison", "unanswerable"]
ANSWER_KINDS: tuple[str, ...] = ("lookup", "aggregation", "comparison", "unanswerable")
"""Kinds an Answer can have; the JSON contract names exactly these."""


@dataclass(frozen=True, slots=True)
class Report:
    """One annual report after decoding and chrome removal; `text` is what offsets point into."""

    doc_id: str
    unit: str
    year: int | None
    title: str
    published: str | None
    source: str
    text: str
    kind: str = "其他"
    """法治政府建设年度报告, 政府工作报告, 政府信息公开工作年度报告, 部门决算, … (rag.ingest.kinds.KINDS)."""
    title_year: int | None = None
    """The year the title carries when it differs from `year` (2025年政府工作报告 reviews 2024)."""
    level: str = ""
    """省 / 市 / 县 / 区 / 街道 / 镇 / 乡, or 县级部门 for a county's bureau; "" when unknown."""
    place: tuple[str, ...] = ()
    """The unit's division, top down (某省, 某市, 某县级市, 某镇), as far as it is certain."""
    cues: tuple[tuple[str, str], ...] = ()
    """(field, cue) for unit, year, kind, place: which part of the file gave each (title, opening, reports.csv …)."""
    warnings: tuple[str, ...] = ()
    """What is uncertain about this report and how to fix it; shown once per build and in `rag reports`."""

    def __post_init__(self) -> None:
        if not self.doc_id:
            raise ValueError("doc_id: must not be empty")
        if not self.unit:
            raise ValueError(f"{self.source}: unit must not be empty")
        if not self.text.strip():
            raise ValueError(f"{self.source}: text must not be empty")

    def cue(self, name: str) -> str:
        return dict(self.cues).get(name, "")

    @property
    def content_id(self) -> str:
        """The report's identity: a digest of its text. Two files with the same text are one report
        whatever their names; two files of one name with other text are two."""
        return content_id(self.text)

    def metadata(self) -> dict[str, Any]:
        """Every field but the text, as values (what the index keeps per document)."""
        return {name: getattr(self, name) for name in REPORT_METADATA}

    def to_dict(self) -> dict[str, Any]:
        """The report's metadata (no text): what `rag reports --json` and /api/reports list."""
        return metadata_json(self)


def content_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


REPORT_METADATA = (
    "doc_id",
    "unit",
    "year",
    "title_year",
    "kind",
    "level",
    "place",
    "title",
    "published",
    "source",
    "cues",
    "warnings",
)
"""A report's metadata fields, in the order the JSON lists them."""


def metadata_json(record: Any) -> dict[str, Any]:
    """JSON of a Report's (or an index entry's) metadata: tuples become lists, cues an object."""
    out = {name: getattr(record, name) for name in REPORT_METADATA}
    out["place"] = list(out["place"])
    out["cues"] = dict(out["cues"])
    out["warnings"] = list(out["warnings"])
    return out


@dataclass(frozen=True, slots=True)
class Chunk:
    """A verbatim span of one report inside one section: text == report.text[start:end]."""

    chunk_id: str
    doc_id: str
    unit: str
    year: int | None
    title: str
    section: tuple[str, ...]
    text: str
    start: int
    end: int
    source: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"{self.chunk_id}: need 0 <= start < end, got {self.start}, {self.end}")
        if len(self.text) != self.end - self.start:
            raise ValueError(f"{self.chunk_id}: text length does not match start/end")
        if not self.section:
            raise ValueError(f"{self.chunk_id}: section path must not be empty")

    @property
    def section_path(self) -> str:
        """The section path as users read it: "一、… > (二)…"."""
        return " > ".join(self.section)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "unit": self.unit,
            "year": self.year,
            "title": self.title,
            "section": self.section_path,
            "text": self.text,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked search result; the sub-scores say which side of the hybrid found it."""

    chunk: Chunk
    score: float
    rank: int
    dense_score: float | None = None
    lexical_score: float | None = None

    def __post_init__(self) -> None:
        if self.rank < 1:
            raise ValueError(f"rank: must be >= 1, got {self.rank}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rank": self.rank, "score": round(self.score, 6)}
        out.update(self.chunk.to_dict())
        return out


@dataclass(frozen=True, slots=True)
class Citation:
    """Evidence for one claim: `quote` is a verbatim substring of the cited chunk."""

    n: int
    chunk: Chunk
    quote: str

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n: must be >= 1, got {self.n}")
        if not self.quote or self.quote not in self.chunk.text:
            raise ValueError(f"citation [{self.n}]: quote is not a substring of {self.chunk.chunk_id}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "chunk_id": self.chunk.chunk_id,
            "doc_id": self.chunk.doc_id,
            "unit": self.chunk.unit,
            "year": self.chunk.year,
            "section": self.chunk.section_path,
            "quote": self.quote,
            "text": self.chunk.text,
            "source": self.chunk.source,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """A cited answer; an `unanswerable` one carries no citations by construction."""

    question: str
    kind: AnswerKind
    text: str
    citations: tuple[Citation, ...] = ()
    units: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default=())
    """Checks of the cited figures against each other (81/81 = 100% ✓, or a rate its counts contradict):
    in the JSON too, so an API or MCP client sees a flagged figure, not only a terminal's stderr."""
    values: tuple[tuple[str, float, str], ...] = ()
    """(unit, value, measure) per unit for comparisons, for tables and charts; not part of the JSON contract."""
    candidates: tuple[str, ...] = ()
    """For "which units" answers, the units not listed whose best sentence may still qualify
    ("可能相关，请核对"): each is cited in the answer so a reviewer can check it."""
    silent: tuple[str, ...] = ()
    """For "which units" answers and comparisons, the units in scope whose reports say nothing of it
    (未提及): what an export lists after the units found."""

    def __post_init__(self) -> None:
        if self.kind not in ANSWER_KINDS:
            raise ValueError(f"kind: unknown answer kind {self.kind!r}")
        if self.kind == "unanswerable" and self.citations:
            raise ValueError("kind: an unanswerable answer cannot carry citations")

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "kind": self.kind,
            "answer": self.text,
            "units": list(self.units),
            "candidates": list(self.candidates),
            "silent": list(self.silent),
            "citations": [c.to_dict() for c in self.citations],
            "notices": list(self.notices),
        }
