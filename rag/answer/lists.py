""" "Which units" answers: every report in scope read, two tiers (qualify / 可能相关，请核对), the silent named."""

from __future__ import annotations

from rag.answer.evidence import (
    Citations,
    Context,
    Evidence,
    coverage_line,
    figure_checks,
    per_report,
    twin_checks,
    unanswerable,
)
from rag.records import Answer
from rag.retrieve import Scope


def aggregate(ctx: Context, scope: Scope) -> Answer:
    cites = Citations()
    qualified: list[tuple[str, Evidence]] = []
    related: list[tuple[str, Evidence]] = []
    silent: list[str] = []
    reports = per_report(ctx, scope)
    level = {d.doc_id: d.level for d in ctx.retriever.documents}
    sure = {d.doc_id for d in ctx.retriever.documents if ctx.reach.sure(d)}
    best: list[tuple[str, str, Evidence | None]] = []
    # a report none of whose sentences shares enough words may still say it in other words: its
    # closest sentence is shown to check when it is as close (e5) as the closest of any report
    # — only when some report does answer (a question no report answers stays unanswered) and the
    # sentence shares at least one of the question's terms
    answered = any(e.verdict.candidate for _, _, evidence in reports for e in evidence)
    closest = [max(evidence, key=lambda e: e.verdict.similarity) if evidence else None for _, _, evidence in reports]
    top = max((e.verdict.similarity for e in closest if e is not None), default=1.0)
    margin = ctx.judge.t.candidate_similarity_margin
    for (doc_id, name, evidence), near_meaning in zip(reports, closest, strict=True):
        good = [e for e in evidence if e.verdict.qualifies]
        near = [e for e in evidence if e.verdict.candidate]
        if (
            not near
            and answered
            and near_meaning is not None
            and near_meaning.verdict.coverage > 0
            and near_meaning.verdict.similarity >= top - margin
        ):
            near = [near_meaning]
        pick = good or near
        best.append((doc_id, name, pick[0] if pick else None))
    unsettled = [name for doc_id, name, e in best if e is not None and doc_id not in sure]
    if unsettled:
        shown = "、".join(dict.fromkeys(unsettled[:5]))
        ctx.notices.append(f"{shown}的所在地或年份未能确定，只列为可能相关，请核对")
    keep = ctx.judge.standouts([e.verdict for _, _, e in best if e is not None])
    kept = iter(keep)
    for doc_id, name, e in best:
        if e is None:
            silent.append(name)
        # "哪些街道…": a report whose level is unknown is shown to check, never claimed to be one; so
        # is one whose place or year could not be settled under a question's region or year
        elif next(kept) and (level.get(doc_id) or not ctx.a.scope.levels) and doc_id in sure:
            qualified.append((name, e))
        else:
            related.append((name, e))
    listed = [(n, e, True) for n, e in qualified] + [(n, e, False) for n, e in related]
    strict, notice = ctx.judge.second_opinion(ctx.question, [(n, e.quote, s) for n, e, s in listed])
    qualified = [(n, e) for (n, e, _), s in zip(listed, strict, strict=True) if s]
    related = [(n, e) for (n, e, _), s in zip(listed, strict, strict=True) if not s]
    names = [n for n, _ in qualified]
    coverage = coverage_line(ctx, len(reports), names, silent)
    if not qualified and not related:
        return unanswerable(ctx, "没有单位的报告满足这个问题。", "No report meets this question.", coverage)
    en = ctx.a.english
    if qualified:
        lines = ["Units whose reports meet the question:" if en else "符合条件的单位："]
    else:  # nothing to list, but the reviewer still sees what might qualify
        lines = ["No report clearly meets the question." if en else "没有报告明确符合条件。"]
    sep = ": " if en else "："
    lines += _one_line_per_unit(qualified, cites, sep, en)
    # a unit listed as qualifying is not listed again to check for another of its reports
    related = [(n, e) for n, e in related if n not in names]
    if related:
        lines.append("May be relevant, please check:" if en else "可能相关，请核对：")
        lines += _one_line_per_unit(related, cites, sep, en)
    lines.append(coverage)
    return Answer(
        question=ctx.question,
        kind="aggregation",
        text="\n".join(lines),
        citations=tuple(cites.items),
        units=tuple(dict.fromkeys(names)),
        candidates=tuple(dict.fromkeys(n for n, _ in related)),
        silent=tuple(dict.fromkeys(silent)),
        notices=((notice,) if notice else ()) + figure_checks(qualified + related) + twin_checks(qualified + related),
    )


def _one_line_per_unit(entries: list[tuple[str, Evidence]], cites: Citations, sep: str, en: bool) -> list[str]:
    """One line per unit: a unit with reports of several years is listed once, each year's sentence
    cited and marked with its year (某区：…[1]（2023年）；…[2]（2024年）)."""
    by_unit: dict[str, list[Evidence]] = {}
    for name, e in entries:
        by_unit.setdefault(name, []).append(e)
    lines = []
    for name, found in by_unit.items():
        if len(found) == 1:
            lines.append(f"- {name}{sep}{found[0].quote}{cites.cite(found[0])}")
            continue
        found.sort(key=lambda e: e.chunk.year or 0)
        parts = [
            f"{e.quote}{cites.cite(e)}" + (f" ({e.chunk.year})" if en else f"（{e.chunk.year or '?'}年）")
            for e in found
        ]
        lines.append(f"- {name}{sep}" + ("; " if en else "；").join(parts))
    return lines


def _year_mark(year: int | None, en: bool) -> str:
    return f" ({year or '?'})" if en else f"（{year or '?'}年）"
