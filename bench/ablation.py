"""Ablations for eval/README.md: BM25 / dense / RRF / shipped hybrid, with and without section paths,
extractive vs generator (when one is configured). Prints a markdown table.

Usage: python bench/ablation.py [--questions eval/questions.jsonl]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    args = ap.parse_args()

    from rag.answer import ask
    from rag.embedding import load_encoder
    from rag.evaluate import evaluate, evaluate_retrieval, load_questions, summarize
    from rag.generate import rewrite, settings_from_env
    from rag.retrieve import Retriever
    from rag.store import BuildParams, build_index

    questions = load_questions(args.questions)
    encoder = load_encoder()
    work = Path(tempfile.mkdtemp(prefix="rag-ablation-"))
    rows = []
    for prefix in (True, False):
        index = work / f"index-{prefix}"
        build_index([ROOT / "seeds"], index, encoder=encoder, params=BuildParams(prefix_sections=prefix))
        retriever = Retriever.open(index, encoder=encoder)
        label = "with unit+section prefix" if prefix else "without prefix"
        variants = [
            ("BM25 only", "lexical", "weighted"),
            ("dense only (e5)", "dense", "weighted"),
            ("hybrid, plain RRF", "hybrid", "rrf"),
            ("hybrid, shipped", "hybrid", "weighted"),
        ]
        for name, mode, fusion in variants:
            s = evaluate_retrieval(retriever, questions, mode=mode, fusion=fusion).summary()  # type: ignore[arg-type]
            a, en = s["all"], s.get("english", {})
            rows.append(
                f"| {name} | {label} | {a['recall@1']:.2f} | {a['recall@5']:.2f} | {a['mrr@10']:.2f} | "
                f"{a['ndcg@10']:.2f} | {en.get('recall@5', 0):.2f} |"
            )
        if prefix:
            answers = summarize(evaluate(retriever, questions))["all"]
            answer_rows = [
                f"| extractive (default) | {answers['pass_rate']:.2f} | {answers['value_correct']:.2f} | "
                f"{answers['numeric_faithfulness']:.2f} | {answers['citation_precision']:.2f} |"
            ]
            settings = settings_from_env()
            if settings is None:
                answer_rows.append("| generator | not configured (set RAG_LLM_BASE_URL, RAG_LLM_MODEL) | | | |")
            else:
                gen = settings
                g = summarize(evaluate(retriever, questions, answer_fn=lambda r, q, s=gen: rewrite(ask(r, q), s)))
                ga = g["all"]
                answer_rows.append(
                    f"| generator ({settings.model}) | {ga['pass_rate']:.2f} | "
                    f"{ga['value_correct']:.2f} | {ga['numeric_faithfulness']:.2f} | "
                    f"{ga['citation_precision']:.2f} |"
                )
    print("| retriever | indexed text | Recall@1 | Recall@5 | MRR@10 | nDCG@10 | English R@5 |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| answers | pass rate | value correct | numeric faithfulness | citation precision |")
    print("|---|---|---|---|---|")
    print("\n".join(answer_rows))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
