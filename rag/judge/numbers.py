"""Numeric backend: does a sentence state the number the question asks for, and meet its constraints?

Imports rag.question and rag.quantities. "100%" in a question must be stated as that rate; a sentence with
the same number for another measure is related, not meeting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.quantities import Quantity, quantities_in, same_measure
from rag.question import Analysis

CONSTRAINT_WINDOW = 12
"""Characters before a number that may hold its qualifier (达, 超过, 以上 …)."""


@dataclass(frozen=True, slots=True)
class NumberCheck:
    quantities: tuple[Quantity, ...]
    """The numbers with a measure a value can be read from: results, or targets when targets are asked."""
    meets: bool
    related: bool
    has_number: bool
    exact_measure: bool


PLANNED = re.compile(r"预期目标|年度目标|目标是|目标为|目标[：:]|力争|争取|(?:计划|拟|将)(?:完成|实现|达到|新增|增长)")
"""Words that make the numbers after them a target, not a result (预期目标是：增长5%左右)."""
ASKS_PLAN = re.compile(
    r"目标|预期|计划|力争|打算|明年|下一步|下一年|下年度|今后|将要|准备|安排|"
    r"\b(target|goal|plan(ned|s)?|aim|next year|intend)s?\b",
    re.I,
)
"""A question about targets reads them as values; any other reads results only."""


CLAUSE_END = re.compile(r"[，,；;。：:]")


DISTRIBUTIVE = re.compile(r"(?<![人平])均(?=[为达已在实现有按超保])|都(?=[为是达已在实现有按])|皆")
"""A number's clause that says 均为/都已 speaks of every thing the sentence named before it (分别 pairs
its values with the names in its own clause, 城乡居民…分别增长4.3%、6.1%, so it does not; nor is the 均
of 人均 or 平均 an adverb)."""


def _topic_window(text: str, start: int, subject: tuple[str, ...]) -> str:
    """Where the subject's topic must stand: when the number's own clause names something before the
    subject ("规上工业增加值增长7.5%"), that clause only, so 7.5% is not a growth of the 生产总值 of the
    clause before; when the clause opens with the subject ("成功率达100%"), two windows back."""
    window = text[max(0, start - 2 * CONSTRAINT_WINDOW) : start]
    ends = list(CLAUSE_END.finditer(window))
    clause = window[ends[-1].end() :] if ends else window
    if DISTRIBUTIVE.search(clause):  # "建议85件;提案41件,办复率均为100%": the rate is of all named before
        return text[:start]
    at = min((clause.find(s) for s in subject if s in clause), default=-1)
    head = clause[:at] if at > 0 else ""
    return clause if len(re.sub(r"[^\u4e00-\u9fff]", "", head)) >= 2 else window


def asks_plan(a: Analysis) -> bool:
    return bool(ASKS_PLAN.search(a.question))


def values(
    a: Analysis, text: str, qtys: Sequence[Quantity], planned: bool = False, targets: bool | None = None
) -> list[Quantity]:
    """The numbers a question reads: results, or `targets` (by default: when it asks for them). A number
    is a target after 预期目标/力争 or anywhere in the plan part of a report (`planned`: rag.outline)."""
    target = [planned or bool(PLANNED.search(text[: q.start])) for q in qtys]
    wanted = asks_plan(a) if targets is None else targets
    return [q for q, t in zip(qtys, target, strict=True) if t == wanted]


def _counted(text: str, q: Quantity) -> str:
    """The noun a number counts when it stands before it, in its own clause: 55件民生实事."""
    return CLAUSE_END.split(text[q.end : q.end + COUNTED_WINDOW], maxsplit=1)[0]


def meets(
    a: Analysis,
    text: str,
    quantities: tuple[Quantity, ...] | None = None,
    planned: bool = False,
    targets: bool | None = None,
) -> bool:
    """Every constraint holds for some stated value: the number, about the subject, a result (or a
    target when targets are asked)."""
    qtys = quantities if quantities is not None else tuple(q for q in quantities_in(text) if q.measure or q.scaled)
    results = values(a, text, qtys, planned, targets)
    return all(
        any(
            c.holds(
                q,
                text[max(0, q.start - CONSTRAINT_WINDOW) : q.start] + " " + _counted(text, q),
                _topic_window(text, q.start, c.subject) + " " + _counted(text, q),
            )
            for q in results
        )
        for c in a.constraints
    )


def check(a: Analysis, quote: str, planned: bool = False, targets: bool | None = None) -> NumberCheck:
    qtys = tuple(q for q in quantities_in(quote) if q.measure or q.scaled)
    ok = meets(a, quote, qtys, planned, targets)
    related = bool(a.constraints) and not ok and any(c.same_number(q) for c in a.constraints for q in qtys)
    # a rate asked is answered by a rate ("采纳率" is not "提供法律意见226条")
    counts = [q for q in qtys if q.is_percent == a.wants_percent or a.either_number]
    exact = (
        any(same_measure(q.measure, a.measure) or _counts_a_term(a, quote, q) for q in counts)
        if a.measure
        else bool(counts)
    )
    return NumberCheck(
        quantities=qtys if asks_plan(a) else tuple(values(a, quote, qtys, planned, targets)),
        meets=ok,
        related=related,
        has_number=bool(counts) if a.wants_number else False,
        exact_measure=exact if a.wants_number else False,
    )


COUNTED_WINDOW = 6
"""Characters after a number in which the noun it counts stands (两项关键报表)."""


def _counts_a_term(a: Analysis, quote: str, q: Quantity) -> bool:
    """The number counts what the question asks about, in another measure word: "几张报表" is
    answered by "两项关键报表", not by "20个工作日"."""
    after = quote[q.end : q.end + COUNTED_WINDOW]
    return any(len(alt) >= 2 and alt in after for t in a.terms for alt in t.alternatives)
