"""What a run prints and keeps: metrics by question kind, the floors of `--check`, the questions that
changed since an earlier run, and results.json / results.md."""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.evaluate.questions import QUESTION_KINDS
from rag.evaluate.scoring import QuestionResult, retrieval_metrics


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
            m.update({k: v for k, v in retrieval_metrics(ranked).items() if k != "n"})
        units = [r.unit_scores for r in rs if r.unit_scores is not None]
        if units:
            m["unit_precision"] = sum(u[0] for u in units) / len(units)
            m["unit_recall"] = sum(u[1] for u in units) / len(units)
            m["unit_f1"] = sum(u[2] for u in units) / len(units)
            seen = [r.candidate_recall for r in rs if r.candidate_recall is not None and not r.none_qualify]
            if seen:
                m["candidate_recall"] = sum(seen) / len(seen)
            empty = [r for r in rs if r.none_qualify]
            if empty:  # no unit qualifies: the strict tier must be empty (candidates may still show)
                m["empty_strict"] = sum(r.unit_scores is not None and r.unit_scores[2] >= 0.999 for r in empty) / len(
                    empty
                )
        values = [r.value_ok for r in rs if r.value_ok is not None]
        if values:
            m["value_correct"] = sum(values) / len(values)
        per_unit = [r.unit_values for r in rs if r.unit_values is not None]
        if per_unit and sum(g for _, g in per_unit):
            m["unit_values"] = sum(r for r, _ in per_unit) / sum(g for _, g in per_unit)
        unans = [r for r in rs if r.kind == "unanswerable"]
        if unans:
            m["abstention"] = sum(r.abstained for r in unans) / len(unans)
        answerable = [r for r in rs if r.kind != "unanswerable" and not r.none_qualify]
        if answerable:
            m["false_abstention"] = sum(r.abstained for r in answerable) / len(answerable)
        asked = [r for r in rs if r.kind != "unanswerable"]
        if asked:  # refused outright ("未在已索引的报告中找到答案"), whatever the gold says
            m["refused"] = sum(r.refused for r in asked) / len(asked)
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


CEILINGS = frozenset({"false_abstention", "refused"})
"""Metrics where lower is better: their thresholds are ceilings."""


def check(summary: dict[str, dict[str, float]], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """One line per metric past its threshold (or missing); empty when everything passes."""
    failures = []
    for kind, table in thresholds.items():
        for metric, floor in table.items():
            value = summary.get(kind, {}).get(metric)
            if value is None:
                failures.append(f"{kind}.{metric}: missing (threshold {floor:.3f})")
            elif metric in CEILINGS and value > floor:
                failures.append(f"{kind}.{metric}: {value:.3f} above ceiling {floor:.3f}")
            elif metric not in CEILINGS and value < floor:
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
                "unit_values": list(r.unit_values) if r.unit_values else None,
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
    "empty_strict",
    "refused",
    "value_correct",
    "unit_values",
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
