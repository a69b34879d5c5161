"""ask(): extractive answers whose every claim quotes and cites an evidence sentence.

Imports rag.retrieve and below; never the CLI, UI or evaluator. No language model: the answer is
built from sentences of the reports, chosen by the judge (rag.judge) and the question's numeric
constraints. Lookups read the top passages (here); "which units" lists read every report
(lists.py); comparisons one value per report (compare.py); evidence.py is what they share.
"""

from __future__ import annotations

import dataclasses

from rag.answer.compare import NOTE_PREFIXES, REPORT_YEAR, compare
from rag.answer.evidence import (
    COVERAGE_PREFIXES,
    LOOKUP_DEPTH,
    Citations,
    Context,
    Evidence,
    default_glossary,
    unanswerable,
)
from rag.answer.lists import aggregate
from rag.answer.scope import evidence_by_report, missing_en, missing_zh, relaxed_scope, with_question_scope
from rag.errors import InputError
from rag.judge import Thresholds
from rag.judge.outlook import ASKS_SHORTFALL
from rag.question import Glossary
from rag.question.frame import plain
from rag.records import Answer
from rag.retrieve import Retriever, Scope
from rag.segmentation import Segmenter
from rag.text import heading_level

__all__ = [
    "COVERAGE_PREFIXES",
    "NOTE_PREFIXES",
    "REPORT_YEAR",
    "Evidence",
    "ask",
    "default_glossary",
    "evidence_by_report",
]


def ask(
    retriever: Retriever,
    question: str,
    *,
    unit: str | None = None,
    year: int | None = None,
    kind: str | None = None,
    region: str | None = None,
    section: str | None = None,
    segmenter: Segmenter | None = None,
    glossary: Glossary | None = None,
    limits: Thresholds | None = None,
) -> Answer:
    """Answer from the indexed reports only; when nothing supports an answer, say so.

    `limits` replaces the shipped judge thresholds (rag/data/judge.toml), for calibration and ablation."""
    question = question.strip()
    if not question:
        raise InputError("question: must not be empty")
    # answered in its plain form (帮我查一下/谢谢/哪几个单位/请列出…的单位 are frames), quoted as asked
    asked = plain(question)
    ctx = Context(retriever, asked, segmenter or retriever.segmenter, glossary or default_glossary(), limits)
    caller = Scope(unit, year, kind, region, section)
    retriever.allowed_rows(**caller.kwargs())  # validates the filters before any work
    scope = with_question_scope(ctx, caller)
    if ctx.reach.refusal is not None:  # a place or year named that no indexed report has
        return _said(ctx, unanswerable(ctx, *ctx.reach.refusal), question)
    if ctx.a.kind == "lookup":
        return _said(ctx, _lookup(ctx, caller), question)
    scope, docs = relaxed_scope(ctx, scope, caller)
    if not docs:
        return _said(ctx, unanswerable(ctx, missing_zh(ctx, scope), missing_en(ctx, scope)), question)
    if ctx.a.kind == "aggregation":
        return _said(ctx, aggregate(ctx, scope), question)
    return _said(ctx, compare(ctx, scope), question)


def _heading_only(e: Evidence) -> bool:
    label = e.chunk.section[-1] if e.chunk.section else ""
    quote = e.quote.strip().rstrip("。:：")
    return bool(label) and (quote == label.rstrip("。:：") or (heading_level(quote) is not None and len(quote) <= 12))


def _said(ctx: Context, answer: Answer, question: str) -> Answer:
    """The answer to the question as the user wrote it, with how its scope was read among its
    notices (a level dropped, a title year)."""
    notices = tuple(dict.fromkeys((*ctx.notices, *answer.notices)))
    return dataclasses.replace(answer, question=question, notices=notices)


def _lookup(ctx: Context, scope: Scope) -> Answer:
    named = ctx.retriever.units_in(ctx.question) if scope.unit is None else []
    hits = ctx.retriever.search(ctx.searched, k=LOOKUP_DEPTH, **scope.kwargs())
    if ctx.reach.only:  # a place named that only an unidentified report may be: those reports alone
        hits = [h for h in hits if h.chunk.doc_id in ctx.reach.only] or [
            h for each in ctx.retriever.search_each(ctx.question, sorted(ctx.reach.only), k=3) for h in each
        ]
    if named:
        hits = [h for h in hits if h.chunk.unit in named] or hits
    year = ctx.a.scope.year if scope.year is None else None
    covered = sorted({d.year for d in ctx.retriever.documents if d.unit in named and d.year is not None})
    other_year = bool(named and year is not None and covered and year not in covered)
    if named and year in covered:
        hits = [h for h in hits if h.chunk.year == year] or hits
    candidates = [e for e in ctx.evidence(hits) if ctx.answerable(e)]
    if ctx.a.wants_number:
        candidates = [e for e in candidates if e.verdict.has_number]
    if ctx.a.measure:
        candidates = [e for e in candidates if e.verdict.exact_measure]
    if ctx.a.constraints:
        candidates = [e for e in candidates if e.verdict.meets]
    if other_year:  # 甲区2023年… with only its 2024 report: a sentence must name that year itself
        candidates = [e for e in candidates if str(year) in e.quote]
        if not candidates:
            have = "、".join(f"{y}年" for y in covered)
            return unanswerable(
                ctx,
                f"已索引的报告中没有{'、'.join(named)}{year}年的报告（已索引：{have}）。",
                f"No indexed report of {', '.join(named)} covers {year} (indexed: {', '.join(map(str, covered))}).",
            )
    # a heading alone ("(二)存在不足。") says where the answer is, not what it is: the section's own
    # sentences are quoted instead, when there are any
    candidates = [e for e in candidates if not _heading_only(e)] or candidates
    if not candidates:
        return unanswerable(ctx, "相关段落没有回答这个问题的内容。", "No passage answers this question.")
    best = candidates[0]
    chosen = [best] + [e for e in candidates[1:2] if e.chunk.unit == best.chunk.unit and e.score >= 0.9 * best.score]
    if ASKS_SHORTFALL.search(ctx.question):  # 存在哪些不足: the points of that part, not one of them
        same = [
            e for e in candidates[1:] if e.chunk.doc_id == best.chunk.doc_id and e.chunk.section == best.chunk.section
        ]
        chosen = [best, *same[:2]]
    cites = Citations()
    lines = []
    for e in chosen:
        # a unit indexed under its file name may end in 报告 already: never 报告报告
        who = f"According to {e.chunk.unit}" if ctx.a.english else f"据{e.chunk.unit.removesuffix('报告')}报告"
        lines.append(f"{who}: {e.quote}{cites.cite(e)}" if ctx.a.english else f"{who}：{e.quote}{cites.cite(e)}")
    return Answer(
        question=ctx.question,
        kind="lookup",
        text="\n".join(lines),
        citations=tuple(cites.items),
        units=(best.chunk.unit,),
    )
