"""Stated figures checked against each other: a rate a report gives beside the counts it is made of
("调解矛盾纠纷81宗，调解成功81宗，成功率达100%" → 81/81 = 100% ✓). A rate that contradicts its own
counts is worth a reviewer's look before it is quoted as a result."""

from __future__ import annotations

from dataclasses import dataclass

from rag.quantities import quantities_in, same_measure

TOLERANCE = 1.0
"""Percentage points a stated rate may differ from its counts' quotient (reports round to 0.1 or 1)."""


@dataclass(frozen=True, slots=True)
class RateCheck:
    stated: float
    part: float
    whole: float
    words: str
    """The rate as the report names it (成功率)."""

    @property
    def computed(self) -> float:
        return 100.0 * self.part / self.whole

    @property
    def consistent(self) -> bool:
        return abs(self.computed - self.stated) <= TOLERANCE

    def describe(self) -> str:
        mark = "✓" if self.consistent else "✗ 与所述数字不符"
        part, whole = f"{self.part:g}", f"{self.whole:g}"
        return f"{self.words}{self.stated:g}%：{part}/{whole} = {self.computed:.1f}% {mark}"


def rate_checks(sentence: str) -> list[RateCheck]:
    """Each rate of a sentence that follows two counts of one measure, the second naming what the rate
    names (成功…宗 before 成功率, 办结…件 before 办结率): the rate is part / whole."""
    quantities = [q for q in quantities_in(sentence) if q.measure]
    out: list[RateCheck] = []
    for i, rate in enumerate(quantities):
        if rate.measure != "%":
            continue
        counts = [q for q in quantities[:i] if q.measure != "%"]
        if len(counts) < 2:
            continue
        whole, part = counts[-2], counts[-1]
        if not same_measure(whole.measure, part.measure) or not 0 < part.value <= whole.value:
            continue
        named = sentence[part.end : rate.start]
        at = named.rfind("率")
        stem = named[max(0, at - 2) : at] if at >= 0 else ""
        if stem and stem in sentence[whole.end : part.start]:
            out.append(RateCheck(rate.value, part.value, whole.value, stem + "率"))
    return out
