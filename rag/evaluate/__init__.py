"""The eval runner: questions.jsonl in, retrieval (and answer) metrics by question kind out.

Top of the library stack: may import anything in rag below the CLI; nothing imports it but the CLI.
questions.py reads the question file, scoring.py runs and scores each question, report.py sums them
up, checks the floors and writes the results.
"""

from __future__ import annotations

from rag.evaluate.questions import QUESTION_KINDS, Evidence, Question, holds_evidence, load_questions
from rag.evaluate.report import (
    check,
    compare,
    load_thresholds,
    results_json,
    results_markdown,
    summarize,
    summary_table,
)
from rag.evaluate.scoring import DEPTH, QuestionResult, RetrievalScores, evaluate, evaluate_retrieval

__all__ = [
    "DEPTH",
    "QUESTION_KINDS",
    "Evidence",
    "Question",
    "QuestionResult",
    "RetrievalScores",
    "check",
    "compare",
    "evaluate",
    "evaluate_retrieval",
    "holds_evidence",
    "load_questions",
    "load_thresholds",
    "results_json",
    "results_markdown",
    "summarize",
    "summary_table",
]
