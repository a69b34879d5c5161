"""The eval runner: questions.jsonl in, retrieval (and answer) metrics by question kind out.

Top of the library stack: may import anything in rag below the CLI; nothing imports it but the CLI.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.records import Chunk
from rag.retrieve import Fusion, Retriever, SearchMode

QUESTION_KINDS = ("lookup", "paraphrase", "aggregation", "comparison", "english", "unanswerable")
"""Kinds a question may have in questions.jsonl; metrics are reported per kind and overall."""
DEPTH = 10


@dataclass(frozen=True, slots=True)
class Evidence:
    doc_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str
    question: str
    answer: str
    evidence: tuple[Evidence, ...] = ()
    units: tuple[str, ...] | None = None


@dataclass
class RetrievalScores:
    """Per-question rank of the first passage holding gold evidence (None: not in the top DEPTH)."""

    ranks: dict[str, int | None] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[int | None]] = defaultdict(list)
        for qid, rank in self.ranks.items():
            groups[self.kinds[qid]].append(rank)
            groups["all"].append(rank)
        return {kind: _retrieval_metrics(ranks) for kind, ranks in groups.items()}


def _retrieval_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    n = max(1, len(ranks))

    def recall(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / n

    return {
        "n": float(len(ranks)),
        "recall@1": recall(1),
        "recall@5": recall(5),
        "recall@10": recall(10),
        "mrr@10": sum(1 / r for r in ranks if r is not None and r <= DEPTH) / n,
        "ndcg@10": sum(1 / math.log2(r + 1) for r in ranks if r is not None and r <= DEPTH) / n,
    }


def load_questions(path: Path) -> list[Question]:
    """Parse and validate questions.jsonl; an error names the file, line and field."""
    if not path.exists():
        raise InputError(f"{path}: no such questions file")
    out: list[Question] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            raw: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise InputError(f"{where}: each line must be a JSON object")
        for key in ("id", "kind", "question", "answer"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise InputError(f"{where}: field '{key}' must be a non-empty string")
        if raw["kind"] not in QUESTION_KINDS:
            raise InputError(f"{where}: field 'kind' must be one of {', '.join(QUESTION_KINDS)}")
        if raw["id"] in seen:
            raise InputError(f"{where}: duplicate id '{raw['id']}'")
        seen.add(raw["id"])
        evidence = raw.get("evidence", [])
        if not isinstance(evidence, list) or not all(
            isinstance(e, dict) and isinstance(e.get("doc_id"), str) and isinstance(e.get("text"), str)
            for e in evidence
        ):
            raise InputError(f"{where}: field 'evidence' must be a list of {{doc_id, text}} objects")
        if raw["kind"] != "unanswerable" and not evidence:
            raise InputError(f"{where}: field 'evidence' is required for kind '{raw['kind']}'")
        units = raw.get("units")
        if units is not None and not (isinstance(units, list) and all(isinstance(u, str) for u in units)):
            raise InputError(f"{where}: field 'units' must be a list of unit names")
        out.append(
            Question(
                id=raw["id"],
                kind=raw["kind"],
                question=raw["question"],
                answer=raw["answer"],
                evidence=tuple(Evidence(e["doc_id"], e["text"]) for e in evidence),
                units=tuple(units) if units is not None else None,
            )
        )
    if not out:
        raise InputError(f"{path}: no questions")
    return out


def holds_evidence(chunk: Chunk, question: Question) -> bool:
    return any(e.doc_id == chunk.doc_id and e.text in chunk.text for e in question.evidence)


def evaluate_retrieval(
    retriever: Retriever, questions: Sequence[Question], *, mode: SearchMode = "hybrid", fusion: Fusion = "weighted"
) -> RetrievalScores:
    scores = RetrievalScores()
    for q in questions:
        if not q.evidence:
            continue
        hits = retriever.search(q.question, k=DEPTH, mode=mode, fusion=fusion)
        scores.kinds[q.id] = q.kind
        scores.ranks[q.id] = next((h.rank for h in hits if holds_evidence(h.chunk, q)), None)
    return scores
