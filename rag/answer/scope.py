"""The reports a question reads: the caller's filters, then what the question's own words scope
(the year and kind it names, the level it lists, the places and year forms rag.answer.reach reads),
with what no indexed report has dropped and said. Imports rag.answer.evidence and reach.
"""

from __future__ import annotations

import dataclasses
import re

from rag.answer.evidence import Context, Evidence, default_glossary, in_scope, per_report
from rag.answer.reach import read_reach
from rag.judge.numbers import asks_plan
from rag.retrieve import Retriever, Scope
from rag.store import DocEntry
from rag.units import romanised


def with_question_scope(ctx: Context, scope: Scope) -> Scope:
    """The year and kind the question names apply where the caller set none: "2022年的法治政府
    建设报告中，哪些单位…" asks about those reports only. The places and the other year forms it
    names are read too (ctx.reach); a near miss is left in ctx.reach.refusal for the caller."""
    qs = ctx.a.scope
    year = qs.year
    years = ctx.retriever.years
    # "2025年的GDP增长目标" is set by the reports on 2024 (their plan part); targets are read there
    if year is not None and asks_plan(ctx.a) and year - 1 in years:
        year -= 1
    elif year is not None and scope.year is None and year not in years:
        # "2025年…" over reports titled 2025 that review 2024 only: the reviewer means those reports
        titled = {d.year for d in ctx.retriever.documents if d.title_year == year and d.year is not None}
        if len(titled) == 1:
            reviewed = titled.pop()
            ctx.notices.append(f"已索引的报告中没有回顾{year}年的报告，按标题为{year}年的报告（回顾{reviewed}年）回答")
            year = reviewed
    named = bool(ctx.retriever.units_in(ctx.question))
    ctx.reach = read_reach(
        ctx.question,
        qs,
        ctx.retriever.documents,
        ctx.retriever.all_aliases,
        named,
        lambda doc_id: ctx.retriever.report(doc_id).text,
        ctx.a.unknown_places,
    )
    if scope.year is not None and ctx.reach.years is not None:  # the caller's year decides
        ctx.reach = dataclasses.replace(ctx.reach, years=None)
    ctx.notices.extend(ctx.reach.notices)
    return Scope(
        scope.unit,
        scope.year if scope.year is not None else year,
        scope.kind or qs.kind,
        # the divisions the question names are read by ctx.reach (which also keeps, to check, a report
        # whose place is unsettled); this older reading serves what reach cannot (Beijing in English)
        scope.region or (_region_named(ctx) if scope.unit is None and not ctx.reach.regions else None),
        scope.section,
    )


PLACE_RANK = (("自治区", 0), ("省", 0), ("市", 1), ("州", 1), ("盟", 1), ("县", 2), ("区", 2), ("旗", 2))
LEVEL_RANK = {"省": 0, "市": 1, "县": 2, "区": 2, "镇": 3, "乡": 3, "街道": 3}
"""How divisions nest, for "北京市的哪些区" / "Which Beijing districts": a higher one named is a region."""


def _region_named(ctx: Context) -> str | None:
    """The one division named in a list question above the level it lists (北京市 for 哪些区), from
    the division chains of the indexed reports; in English by its pinyin ("Beijing")."""
    if not ctx.a.scope.levels:
        return None
    asked = min(LEVEL_RANK.get(level.removesuffix("级部门"), 9) for level in ctx.a.scope.levels)
    words = set(re.findall(r"[a-z]+", ctx.question.lower()))
    found = set()
    for place in {p for d in ctx.retriever.documents for p in d.place}:
        rank = next((r for end, r in PLACE_RANK if place.endswith(end)), 9)
        short = re.sub(r"(自治区|省|市|州|盟|县|区|旗)$", "", place)
        if rank >= asked or len(short) < 2:
            continue
        if place in ctx.question or short in ctx.question or romanised(short) & words:
            found.add(place)
    return found.pop() if len(found) == 1 else None


def relaxed_scope(ctx: Context, scope: Scope, caller: Scope) -> tuple[Scope, list[DocEntry]]:
    """The scope with what the question's own words asked but no indexed report has dropped, each
    with a notice: a level (各乡镇 over county reports only), then a kind. A year or a place named
    and not indexed is a near miss, decided before; the caller's own filters are never dropped."""
    docs = in_scope(ctx, scope)
    if not docs and ctx.a.scope.levels:
        ctx.levels_dropped = True
        docs = in_scope(ctx, scope)
        if docs:
            ctx.notices.append(f"已索引的报告中没有{'、'.join(ctx.a.scope.levels)}一级的报告，按全部单位回答")
        else:
            ctx.levels_dropped = False
    if not docs and scope.kind and not caller.kind:
        wider = Scope(scope.unit, scope.year, None, scope.region, scope.section)
        docs = in_scope(ctx, wider)
        if docs:
            ctx.notices.append(f"已索引的报告中没有{scope.kind}类的报告，按全部报告回答")
            return wider, docs
    return scope, docs


def missing_zh(ctx: Context, scope: Scope) -> str:
    what = "".join([f"{scope.year}年的" if scope.year else "", "、".join(ctx.a.scope.levels), scope.kind or ""])
    return f"已索引的报告中没有{what}报告。"


def missing_en(ctx: Context, scope: Scope) -> str:
    parts = [str(scope.year) if scope.year else "", "/".join(ctx.a.scope.levels), scope.kind or ""]
    return "No indexed report matches " + " ".join(p for p in parts if p) + "."


def evidence_by_report(retriever: Retriever, question: str) -> list[tuple[str, str, list[Evidence]]]:
    """(doc_id, unit, judged evidence best first) per report in the question's own scope: what a
    "which units" answer chooses from, for calibrating the judge (eval/calibrate.py)."""
    ctx = Context(retriever, question, retriever.segmenter, default_glossary())
    return per_report(ctx, with_question_scope(ctx, Scope()))
