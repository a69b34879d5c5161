"""What a question asks: its kind, the terms evidence must contain, its numeric constraints.

Imports rag.text/segmentation/quantities only. Kinds are told apart by wording in Chinese and
English; terms are jieba words (or glossary terms for English) weighted by how rare they are.
words.py holds the vocabulary (question kinds, frame words), terms.py the terms and the English
glossary, constraints.py the numbers a question sets, scope.py the level, kind and year it names,
synonyms.py the report wordings a term also matches; this module puts them together (analyse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from rag.quantities import MEASURES
from rag.question.constraints import Constraint, constraints_in
from rag.question.scope import QuestionScope, scope_of
from rag.question.synonyms import EVERY_ASKED, NEGATION_ASKED, synonyms
from rag.question.terms import Glossary, Term, terms_in
from rag.question.words import (
    AGGREGATION,
    ASKED_MEASURE,
    CHANGE,
    COMPARED_BASE,
    COMPARISON,
    ENGLISH_GLOSS,
    GENERIC_PLACE_WORDS,
    GLOSS,
    NOT_A_PLACE,
    PLACE_NAME,
    QUOTED,
    TARGET_FRAME,
    WANTS_CODE,
    WANTS_NUMBER,
    WANTS_PERCENT,
    QuestionKind,
)
from rag.segmentation import Segmenter
from rag.text import has_chinese, normalize

RATE_COPULA = re.compile(r"(率|比例|比重)(为|是|达到|达|在)")
"""A rate's name followed by its copula (公示率为, 办结率达): split, so the name stays one word."""

__all__ = ["Analysis", "Constraint", "Glossary", "QuestionKind", "Term", "analyse"]


@dataclass(frozen=True, slots=True)
class Analysis:
    question: str
    kind: QuestionKind
    english: bool
    terms: tuple[Term, ...]
    constraints: tuple[Constraint, ...]
    wants_number: bool
    wants_percent: bool
    measure: str
    direction: Literal["max", "min"]
    unknown_places: tuple[str, ...]
    scope: QuestionScope = field(default_factory=QuestionScope)
    either_number: bool = False
    """A change is asked (比上年少了多少): a count or a rate will do."""
    negative: bool = False
    """The question asks for an absence (没出过, 未发生, 未收到): evidence must state one."""
    every: bool = False
    """The question asks it of all (都已按时答复): evidence must say 全部 / 均 / 100%."""
    """The level, kind and year of report the question's own words restrict it to."""


QUOTED_EITHER = re.compile(
    r"[“「『\"]([^”」』\"]+)[”」』\"]\s*(?:或者|或是|或|还是|or)\s*[“「『\"]([^”」』\"]+)[”」』\"]"
)
"""Two quoted names joined by 或 (“无证明城市”或“无证明省份”): either is what is asked."""


