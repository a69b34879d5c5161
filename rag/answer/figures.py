"""The ledger first for comparisons: the rows of every report whose indicator names what the question
compares, so each report's value is read from its own stated figure wherever retrieval ranked it, and
a value retrieval finds elsewhere is held to the same standard.

A row names the question's subject by the end of its name: a Chinese noun phrase ends with what it
names (省完成地区生产总值 is a 地区生产总值; 一般公共预算支出规模 is no 一般公共预算收入 however many
words they share). The question is matched as written, not term by term: matching term by term took
软件业务收入 for 一般公共预算收入 (measured: more wrong values on held-out questions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rag.ledger import LedgerRow
from rag.ledger.figures import figures_in
from rag.quantities import Quantity, same_measure
from rag.question import Analysis, Term

FRAME_WORDS = re.compile(
    r"(?:(?:同比|比上年)?(?:增长|下降|提高|增速|增幅|降低|减少|增加)|数量|总数|总量|平均值|平均为|平均|均值"
    r"|预计|提升至|提高到|提高至|降至|降到|达到|达|为|约|分别|共计|合计|累计|共|超过|突破|超|逾|近|\s)+$"
)
"""Words between a name and its number that say how the figure is stated, not what it counts: a change
(地区生产总值增长 5.7%), a count (主动公开政府信息数量), an average (失业率平均为), a forecast (投入
强度预计达); the measure says the rest, so the name is matched without them."""
SLACK = 2
"""Characters a name may end with past the words the question states: the noun's own ending (进出口
总值 for 进出口总额, 外贸进出口额)."""
OTHER_KINDS = ("占比", "比重", "比例", "率", "指数")
"""Endings that make a name another kind of figure (进出口占外贸比重 is a share, not 进出口's growth):
no slack past them; the question must state them itself."""
NUMBER_ON = re.compile(r"[\d.,]+[^\d]*$")
"""The figure at the end of a row's span (124.5万人, 42场, 5.7%), after the words naming it."""
UNNAMED = re.compile(r"[^\u4e00-\u9fff]|^[\u4e00-\u9fff]$")
"""What is left of a name that names nothing: marks, digits, one character (和 of 6.8%和8.3%)."""
AFTER = re.compile(r"[^，,；;。：:！!？?（(）)、\d]{2,12}")
"""The words after a number up to the clause's end: what it counts when the report names it last."""
WEAKEST_SHARE = 0.5
"""A value counts only if its name holds at least this share of what the best-named rows of the corpus
hold (term weights): 收入 alone is not 一般公共预算收入, 跨境电商进出口 not 外贸进出口总额. Swept on the
development comparisons (value correct seeds / real, 2026-12-05): 0.0 and 0.3 gave 1.00 / 0.88, 0.5 gave
1.00 / 0.92, 0.6 and 0.7 gave 0.91 / 0.88; held-out 2 unit values 0.944, 0.952, 0.942."""


def term_pieces(a: Analysis) -> set[str]:
    """The two-character pieces of the question's terms: a ledger row naming none of them, in its span
    or its indicator, names nothing the question compares."""
    return {w[i : i + 2] for t in a.terms for w in t.alternatives for i in range(len(w) - 1)}


@dataclass(frozen=True, slots=True)
class Subject:
    """What a comparison compares, as the ledger names it: per report the rows that name it best."""

    a: Analysis
    weights: Sequence[float]
    haystack: str
    best: float = 0.0
    rows: dict[str, list[LedgerRow]] = field(default_factory=dict)

    @classmethod
    def of(cls, a: Analysis, weights: Sequence[float], rows_by_doc: dict[str, list[LedgerRow]]) -> Subject:
        plain = a.question.replace("的", "")
        probe = cls(a, weights, " ".join([a.question, plain, *(alt for t in a.terms for alt in t.alternatives)]))
        if not a.terms:
            return probe
        # a name holding none of the question's words, whole or in two-character pieces, weighs nothing:
        # checked first, it spares the naming rules most rows (a comparison reads every report's rows)
        pieces = term_pieces(a)
        scored: dict[str, list[tuple[tuple[float, int], LedgerRow]]] = {}
        for doc_id, rows in rows_by_doc.items():
            for row in rows:
                if (a.measure and not same_measure(row.measure, a.measure)) or (row.measure == "%") != a.wants_percent:
                    continue
                if not any(p in row.span or p in row.indicator for p in pieces):
                    continue
                strength = probe.strength(row.indicator, NUMBER_ON.sub("", row.span))
                if strength[0] > 0:
                    scored.setdefault(doc_id, []).append((strength, row))
        best = max((s[0] for found in scored.values() for s, _ in found), default=0.0)
        tops = {doc_id: max(s for s, _ in found) for doc_id, found in scored.items()}
        kept = {
            doc_id: [row for s, row in found if s == tops[doc_id]]
            for doc_id, found in scored.items()
            if tops[doc_id][0] >= WEAKEST_SHARE * best
        }
        return cls(a, weights, probe.haystack, best, kept)

    def strength(self, *names: str) -> tuple[float, int]:
        """(weight of the question's terms a name holds, length of its end the question states) for
        the best of the names: a folded indicator (普法宣传活动) or the report's own words (开展各类
        法治宣传活动). A name whose end the question does not state names something else (0)."""
        best = (0.0, 0)
        # "审核合同、村规民约共计21份" counts each part; "增加值、销售额占比分别为23.1%、62.5%" gives
        # each part its own value of a shared noun (占比), so there a part alone names nothing
        shared = any("分别" in n or n.startswith("、") for n in names)
        parts = [p for n in names for p in (n, *(n.split("、") if "、" in n and not shared else ()))]
        for name in parts:
            name = FRAME_WORDS.sub("", name.strip())
            end = 0
            slack = 0 if name.endswith(OTHER_KINDS) else SLACK
            for cut in range(min(slack, len(name) - 2) + 1):
                stem = name[: len(name) - cut]
                if stem[-2:] not in self.haystack:  # cheap first: any end it states holds its last two
                    continue
                end = next((len(stem) - i for i in range(len(stem) - 1) if stem[i:] in self.haystack), 0)
                if end:
                    break
            if end or all(t.found_in(name) for t in self.a.terms):
                # or the name holds all the question names, which may stop short of the head noun
                # (按主动公开条数排序: 主动公开政府信息)
                weight = sum(w * _share(name, t) for t, w in zip(self.a.terms, self.weights, strict=True))
                best = max(best, (weight, end))
        return best

    def enough(self, strength: float) -> bool:
        return strength > 0 and strength >= WEAKEST_SHARE * self.best

    def names(self, quote: str, q: Quantity) -> bool:
        """Whether a value retrieval found names the subject as well as the ledger's rows do (no rows
        name it: nothing to hold it to): by the words before the number, or after it where a report
        counts first (共87名网格员). A number the ledger would not read as a figure does not."""
        if not self.best:
            return True
        after = AFTER.match(quote, q.end)
        for f in figures_in(quote):
            if f.start <= q.start and q.end <= f.end and f.value == q.value:
                before = quote[f.start : q.start]
                if self.enough(self.strength(f.indicator, before, after.group(0) if after else "")[0]):
                    return True
                # a figure with no name of its own (粮食总产量再上新台阶，突破1600亿斤大关) is named by
                # the sentence up to it, if that holds everything the question names
                unnamed = not UNNAMED.sub("", FRAME_WORDS.sub("", f.indicator + before).strip())
                return unnamed and all(t.found_in(quote[: f.end]) for t in self.a.terms)
        return False


def _share(name: str, term: Term) -> float:
    """How much of a term the name holds: all of it (any of its words), else the longest piece of the
    question's own words (宣传活动 holds half of 法治宣传; 人员 is a piece of 公职人员, a synonym of
    领导干部, not of 领导干部 itself)."""
    if term.found_in(name):
        return 1.0
    best = 0.0
    for alt in term.words:
        for n in range(len(alt) - 1, 1, -1):
            if any(alt[i : i + n] in name for i in range(len(alt) - n + 1)):
                best = max(best, n / len(alt))
                break
    return best
