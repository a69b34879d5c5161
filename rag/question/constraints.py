"""The numbers a question sets (调解成功率达到100%, at least 30,000 enterprises): each as a constraint
with its comparison, measure and the subject it is about, which evidence must state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rag.quantities import MEASURES, Quantity, quantities_in, same_measure
from rag.question.synonyms import synonyms
from rag.question.terms import Glossary
from rag.question.words import (
    AT_LEAST,
    AT_MOST,
    GLOSS,
    MEASURE_SUFFIXES,
    QUESTION_WORDS,
    REACH_FRAME,
    STRICT,
    TARGET_FRAME,
)
from rag.segmentation import STOPWORDS, Segmenter
from rag.text import has_chinese


@dataclass(frozen=True, slots=True)
class Constraint:
    """A number the evidence must state: op value (percent or with a measure), about `subject`."""

    op: Literal[">=", "<=", ">", "<", "=="]
    value: float
    measure: str
    subject: tuple[str, ...]
    topic: tuple[str, ...] = ()
    """What the subject is of, where the question names it in one compound (经济 of 经济增速超过6%):
    "工业增加值增长7%" is a growth of something else."""
    also: tuple[str, ...] = ()
    """Other measures the asker allows in a gloss (超过30件（项）)."""

    def holds(self, q: Quantity, context: str, wide: str = "") -> bool:
        unstated = not q.measure and q.scaled  # 旅游收入破万亿: the report leaves 元 out
        if self.measure and not unstated and not any(same_measure(q.measure, m) for m in (self.measure, *self.also)):
            return False
        if self.subject and not any(s in context for s in self.subject):
            return False
        if self.topic and not any(t in (wide or context) for t in self.topic):
            return False
        if self.op == ">=":
            return q.value >= self.value
        if self.op == "<=":
            return q.value <= self.value
        if self.op == ">":
            return q.value > self.value
        if self.op == "<":
            return q.value < self.value
        return q.value == self.value

    def same_number(self, q: Quantity) -> bool:
        return q.measure == self.measure and q.value == self.value


ENGLISH_AMOUNT = re.compile(
    r"(\d+(?:\.\d+)?)\s*(trillion|billion|million|thousand)?\s*"
    r"((?:new\s+(?:urban\s+)?)?(yuan|rmb|people|persons|jobs|cases|times|sessions|percent))\b",
    re.I,
)
ENGLISH_SCALE = {"trillion": 1e12, "billion": 1e9, "million": 1e6, "thousand": 1e3}
ENGLISH_MEASURE = {
    "yuan": "元",
    "rmb": "元",
    "people": "人",
    "persons": "人",
    "jobs": "人",
    "cases": "件",
    "times": "次",
    "sessions": "次",
    "percent": "%",
}


def _english_amounts(text: str) -> str:
    """'1 trillion yuan' -> 1000000000000元, "2 million people" -> 2000000人: the values reports
    state in 万亿元 / 万人 compare with an English question's."""

    def plain(m: re.Match[str]) -> str:
        value = float(m.group(1)) * ENGLISH_SCALE.get((m.group(2) or "").lower(), 1.0)
        number = f"{value:.4f}".rstrip("0").rstrip(".") + ENGLISH_MEASURE[m.group(4).lower()]
        return number + " " + m.group(3)  # the words stay: "new urban jobs" names the subject

    return ENGLISH_AMOUNT.sub(plain, text)


SCOPE_COUNT = re.compile(
    r"(?:\s+|\s*(?:省市区|省区市|省市|省份|省|自治区|直辖市|城市|地市|市州|市|区县|县区|区|县|乡镇|街道|镇|乡|单位|部门|地区|地方|报告))"
    r"(?:的|中|里|内|当中|之中|，|,|、)"
)
"""What follows the size of the question's own scope (在8个省市的报告中, 这三个区里): the count of
units asked about, which no sentence need state. (White space: a place word the analysis blanked,
四个直辖市 read as the four.)"""
ASKING = re.compile(r"哪|which|what", re.I)