def analyse(question: str, *, segmenter: Segmenter, glossary: Glossary, unit_aliases: set[str]) -> Analysis:
    # 公示率为百分之百: jieba reads 率为 as one word, and the rate's name is lost; the copula is its own word
    q = RATE_COPULA.sub(r"\1 \2", normalize(question.strip()))
    english = not has_chinese(re.sub(r"[“”\"'‘’].*?[“”\"'‘’]", "", q)) or bool(re.match(r"^[a-z]", q))
    kind: QuestionKind = "lookup"
    unaliased = q  # a town named …各镇 is that town, not 各镇 (each town)
    for alias in sorted(unit_aliases, key=len, reverse=True):
        unaliased = unaliased.replace(normalize(alias), " ")
    scope = scope_of(unaliased)
    if COMPARISON.search(q):
        kind = "comparison"
    elif AGGREGATION.search(unaliased) or scope.levels:
        kind = "aggregation"
    stripped = unaliased
    if kind == "aggregation":  # 比一般省份定的5.5%更严: the base a list is compared with is no evidence term
        stripped = COMPARED_BASE.sub(" ", stripped)
    for phrase in scope.phrases:
        stripped = stripped.replace(phrase, " ")
    quoted = [m.group(1).strip() for m in QUOTED.finditer(stripped) if 2 <= len(m.group(1).strip()) <= 20]
    negative = bool(NEGATION_ASKED.search(stripped))
    stripped = NEGATION_ASKED.sub(" ", stripped)
    unquoted = QUOTED.sub(" ", stripped)
    if not english:  # "“三项制度”(行政执法公示、…)": a gloss in brackets explains, evidence need not repeat it
        unquoted = GLOSS.sub(" ", unquoted)
    # a name the asker quotes (“一网通办”) must be in the sentence: a synonym stands in for it only
    # where it holds the name (三审三校制度), never another word (网上办 for 一网通办)
    terms = [Term((w, *(s for s in synonyms(w) if w in s)), own=1, required=True) for w in dict.fromkeys(quoted)]
    # “无证明城市”或“无证明省份”: names joined by 或 are one term either of which will do
    for m in QUOTED_EITHER.finditer(stripped):
        a, b = m.group(1).strip(), m.group(2).strip()
        pair = [t for t in terms if t.alternatives[0] in (a, b)]
        if len(pair) == 2:
            terms = [t for t in terms if t not in pair]
            terms.append(Term((*pair[0].alternatives, *pair[1].alternatives), own=2, required=True))
    if english:  # "legal aid cases (法律援助案件)": the asker's own Chinese pins the term
        for group in _glosses(unquoted):
            terms.append(
                Term(tuple(dict.fromkeys(a2 for a in group for a2 in (a, *synonyms(a)))), own=len(group), required=True)
            )
            quoted += list(group)
        unquoted = ENGLISH_GLOSS.sub(" ", unquoted)
    terms += [t for t in terms_in(unquoted, segmenter, glossary) if not any(t.alternatives[0] in w for w in quoted)]
    constraints = tuple(constraints_in(stripped, segmenter, glossary, english))
    wants_number = not WANTS_CODE.search(q) and (
        bool(WANTS_NUMBER.search(q)) or kind == "comparison" or bool(ASKED_MEASURE.search(q))
    )
    if constraints or wants_number:  # 目标超过100万人: the plan part states the number, not the word 目标
        terms = [t for t in terms if t.required or not TARGET_FRAME.fullmatch(t.alternatives[0])]
    direction: Literal["max", "min"] = "min" if re.search(r"最少|最低|更少|更低|最小|least|lowest|fewer", q) else "max"
    return Analysis(
        question=question,
        kind=kind,
        english=english,
        terms=tuple(terms),
        constraints=constraints,
        wants_number=wants_number,
        wants_percent=bool(WANTS_PERCENT.search(q)),
        either_number=bool(CHANGE.search(q)),
        measure=_asked_measure(q),
        direction=direction,
        unknown_places=tuple(_unknown_places(question, unit_aliases)),
        scope=scope,
        negative=negative,
        every=bool(EVERY_ASKED.search(q)),
    )


def _glosses(text: str) -> list[tuple[str, ...]]:
    """Each bracketed Chinese gloss of an English question as one term's alternatives ("零伤亡 or
    无伤亡"); single characters (镇 or 乡) and glosses of a kind of report (…报告, or followed by
    "reports") are not evidence terms."""
    out = []
    for m in ENGLISH_GLOSS.finditer(text):
        if m.group(2) or re.search(r"报告|年报", m.group(1)):
            continue
        words = [
            w
            for w in re.split(r"\s*(?:/|\bor\b|、|,|，)\s*", m.group(1))
            if len(re.sub(r"[^\u4e00-\u9fff]", "", w)) >= 2
        ]
        if words:
            out.append(tuple(words))
    return out


def _asked_measure(q: str) -> str:
    """多少条 / 以“亿斤”计, else a measure word of two characters or more the question names
    (培训执法人员的人次更多): a comparison ranks values in it."""
    m = ASKED_MEASURE.search(q)
    if m:
        return m.group(1) or m.group(2) or m.group(3)
    return next((w for w in MEASURES if len(w) >= 2 and w in q), "")


def _unknown_places(question: str, unit_aliases: set[str]) -> list[str]:
    out = []
    question = question.replace("地区生产总值", "，")  # 研发经费占地区生产总值比重 names no 地区
    for m in PLACE_NAME.finditer(question):
        name = m.group(1)
        name = re.sub(r"^(请问|哪些|哪个|那么|那|和|与|及|在|对|的|年|为)+", "", name)
        if len(name) < 3 or any(g in name for g in GENERIC_PLACE_WORDS) or NOT_A_PLACE.search(name):
            continue
        if any(name in a or a in name for a in unit_aliases):
            continue
        out.append(name)
    return out
