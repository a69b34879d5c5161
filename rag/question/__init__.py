"""What a question asks: its kind, the terms evidence must contain, its numeric constraints.

Imports rag.text/segmentation/quantities only. Kinds are told apart by wording in Chinese and
English; terms are jieba words (or glossary terms for English) weighted by how rare they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

from rag.quantities import MEASURES, Quantity, quantities_in, same_measure
from rag.question.scope import QuestionScope, scope_of
from rag.question.synonyms import EVERY_ASKED, NEGATION_ASKED, phrases_in, squash, synonyms
from rag.segmentation import STOPWORDS, Segmenter
from rag.text import has_chinese, normalize


def _word_list(name: str) -> frozenset[str]:
    """A word list of rag/data, one word a line, # comments."""
    text = (resources.files("rag") / "data" / name).read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


QuestionKind = Literal["lookup", "aggregation", "comparison"]
COMPARISON = re.compile(
    r"最多|最少|最高|最低|最大|最小|(?<![或及至])更多|(?<![或及至])更少|(?<![或及至])更高|(?<![或及至])更低|"
    r"谁.{0,15}(多|少|高|低|大|小)|排名|排序|比较|对比|相比|"
    r"怎么变化|如何变化|有何变化|变化情况|增减|"
    r"\b((?<!at )most|(?<!at )least|highest|lowest|(?<!or )more(?! than)|(?<!or )fewer(?! than)|(?<!or )less(?! than)|"
    r"compare[sd]?|comparison|rank(ed|ing)?)\b",
    re.I,
)
AGGREGATION = re.compile(
    r"哪些(?:单位|部门|镇|街道|区|县|乡镇|报告|年报|地区|地方|机关)|各(?:个)?(?:单位|部门|镇|街道|乡镇|区县|县区|省份)|哪些[^，。？?]{0,10}(?:报告|年报)|哪些.{0,12}单位|哪几[个家]|哪[个家]单位|哪[个家]部门|哪[个家]镇|哪[个家]区|有没有单位|列出.{0,6}单位|单位.{0,4}有哪些|"
    r"\bwhich\s+(?:\w+\s+){0,2}(units?|offices?|towns?|districts?|reports?|departments?|governments?|"
    r"subdistricts?|streets?)\b|\bwhat units\b|\blist (?:the |all )?units\b",
    re.I,
)
_MEASURE_WORDS = "|".join(m for m in MEASURES if m != "%")
ASKED_MEASURE = re.compile(
    r"(?:多少|几)\s*(" + _MEASURE_WORDS + r")|[以按][“\"]?[万亿]?(" + _MEASURE_WORDS + r")[”\"]?计"
    r"|(?<![总个])(" + _MEASURE_WORDS + r")数(?![据字码量目])"
)
"""The measure a question asks in: 多少条, 几场, 以“亿斤”计, 条数 / 件数 / 次数 (not 总数, 数据)."""
WANTS_NUMBER = re.compile(
    r"多少|几[个次场件宗名人份条篇项户家期]|数量|比例|比率|成功率|办结率|满意度|百分之|\bhow (many|much)\b|"
    r"\b(rate|percentage|share|number of|amount)\b",
    re.I,
)
WANTS_CODE = re.compile(
    r"(电话|号码|热线|邮编|邮政编码|网址|传真|地址|编号)(是|为)?多少|\b(phone|telephone|hotline|fax|postcode)\b", re.I
)
"""A number that is a code, not a count (咨询电话是多少): any digits answer it."""
CHANGE = re.compile(r"比上年|较上年|同比|比去年|(增长|下降|减少|增加|少|多)了?多少|\bcompared with\b", re.I)
"""A change asked (比上年少了多少): a count or a rate answers it."""
WANTS_PERCENT = re.compile(
    r"率|比例|比重|占比|强度|满意度|百分之|增速|增幅|增长(?:目标|幅度|速度|最快|最慢)|\b(rate|percentage|share|growth)\b",
    re.I,
)
AT_LEAST = re.compile(
    r"以上|(?<!不)超过|过了|不少于|不低于|至少|达到|达|(?<!不)高于|(?<!不)多于|[或及至]更[高多大]|"
    r"\b(at least|over|more than|above|reach(ed)?|or (?:more|higher|above))\b"
)
AT_MOST = re.compile(
    r"以下|以内|不足|(?<!不)少于|(?<!不)低于|不超过|不高于|不多于|至多|[或及至]更[低少小]|"
    r"\b(at most|under|less than|below|fewer than|or (?:less|lower|fewer|below))\b"
)
STRICT = re.compile(
    r"(?<!不)(?:超过|高于|多于|少于|低于)|不足|\b(more than|over|above|less than|below|under|fewer than)\b"
)
"""Comparators that exclude the number itself: 低于5% is not 5%, 超过2000条 is not 2000条."""
TARGET_FRAME = re.compile(r"预期目标|目标值?|预期|计划|定为|定在|设定|设为|确定|力争|争取")
"""Words that say a number is a target (目标超过100万人): the subject is what the target is of, since
the plan part of a report states the number without them (城镇新增就业110万人以上)."""
COMPARED_BASE = re.compile(r"[，,]?\s*比[^，。？?]{1,20}?[更还][^\s，。？?,]{0,3}")
"""The base a list question compares with (比一般省份定的5.5%更严)."""
MEASURE_SUFFIXES = frozenset("率量额数")
REACH_FRAME = re.compile(r"[\u4e00-\u9fff]{1,2}[到至在]")
"""Verbs that move a number to its value (压到, 降至, 控制在): the subject is the noun before them."""
QUESTION_WORDS = _word_list("question_words.txt")
"""Words of the question's frame that no evidence sentence needs to repeat."""
GENERIC_PLACE_WORDS = tuple(sorted(_word_list("generic_places.txt")))
"""Place-like words (全区, 社区, 我镇) that name no division."""
NOT_A_PLACE = re.compile(r"示范|专区|专栏|建设|公开|政务|服务|开发区|试验区|先行区|功能区|创建")
"""Words in a 区/县/市-ending phrase that make it a title or a facility, not a division
(全国法治政府建设示范区, 政务公开专区)."""
PLACE_NAME = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:区|县|镇|乡|街道|市))")
"""Place-like names in a question; one that names no indexed unit means the corpus lacks that report."""


