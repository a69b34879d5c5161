"""Numeric backend: does a sentence state the number the question asks for, and meet its constraints?

Imports rag.question and rag.quantities. "100%" in a question must be stated as that rate; a sentence with
the same number for another measure is related, not meeting.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.quantities import Quantity, quantities_in
from rag.question import Analysis

CONSTRAINT_WINDOW = 12
"""Characters before a number that may hold its qualifier (达, 超过, 以上 …)."""


@dataclass(frozen=True, slots=True)
class NumberCheck:
    quantities: tuple[Quantity, ...]
    meets: bool
    related: bool
    has_number: bool
    exact_measure: bool


def meets(a: Analysis, text: str, quantities: tuple[Quantity, ...] | None = None) -> bool:
    qtys = quantities if quantities is not None else tuple(q for q in quantities_in(text) if q.measure)
    return all(
        any(c.holds(q, text[max(0, q.start - CONSTRAINT_WINDOW) : q.start]) for q in qtys) for c in a.constraints
    )


def check(a: Analysis, quote: str) -> NumberCheck:
    qtys = tuple(q for q in quantities_in(quote) if q.measure)
    ok = meets(a, quote, qtys)
    related = bool(a.constraints) and not ok and any(c.same_number(q) for c in a.constraints for q in qtys)
    counts = [q for q in qtys if q.is_percent == a.wants_percent or (a.wants_percent and not a.measure)]
    exact = any(q.measure == a.measure for q in counts) if a.measure else bool(counts)
    return NumberCheck(
        quantities=qtys,
        meets=ok,
        related=related,
        has_number=bool(counts) if a.wants_number else False,
        exact_measure=exact if a.wants_number else False,
    )