def constraints_in(text: str, segmenter: Segmenter, glossary: Glossary, english: bool) -> list[Constraint]:
    out: list[Constraint] = []
    asked_at = m.start() if (m := ASKING.search(text)) else len(text)
    if english:
        text = _english_amounts(text)
    for qty in quantities_in(text):
        # "at least 30,000 high-tech enterprises": English counts name no measure word; a year is no count
        year = re.fullmatch(r"(?:19|20)\d\d", qty.raw) is not None
        bare = english and not qty.measure and not year and re.match(r"\s*[a-z]", text[qty.end :], re.I)
        if not qty.measure and not bare:
            continue
        # 合法性审查（审核）超过100件: the gloss offers another wording, the subject is the word before it
        reach = 40 if english else 16  # English words are longer: "GDP growth target at 6%"
        before = text[max(0, qty.start - reach - 4) : qty.start]
        before = (before if english else GLOSS.sub("", before))[-reach:]
        after = text[qty.end : qty.end + 30]
        op: Literal[">=", "<=", ">", "<", "=="] = "=="
        near = before[-14:] if english else before[-8:]
        then = after[:12] if english else after[:6]
        strict = bool(STRICT.search(then) or STRICT.search(near))
        if AT_MOST.search(then) or AT_MOST.search(near):
            op = "<" if strict else "<="
        elif AT_LEAST.search(then) or AT_LEAST.search(near) or qty.is_percent:
            op = ">" if strict else ">="
        if op == "==" and qty.measure in ("个", "家", "份") and qty.start < asked_at and SCOPE_COUNT.match(after):
            continue  # 在江西、陕西、福建三个省市的单位中，哪些…: the scope's size, not a figure asked
        subject, topic = _subject(before, after, segmenter, glossary)
        if not english:  # 旅游收入（旅游花费）: the gloss is another wording of the subject
            for gloss in re.findall(r"\(([\u4e00-\u9fff]{2,8})\)", text[max(0, qty.start - 20) : qty.start]):
                parts = [p for p in segmenter.tokens(gloss) if len(p) >= 2 and p != gloss][-1:]
                subject = tuple(dict.fromkeys((*subject, gloss, *parts)))
        gloss = re.match(r"\s*\(([^()]{1,6})\)", after)
        also = tuple(m for m in re.split(r"[/、或]", gloss.group(1)) if m in MEASURES) if gloss else ()
        out.append(Constraint(op, qty.value, qty.measure, subject, topic, also))
    return out


def _subject(
    before: str, after: str, segmenter: Segmenter, glossary: Glossary
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(subject, topic) of a number: the nearest content word before it (成功率达到100%) and the noun
    it is compounded with (经济 of 经济增速); in English the glossary terms next to it."""
    if has_chinese(before):
        words = [
            w
            for w in segmenter.words(before)
            if has_chinese(w)
            and w not in QUESTION_WORDS
            and not AT_LEAST.fullmatch(w)
            and not AT_MOST.fullmatch(w)
            and not TARGET_FRAME.fullmatch(w)
            and not REACH_FRAME.fullmatch(w)
            and w not in STOPWORDS
        ]
        # 备案率 is jieba's 备案 + 率: a one-character suffix of measure joins its word; other single
        # characters (不 of 不低于, 的) are no subject
        merged: list[str] = []
        for w in words:
            if w in MEASURE_SUFFIXES and merged and (merged[-1] + w) in before:
                merged[-1] += w
            else:
                merged.append(w)
        words = [w for w in merged if len(w) >= 2]
        if words:
            last = words[-1]
            # 就业人数 -> 就业: the frame word 人数 is not what the report repeats (城镇新增就业106万人)
            tokens = [p for p in segmenter.tokens(last) if len(p) >= 2 and p != last and p not in QUESTION_WORDS]
            subject = (last, *synonyms(last), *tokens[-1:])
            return subject, _topic(before, last, segmenter)
    near = glossary.terms(before[-30:] + " " + after[:30])
    glossed = re.findall(r"[\u4e00-\u9fff]{2,}", before)  # the asker's own Chinese: (政府常务会) studied law 12 times
    return tuple(dict.fromkeys([*glossed, *(a for _, t in near for a in t.alternatives)])), ()


def _topic(before: str, last: str, segmenter: Segmenter) -> tuple[str, ...]:
    """What the subject is of, when the question compounds them (经济 of 经济增速, 一般公共预算收入 of
    一般公共预算收入增速): a one-word head with its synonyms and last part (学法考试 -> 考试); a longer
    compound as itself or its tails of two words or more (预算收入), never its last word alone, so
    可支配收入增长 is not a growth of 一般公共预算收入."""
    raw = segmenter.words(before)
    at = max((i for i, w in enumerate(raw) if w == last), default=-1)
    head: list[str] = []
    i = at - 1
    while i >= 0 and len(head) < 4:
        w = raw[i]
        if len(w) < 2 or not has_chinese(w) or w in STOPWORDS or w in QUESTION_WORDS or TARGET_FRAME.fullmatch(w):
            break
        head.insert(0, w)
        i -= 1
    if not head:
        return ()
    if len(head) == 1:
        one = head[0]
        parts = [p for p in segmenter.tokens(one) if len(p) >= 2 and p != one][-1:]
        return (one, *synonyms(one), *parts)
    tails = ["".join(head[j:]) for j in range(len(head) - 1)]
    last = head[-1]
    if len(last) >= 3:  # 干部学法考试: 学法考试 (and 考试) name it too; 收入 alone does not
        tails += [last, *[p for p in segmenter.tokens(last) if len(p) >= 2 and p != last][-1:]]
    return tuple(dict.fromkeys(a for t in tails for a in (t, *synonyms(t))))