@dataclass(frozen=True, slots=True)
class Term:
    """One thing evidence must mention; any alternative counts (调解|调处).

    `weight` scales its rarity: a noun names the topic (结婚证), a verb only frames it (共有).
    """

    alternatives: tuple[str, ...]
    parts: tuple[str, ...] = ()
    weight: float = 1.0
    own: int = 0
    """How many leading alternatives are the question's own words (the rest are synonyms); 0: all."""
    required: bool = False
    """Quoted in the question (“八五”普法, “3·15”): no sentence without it answers, however much else
    it shares; matched without the marks it is written with (3·15 = 3.15)."""

    @property
    def words(self) -> tuple[str, ...]:
        """The question's own words for the term, without the synonyms added to it."""
        return self.alternatives[: self.own] if self.own else self.alternatives

    def found_in(self, text: str) -> bool:
        if any(a in text for a in self.alternatives):
            return True
        if self.required:
            squashed = squash(text)
            return any(squash(a) in squashed for a in self.alternatives)
        return bool(self.parts) and all(p in text for p in self.parts)


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


class Glossary:
    """English phrases -> Chinese terms (rag/data/glossary.tsv), longest phrase first."""

    def __init__(self) -> None:
        entries: dict[str, tuple[str, ...]] = {}
        text = (resources.files("rag") / "data" / "glossary.tsv").read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                en, zh = line.split("\t", 1)
                entries[en.strip().lower()] = tuple(z.strip() for z in zh.split("|") if z.strip())
        self._entries = dict(sorted(entries.items(), key=lambda kv: -len(kv[0])))

    def terms(self, text: str) -> list[tuple[int, Term]]:
        """(position, term) for each phrase found, longer phrases claiming their words first."""
        low = " " + re.sub(r"[^a-z0-9\-']+", " ", text.lower()) + " "
        taken = [False] * len(low)
        found: list[tuple[int, Term]] = []
        for phrase, zh in self._entries.items():
            for m in re.finditer(r"(?<= )" + re.escape(phrase) + r"(?= )", low):
                if not any(taken[m.start() : m.end()]):
                    taken[m.start() : m.end()] = [True] * (m.end() - m.start())
                    found.append((m.start(), Term(zh)))
        return sorted(found, key=lambda f: f[0])


