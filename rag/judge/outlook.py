"""Outlook backend: does the part of the report a sentence stands in fit what the question asks?

A question about what was done is not answered by the plan part ("确保零就业家庭动态清零" under
"二、2025年工作安排") nor by the shortfalls part ("合法性审查还不够规范"); a question about targets or
shortcomings is. The part comes from the section headings (rag.outline). Imports rag.question only.
"""

from __future__ import annotations

import re

from rag.judge.numbers import asks_plan
from rag.outline import Role
from rag.question import Analysis

ASKS_SHORTFALL = re.compile(
    r"不足|短板|薄弱|差距|不到位|存在.{0,6}问题|问题.{0,4}(?:有哪些|是什么)|"
    r"\b(shortcomings?|shortfalls?|weakness(?:es)?|problems?|gaps?)\b",
    re.I,
)


def asks_targets(a: Analysis, year: int | None) -> bool:
    """Targets or plans are asked: in words (目标, 计划, target), or by naming a year after the one the
    report is on (2025年… of a report on 2024 can only be its plan)."""
    return asks_plan(a) or (a.scope.year is not None and year is not None and a.scope.year > year)


MENTION_ASKED = re.compile(r"提到|提及|说到|写到|谈到|讲到|涉及|出现|\b(mention(?:s|ed)?|refer(?:s|red)? to)\b", re.I)
"""A question about what a report mentions (哪些报告提到了“八五”普法): any part of it will do."""


def off_role(a: Analysis, role: Role, year: int | None = None) -> bool:
    """The sentence's part of the report answers another question than this one."""
    if MENTION_ASKED.search(a.question):
        return False
    if role == "plan":
        return not asks_targets(a, year)
    if role == "shortfall":
        return not ASKS_SHORTFALL.search(a.question)
    return False
