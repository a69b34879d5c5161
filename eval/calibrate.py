"""Calibrate the judge's list thresholds on the real-report questions, with a held-out half.

    python eval/calibrate.py --index INDEX [--questions eval/real_questions.jsonl] [--seeds SEED_INDEX]

Reads every "which units" question with gold units, judges every in-scope report once, then replays
the strict-tier rule over a grid of qualify_coverage x similarity_margin and the candidate bar, and
prints unit P/R/F1 on the dev half and the held-out half (split by md5 of the question id), so a
change to rag/data/judge.toml is chosen on data and recorded with its figures.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.answer import evidence_by_report
from rag.evaluate import load_questions
from rag.retrieve import Retriever


@dataclass(frozen=True)
class Row:
    """One report for one question: is it gold, and what the judge saw in its best sentences."""

    unit: str
    gold: bool
    sentences: tuple[tuple[float, float, bool, bool], ...]  # coverage, similarity, answers+meets, candidate


def judged(index: str, questions: Path) -> dict[str, list[Row]]:
    retriever = Retriever.open(index)
    out: dict[str, list[Row]] = {}
    for q in load_questions(questions):
        if q.kind != "aggregation" or not q.units:
            continue
        out[q.id] = [
            Row(
                unit,
                unit in q.units,
                tuple(
                    (
                        e.verdict.coverage,
                        e.verdict.similarity,
                        e.verdict.answers and e.verdict.eligible,
                        e.verdict.candidate,
                    )
                    for e in evidence
                ),
            )
            for _, unit, evidence in evidence_by_report(retriever, q.question)
        ]
    return out


Rule = Callable[[list[Row]], set[str]]


def strict(cover: float, margin: float | None) -> Rule:
    def pick(rows: list[Row]) -> set[str]:
        ok = [(r.unit, max((s[1] for s in r.sentences if s[2] and s[0] >= cover), default=None)) for r in rows]
        best = max((sim for _, sim in ok if sim is not None), default=0.0)
        return {u for u, sim in ok if sim is not None and (margin is None or sim >= best - margin)}

    return pick


def scores(data: dict[str, list[Row]], rule: Rule, ids: list[str]) -> tuple[float, float, float]:
    p_, r_, f_ = [], [], []
    for qid in ids:
        gold = {r.unit for r in data[qid] if r.gold}
        got = rule(data[qid])
        hit = len(gold & got)
        p = hit / len(got) if got else float(not gold)
        r = hit / len(gold) if gold else 1.0
        p_.append(p)
        r_.append(r)
        f_.append(2 * p * r / (p + r) if p + r else 0.0)
    return statistics.mean(p_), statistics.mean(r_), statistics.mean(f_)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--questions", type=Path, default=Path("eval/real_questions.jsonl"))
    ap.add_argument("--seeds", help="index of the seed reports, to check the seeds get no worse")
    ap.add_argument("--seed-questions", type=Path, default=Path("eval/questions.jsonl"))
    args = ap.parse_args()
    data = judged(args.index, args.questions)
    seeds = judged(args.seeds, args.seed_questions) if args.seeds else {}
    dev = [q for q in data if int(hashlib.md5(q.encode()).hexdigest(), 16) % 2 == 0]
    held = [q for q in data if q not in dev]
    print(f"{len(data)} questions: dev {len(dev)}, held-out {len(held)}")
    print("| qualify_coverage | similarity_margin | dev P/R/F1 | held-out P/R/F1 | seeds F1 |")
    print("|---|---|---|---|---|")
    for cover in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
        for margin in (None, 0.02, 0.03, 0.05):
            rule = strict(cover, margin)
            d, h = scores(data, rule, dev), scores(data, rule, held)
            s = f"{scores(seeds, rule, list(seeds))[2]:.2f}" if seeds else ""
            cells = f"{d[0]:.2f}/{d[1]:.2f}/{d[2]:.2f} | {h[0]:.2f}/{h[1]:.2f}/{h[2]:.2f}"
            print(f"| {cover} | {margin or '-'} | {cells} | {s} |")
    print("\ncandidate bar (strict + candidates recall, reports shown per question):")
    for bar in (0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        for name, ids in (("dev", dev), ("held-out", held)):
            recalls, shown = [], []
            for qid in ids:
                gold = {r.unit for r in data[qid] if r.gold}
                seen = {r.unit for r in data[qid] if any(s[2] or s[0] >= bar for s in r.sentences)}
                recalls.append(len(gold & seen) / len(gold))
                shown.append(len(seen))
            print(f"  {bar}: {name} recall {statistics.mean(recalls):.3f}, shown {statistics.mean(shown):.1f}")


if __name__ == "__main__":
    main()
