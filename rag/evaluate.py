"""The eval runner: questions.jsonl in, retrieval (and answer) metrics by question kind out.

Top of the library stack: may import anything in rag below the CLI; nothing imports it but the CLI.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.answer import COVERAGE_PREFIXES, NOTE_PREFIXES, REPORT_YEAR, ask
from rag.errors import InputError
from rag.quantities import numbers_in
from rag.records import Answer, Chunk
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
    top_unit: str | None = None


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
        if raw["kind"] in ("aggregation", "comparison") and units is None:
            raise InputError(f"{where}: field 'units' is required for kind '{raw['kind']}'")
        top = raw.get("top_unit")
        if top is not None and not isinstance(top, str):
            raise InputError(f"{where}: field 'top_unit' must be a unit name")
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

    @property
    def passed(self) -> bool:
        if self.kind == "unanswerable":
            return self.abstained
        if self.abstained:
            return False
        if self.unit_scores is not None and self.kind == "aggregation":
            return self.unit_scores[2] >= 0.999
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
                unit_scores=_unit_scores(q.units, answer.units) if q.kind == "aggregation" and q.units else None,
                abstained=abstained,
                citations=len(answer.citations),
                citations_ok=ok_cites,
                numbers=numbers,
                numbers_quoted=quoted,
                candidate_recall=(
                    _unit_scores(q.units, (*answer.units, *answer.candidates))[1]
                    if q.kind == "aggregation" and q.units
                    else None
                ),
            )
        )
    return results


def summarize(results: Sequence[QuestionResult]) -> dict[str, dict[str, float]]:
    """Metrics by question kind and for "all"; a metric is absent where it does not apply."""
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in results:
        groups[r.kind].append(r)
        groups["all"].append(r)
    out: dict[str, dict[str, float]] = {}
    for kind, rs in groups.items():
        m: dict[str, float] = {"n": float(len(rs)), "pass_rate": sum(r.passed for r in rs) / len(rs)}
        ranked = [r.rank for r in rs if r.kind != "unanswerable"]
        if ranked:
            m.update({k: v for k, v in _retrieval_metrics(ranked).items() if k != "n"})
        units = [r.unit_scores for r in rs if r.unit_scores is not None]
        if units:
            m["unit_precision"] = sum(u[0] for u in units) / len(units)
            m["unit_recall"] = sum(u[1] for u in units) / len(units)
            m["unit_f1"] = sum(u[2] for u in units) / len(units)
            seen = [r.candidate_recall for r in rs if r.candidate_recall is not None]
            m["candidate_recall"] = sum(seen) / len(seen)
        values = [r.value_ok for r in rs if r.value_ok is not None]
        if values:
            m["value_correct"] = sum(values) / len(values)
        unans = [r for r in rs if r.kind == "unanswerable"]
        if unans:
            m["abstention"] = sum(r.abstained for r in unans) / len(unans)
        answerable = [r for r in rs if r.kind != "unanswerable"]
        if answerable:
            m["false_abstention"] = sum(r.abstained for r in answerable) / len(answerable)
        cites = sum(r.citations for r in rs)
        m["citation_precision"] = sum(r.citations_ok for r in rs) / cites if cites else 1.0
        nums = sum(r.numbers for r in rs)
        m["numeric_faithfulness"] = sum(r.numbers_quoted for r in rs) / nums if nums else 1.0
        out[kind] = m
    return out


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    if not path.exists():
        raise InputError(f"{path}: no thresholds file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from exc
    out: dict[str, dict[str, float]] = {}
    for kind, table in raw.items():
        if not isinstance(table, dict) or not all(isinstance(v, int | float) for v in table.values()):
            raise InputError(f"{path}: [{kind}] must map metric names to numbers")
        out[kind] = {k: float(v) for k, v in table.items()}
    return out


def check(summary: dict[str, dict[str, float]], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """One line per metric below its threshold (or missing); empty when everything passes."""
    failures = []
    for kind, table in thresholds.items():
        for metric, floor in table.items():
            value = summary.get(kind, {}).get(metric)
            if value is None:
                failures.append(f"{kind}.{metric}: missing (threshold {floor:.3f})")
            elif metric == "false_abstention" and value > floor:
                failures.append(f"{kind}.{metric}: {value:.3f} above ceiling {floor:.3f}")
            elif metric != "false_abstention" and value < floor:
                failures.append(f"{kind}.{metric}: {value:.3f} below threshold {floor:.3f}")
    return failures


def compare(old_path: Path, results: Sequence[QuestionResult]) -> list[str]:
    """Questions whose pass/fail changed since an earlier results JSON."""
    try:
        old = json.loads(old_path.read_text(encoding="utf-8"))
        before = {q["id"]: bool(q["passed"]) for q in old["questions"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{old_path}: not a results file written by `rag eval`") from exc
    lines = []
    for r in results:
        if r.id in before and before[r.id] != r.passed:
            lines.append(f"{r.id} {'fail -> pass' if r.passed else 'pass -> fail'}: {r.question}")
    return lines


def results_json(results: Sequence[QuestionResult], summary: dict[str, dict[str, float]]) -> dict[str, Any]:
    return {
        "summary": summary,
        "questions": [
            {
                "id": r.id,
                "kind": r.kind,
                "question": r.question,
                "passed": r.passed,
                "rank": r.rank,
                "answer_kind": r.answer_kind,
                "value_ok": r.value_ok,
                "unit_f1": r.unit_scores[2] if r.unit_scores else None,
                "candidate_recall": r.candidate_recall,
                "answer": r.answer,
            }
            for r in results
        ],
    }


def results_markdown(results: Sequence[QuestionResult], summary: dict[str, dict[str, float]]) -> str:
    lines = [
        "# Eval results",
        "",
        summary_table(summary),
        "",
        "| id | kind | pass | rank | answer kind | question |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        q = r.question.replace("|", "\\|")
        lines.append(f"| {r.id} | {r.kind} | {'✓' if r.passed else '✗'} | {r.rank or '-'} | {r.answer_kind} | {q} |")
    return "\n".join(lines) + "\n"


TABLE_COLUMNS = (
    "n",
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "unit_precision",
    "unit_recall",
    "unit_f1",
    "candidate_recall",
    "value_correct",
    "abstention",
    "citation_precision",
    "numeric_faithfulness",
    "pass_rate",
)


def summary_table(summary: dict[str, dict[str, float]]) -> str:
    order = [k for k in (*QUESTION_KINDS, "all") if k in summary]
    head = "| kind | " + " | ".join(c.replace("_", " ") for c in TABLE_COLUMNS) + " |"
    rows = [head, "|" + "---|" * (len(TABLE_COLUMNS) + 1)]
    for kind in order:
        m = summary[kind]
        cells = [f"{m[c]:.0f}" if c == "n" else (f"{m[c]:.2f}" if c in m else "") for c in TABLE_COLUMNS]
        rows.append(f"| {kind} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
