"""Judge ablation for eval/README.md: each backend taken out of the shipped judge, on both sets.

    python eval/ablation.py --real-index REAL_INDEX --seed-index SEED_INDEX

Prints a markdown table: unit F1 (strict tier), candidate recall, value correct, abstention and
pass rate per variant and question set, with the answering time per question (median over the set,
measured in this run, 2 cores). Variants change only rag/data/judge.toml values or the synonym table,
so every row is the same code path as the shipped one.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import Any

from rag.answer import ask
from rag.evaluate import evaluate, load_questions, summarize
from rag.judge import Thresholds, thresholds
from rag.records import Answer
from rag.retrieve import Retriever

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY: Any = import_module("rag.question.synonyms")
"""The module, not the function rag.question re-exports under the same name."""


@contextmanager
def no_synonyms() -> Iterator[None]:
    """The question side without the synonym table (every cache emptied before and after)."""
    original = VOCABULARY.groups
    VOCABULARY.synonyms.cache_clear()
    VOCABULARY.groups = lambda: ()
    try:
        yield
    finally:
        VOCABULARY.groups = original
        VOCABULARY.synonyms.cache_clear()


def variants(t: Thresholds) -> list[tuple[str, Thresholds, bool]]:
    """(label, thresholds, synonyms on) per row; the first is what ships."""
    no_e5 = dataclasses.replace(t, similarity_margin=1.0, weights={**t.weights, "similarity": 0.0})
    return [
        ("shipped: lexical + synonyms + e5 margin + numbers + USE (English)", t, True),
        ("without synonyms", t, False),
        ("without the report's parts (plan / shortfalls, rag.outline)", dataclasses.replace(t, outline=False), True),
        ("without the e5 similarity margin", dataclasses.replace(t, similarity_margin=1.0), True),
        ("without e5 at all (margin and ranking)", no_e5, True),
        ("without USE (English judged by e5)", dataclasses.replace(t, universal_english=False), True),
        ("lexical + numbers only (no synonyms, e5 or USE)", dataclasses.replace(no_e5, universal_english=False), False),
        (
            "seed-fitted judge (qualify 0.75, no margin, no USE, no synonyms)",
            dataclasses.replace(t, qualify_coverage=0.75, similarity_margin=1.0, universal_english=False),
            False,
        ),
    ]


def run(
    retriever: Retriever, questions: Path, limits: Thresholds, with_synonyms: bool
) -> tuple[dict[str, dict[str, float]], float, float]:
    times: list[float] = []

    def answer(r: Retriever, text: str) -> Answer:
        start = time.perf_counter()
        a = ask(r, text, limits=limits)
        times.append(time.perf_counter() - start)
        return a

    fn: Callable[[Retriever, str], Answer] = answer
    if with_synonyms:
        results = evaluate(retriever, load_questions(questions), answer_fn=fn)
    else:
        with no_synonyms():
            results = evaluate(retriever, load_questions(questions), answer_fn=fn)
    return summarize(results), statistics.median(times) * 1000, statistics.mean(times) * 1000


def cell(m: dict[str, float], key: str) -> str:
    return f"{m[key]:.2f}" if key in m else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real-index", required=True)
    ap.add_argument("--seed-index", required=True)
    args = ap.parse_args()
    real = Retriever.open(args.real_index)
    sets = [
        ("real", real, ROOT / "eval" / "real_questions.jsonl"),
        ("held-out 1", real, ROOT / "eval" / "real_questions_heldout.jsonl"),
        ("held-out 2", real, ROOT / "eval" / "real_questions_heldout2.jsonl"),
        ("seeds", Retriever.open(args.seed_index), ROOT / "eval" / "questions.jsonl"),
    ]
    print(
        "| judge | set | unit F1 | candidate recall | value correct | English value | abstention | pass | ms/question |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, limits, with_synonyms in variants(thresholds()):
        for name, retriever, questions in sets:
            summary, median, mean = run(retriever, questions, limits, with_synonyms)
            m, en = summary["all"], summary.get("english", {})
            print(
                f"| {label} | {name} | {cell(m, 'unit_f1')} | {cell(m, 'candidate_recall')} | "
                f"{cell(m, 'value_correct')} | {cell(en, 'value_correct')} | {cell(m, 'abstention')} | "
                f"{cell(m, 'pass_rate')} | {median:.0f} ({mean:.0f}) |"
            )


if __name__ == "__main__":
    main()