def analyse(question: str, *, segmenter: Segmenter, glossary: Glossary, unit_aliases: set[str]) -> Analysis:
    q = normalize(question.strip())
    english = not has_chinese(re.sub(r"[“”\"'‘’].*?[“”\"'‘’]", "", q)) or bool(re.match(r"^[a-z]", q))
    kind: QuestionKind = "lookup"
    scope = scope_of(q)
    unaliased = q  # 下各镇 is a town, not 各镇
    for alias in sorted(unit_aliases, key=len, reverse=True):
        unaliased = unaliased.replace(normalize(alias), " ")
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
    terms = [Term((w, *synonyms(w)), own=1, required=True) for w in dict.fromkeys(quoted)]
    if english:  # "legal aid cases (法律援助案件)": the asker's own Chinese pins the term
        for group in _glosses(unquoted):
            terms.append(
                Term(tuple(dict.fromkeys(a2 for a in group for a2 in (a, *synonyms(a)))), own=len(group), required=True)
            )
            quoted += list(group)
        unquoted = ENGLISH_GLOSS.sub(" ", unquoted)
    terms += [t for t in _terms(unquoted, segmenter, glossary) if not any(t.alternatives[0] in w for w in quoted)]
    constraints = tuple(_constraints(stripped, segmenter, glossary, english))
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


QUOTED = re.compile(r"[“「『\"]([^”」』\"]+)[”」』\"]")
"""A quoted name in a question: “八五”普法, “3·15”, 「三审三校」."""
GLOSS = re.compile(r"\([^()]*\)")
ENGLISH_GLOSS = re.compile(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)(\s*(?:annual\s+)?reports?\b)?", re.I)
"""Chinese in brackets in an English question: the asker's own term, unless it names the kind of report."""
POS_WEIGHT = {"n": 1.0, "v": 0.5, "a": 0.5, "l": 1.0, "i": 1.0, "j": 1.0, "e": 1.0}
"""Weight by the first letter of jieba's part-of-speech flag: nouns (n, nz, ns, vn…) name the topic,
verbs and adjectives only frame it; pronouns (哪项), numerals, quantifiers and particles are left out."""
OR_WORDS = ("或", "或者")


def _skip(word: str) -> bool:
    return (
        len(word) < 2
        or word in QUESTION_WORDS
        or word in STOPWORDS
        or not has_chinese(word)
        or any(q.measure for q in quantities_in(word))  # 5G基站 is a name, 100件 a number
        or bool(AT_LEAST.fullmatch(word))
        or bool(AT_MOST.fullmatch(word))
    )


def _terms(text: str, segmenter: Segmenter, glossary: Glossary) -> list[Term]:
    out: list[Term] = [t for _, t in glossary.terms(text)]
    for _, word in phrases_in(text):
        out.append(Term((word,)))
        text = text.replace(word, " ")
    join_next = False
    for word, flag in segmenter.tagged(text):
        if word in OR_WORDS:
            join_next = bool(out)
            continue
        weight = 1.0 if flag == "vn" else POS_WEIGHT.get(flag[:1], 0.0)
        if weight == 0 or _skip(word):
            join_next = False
            continue
        # fragments stand in for a long compound (调解成功率 = 调解…成功率), never for a short one (粤平安 ≠ 平安)
        parts = tuple(p for p in segmenter.tokens(word) if p != word and len(p) >= 2) if len(word) >= 4 else ()
        if join_next:  # "聘请或发挥": either word will do
            prev = out.pop()
            out.append(Term((*prev.alternatives, word), (), max(prev.weight, weight)))
            join_next = False
            continue
        # 就业人数 -> 就业: a frame word inside the compound is what the question adds, not the report
        # (城镇新增就业106万人); the rest of it is the term
        framed = [p for p in segmenter.tokens(word) if p != word]
        core = "".join(p for p in framed if p not in QUESTION_WORDS)
        if len(core) >= 2 and len(framed) >= 2 and core != "".join(framed):
            out.append(Term((word, core), (), weight))
            continue
        out.append(Term((word,), parts, weight))
    unique: dict[tuple[str, ...], Term] = {}
    for t in out:
        expanded = tuple(dict.fromkeys(a2 for a in t.alternatives for a2 in (a, *synonyms(a))))
        unique.setdefault(t.alternatives, Term(expanded, t.parts, t.weight, own=len(t.alternatives)))
    return list(unique.values())


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


def _constraints(text: str, segmenter: Segmenter, glossary: Glossary, english: bool) -> list[Constraint]:
    out: list[Constraint] = []
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
