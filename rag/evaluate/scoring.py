"""Each question through retrieval and answering, scored by string checks only (no LLM judge): the
rank of the gold passage, the value, the units listed, every claimed number against its quotes."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rag.answer import COVERAGE_PREFIXES, NOTE_PREFIXES, REPORT_YEAR, ask
from rag.evaluate.questions import Question, holds_evidence
from rag.quantities import numbers_in
from rag.records import Answer
from rag.retrieve import Fusion, Retriever, SearchMode

DEPTH = 10


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
        return {kind: retrieval_metrics(ranks) for kind, ranks in groups.items()}


def retrieval_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
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


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """One question's outcome: retrieval rank, answer checks, and whether it passed overall."""

    id: str
    kind: str
    question: str
    answer_kind: str
    answer: str
    rank: int | None
    value_ok: bool | None
    unit_scores: tuple[float, float, float] | None
    abstained: bool
    citations: int
    citations_ok: int
    numbers: int
    numbers_quoted: int
    candidate_recall: float | None = None
    """Share of the gold units listed or shown as "可能相关，请核对": what a reviewer gets to see."""
    none_qualify: bool = False
    """A list question no unit meets: right only with an empty strict tier."""
    refused: bool = False
    """Answered "not found" outright (kind unanswerable), not an empty list with its coverage."""
    unit_values: tuple[int, int] | None = None
    """A comparison's values for units with gold evidence: (right, given). Right: the value is a
    number of that unit's gold evidence. The top unit and value alone hide a wrong value further down."""

    @property
    def passed(self) -> bool:
        if self.kind == "unanswerable":
            return self.abstained
        if self.unit_scores is not None and self.kind == "aggregation":
            return self.unit_scores[2] >= 0.999
        if self.abstained:
            return False
        return bool(self.value_ok)


def _value_ok(q: Question, answer: Answer) -> bool:
    """The gold answer is in the answer and in a cited quote (numbers compared normalised)."""
    quotes = " ".join(c.quote for c in answer.citations)
    gold_numbers = numbers_in(q.answer)
    if gold_numbers:
        ok = gold_numbers <= numbers_in(answer.text) and gold_numbers <= numbers_in(quotes)
    else:
        ok = q.answer in answer.text and q.answer in quotes
    if q.kind == "comparison" and q.top_unit is not None:
        ok = ok and bool(answer.units) and answer.units[0] == q.top_unit
    return ok


def _unit_values(q: Question, answer: Answer, unit_of: dict[str, str]) -> tuple[int, int]:
    gold: dict[str, set[float]] = {}
    for e in q.evidence:
        gold.setdefault(unit_of.get(e.doc_id, e.doc_id), set()).update(numbers_in(e.text))
    given = [(unit, value) for unit, value, _ in answer.values if unit in gold]
    right = sum(bool(numbers_in(f"{value:.4f}".rstrip("0").rstrip(".")) & gold[unit]) for unit, value in given)
    return right, len(given)


def _unit_scores(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float, float]:
    g, p = set(gold), set(predicted)
    hit = len(g & p)
    precision = hit / len(p) if p else (1.0 if not g else 0.0)
    recall = hit / len(g) if g else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _claim_numbers(answer: Answer) -> tuple[int, int]:
    """(numbers claimed, numbers in a cited quote); a refusal claims nothing from a report (its
    years say which reports are indexed)."""
    if answer.kind == "unanswerable":
        return 0, 0
    quoted = set().union(*(numbers_in(c.quote) for c in answer.citations)) if answer.citations else set()
    total = supported = 0
    for line in answer.text.splitlines():
        if line.startswith(COVERAGE_PREFIXES + NOTE_PREFIXES):
            continue
        for c in answer.citations:  # unit names are labels (Content-2793487, 新建文本文档 (2))
            line = line.replace(c.chunk.unit, " ")
        for value in numbers_in(REPORT_YEAR.sub(" ", line)):
            total += 1
            supported += value in quoted
    return total, supported


def evaluate(
    retriever: Retriever,
    questions: Sequence[Question],
    *,
    mode: SearchMode = "hybrid",
    answer_fn: Callable[[Retriever, str], Answer] | None = None,
) -> list[QuestionResult]:
    """Run every question through retrieval and answering; no LLM judge, only string checks."""
    answer_fn = answer_fn or (lambda r, text: ask(r, text))
    results: list[QuestionResult] = []
    report_text: dict[str, str] = {}
    unit_of = {d.doc_id: d.unit for d in retriever.documents}
    for q in questions:
        rank = None
        if q.evidence:
            hits = retriever.search(q.question, k=DEPTH, mode=mode)
            rank = next((h.rank for h in hits if holds_evidence(h.chunk, q)), None)
        answer = answer_fn(retriever, q.question)
        ok_cites = 0
        for c in answer.citations:
            text = report_text.setdefault(c.chunk.doc_id, retriever.report(c.chunk.doc_id).text)
            ok_cites += c.quote in c.chunk.text and c.quote in text
        numbers, quoted = _claim_numbers(answer)
        # a list with no unit in it ("没有报告明确符合条件", candidates to check) declines to name one
        abstained = answer.kind == "unanswerable" or (answer.kind == "aggregation" and not answer.units)
        results.append(
            QuestionResult(
                id=q.id,
                kind=q.kind,
                question=q.question,
                answer_kind=answer.kind,
                answer=answer.text,
                rank=rank,
                value_ok=None if q.kind in ("aggregation", "unanswerable") else _value_ok(q, answer),
                # no gold unit: right only with an empty strict tier (precision 0 for any unit named)
                unit_scores=(
                    _unit_scores(q.units, answer.units) if q.kind == "aggregation" and q.units is not None else None
                ),
                abstained=abstained,
                none_qualify=q.kind == "aggregation" and q.units == (),
                refused=answer.kind == "unanswerable",
                citations=len(answer.citations),
                citations_ok=ok_cites,
                numbers=numbers,
                numbers_quoted=quoted,
                candidate_recall=(
                    _unit_scores(q.units, (*answer.units, *answer.candidates))[1]
                    if q.kind == "aggregation" and q.units
                    else None
                ),
                unit_values=_unit_values(q, answer, unit_of) if q.kind == "comparison" else None,
            )
        )
    return results
