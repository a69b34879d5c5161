"""Which reports a question is about, read from its own words: the level of unit it lists
("哪些省份", "Which townships"), the kind of report ("信息公开年报", "rule-of-law reports") and the
year reported ("2022年的…报告中", "in 2024").

A reviewer who asks "哪些街道…" does not want a province's government work report listed, however
well it matches; the level words are data (rag/data/unit_nouns.tsv), matched against the level each
report was given at ingestion (rag.ingest.places.level_of). Imports rag.text only.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from rag.text import normalize

KIND_PHRASE = re.compile(
    r"(法治(?:政府)?建设|依法行政|政府信息公开|信息公开|政务公开|政府工作)[^，。？?,;；]{0,10}?(?:年度报告|年报|报告)"
    r"|\b(rule[- ]of[- ]law|law[- ]based government|information[- ]disclosure|disclosure|government work)"
    r"(?:\s+annual)?\s+reports?\b",
    re.I,
)
"""A kind of report named in a question; the group is a part of the kind's name (rag.ingest.kinds)."""
KIND_KEYS = {
    "法治建设": "法治",
    "法治政府建设": "法治",
    "依法行政": "法治",
    "政府信息公开": "信息公开",
    "信息公开": "信息公开",
    "政务公开": "信息公开",
    "政府工作": "政府工作报告",
    "rule of law": "法治",
    "law based government": "法治",
    "information disclosure": "信息公开",
    "disclosure": "信息公开",
    "government work": "政府工作报告",
}
YEAR = re.compile(r"((?:19|20)\d\d)\s*年(?:度)?|\b(?:in|for|during)\s+((?:19|20)\d\d)\b", re.I)
TITLE_YEAR = re.compile(
    r"((?:19|20)\d\d)\s*年(?:度)?的?(?:[^，。？?,;；\s]{0,8}?)(?:政府工作报告|工作报告)"
    r"|\b((?:19|20)\d\d)\s+government\s+work\s+reports?\b",
    re.I,
)
"""`2026年政府工作报告`, `2026年的省政府工作报告`: the year a 政府工作报告's title carries, one after
the year it reviews (the 2026 report, delivered in early 2026, reviews 2025)."""
RANGE = re.compile(
    r"((?:19|20)\d\d)\s*年?\s*(?:[—–\-~～至到]+)\s*((?:19|20)\d\d)\s*年"
    r"|\b(?:from\s+)?((?:19|20)\d\d)\s*(?:-|–|—|to|through)\s*((?:19|20)\d\d)\b",
    re.I,
)
SINCE = re.compile(
    r"((?:19|20)\d\d)\s*年(?:度)?\s*(?:及|和|或)?(?:以后|之后|以来|后|起|至今)"
    r"|\b(?:since|from|after)\s+((?:19|20)\d\d)\b(?:\s+on(?:wards?)?)?|\b((?:19|20)\d\d)\s+(?:and|or)\s+later\b",
    re.I,
)
UNTIL = re.compile(
    r"((?:19|20)\d\d)\s*年(?:度)?\s*(?:及|和|或)?(?:以前|之前|前)|\b(?:before|until|up to)\s+((?:19|20)\d\d)\b",
    re.I,
)
RECENT = re.compile(
    r"(?:近|最近|过去|前)\s*([一二两三四五六七八九十\d]+)\s*年|\b(?:last|past|recent)\s+(\w+)\s+years\b",
    re.I,
)
"""近三年, 最近两年, the last three years: the newest years the index holds (resolved against it)."""
NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
NUMERALS_EN = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}


@dataclass(frozen=True, slots=True)
class QuestionScope:
    """The reports a question restricts itself to; empty fields restrict nothing."""

    levels: tuple[str, ...] = ()
    kind: str | None = None
    year: int | None = None
    """One year reported on, named as such (2024年, in 2024)."""
    title_year: int | None = None
    """One year named as a report title's (2025年政府工作报告): the reports titled so, whatever they review."""
    span: tuple[int | None, int | None] | None = None
    """Years reported on from..to (2022—2024年; 2020年及以后: (2020, None); 2020年以前: (None, 2020))."""
    recent: int | None = None
    """近三年: the newest N years the index holds."""
    phrases: tuple[str, ...] = ()
    """The words that said so: they frame the question, no evidence sentence need repeat them."""

    def admits_level(self, level: str) -> bool:
        """A report whose level is unknown is admitted: one that cannot be classified is never hidden."""
        return not self.levels or not level or level in self.levels


@functools.cache
def _nouns() -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    """(pattern, levels) per line of unit_nouns.tsv, longest noun first so 乡镇 wins over 镇."""
    text = (resources.files("rag") / "data" / "unit_nouns.tsv").read_text(encoding="utf-8")
    rows: list[tuple[str, tuple[str, ...]]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        noun, names = line.split("\t", 1)
        rows.append((noun.strip(), tuple(v.strip() for v in names.split("|") if v.strip())))
    rows.sort(key=lambda r: -len(r[0]))
    out: list[tuple[re.Pattern[str], tuple[str, ...]]] = []
    for noun, levels in rows:
        if re.match(r"[a-z]", noun):
            lead = r"\b(?:which|what|list(?: the| all)?)\s+(?:\w+\s+){0,3}?"
            pattern = re.compile(lead + re.escape(noun) + r"\b", re.I)
        else:
            # 哪些市场主体 and 哪些区域 name no level of unit
            lead = r"(?:哪些|哪几个|哪几|哪个|哪一个|哪家|哪)"
            # 广州各区, 各乡镇 list the same units as 哪些区 (not 各部门: "要求各部门…" sets a task)
            each = "" if noun in ("部门", "局") else "|" + "".join(f"(?<!{w})" for w in TASK_VERBS) + "各(?:个)?"
            name = re.escape(noun)
            # 哪些省份… and …的省份有哪些 ask the same list; 区县一级 names the level too
            pattern = re.compile(
                rf"(?:{lead[3:-1]}{each}){name}(?![场域内外民直辖委])|{name}(?:都)?(?:有|是)哪些"
                rf"|(?:^|(?<=[在对从，,\s])){name}一级"
            )
        out.append((pattern, levels))
    return tuple(out)


TASK_VERBS = ("要求", "督促", "推动", "组织", "指导", "引导", "带动")
"""Verbs before 各X that set a task for each unit rather than ask about them."""
DEPARTMENT_OF = {"省": "省级部门", "市": "市级部门", "县": "县级部门", "区": "县级部门"}
DEPARTMENTS = re.compile(r"^(?:一级|级)?的?(?:部门|局|委办局)")
ALSO = re.compile(r"^(?:或者?|和|、|及|与|以及)")


def _widened(rest: str, levels: tuple[str, ...], phrases: list[str]) -> tuple[str, ...]:
    """ "哪些乡镇或街道" lists both nouns; "哪些区县一级的部门" lists the departments of that level."""
    dep = DEPARTMENTS.match(rest)
    if dep:
        phrases.append(dep.group(0))
        return tuple(dict.fromkeys(DEPARTMENT_OF[lv] for lv in levels if lv in DEPARTMENT_OF)) or levels
    also = ALSO.match(rest)
    if also:
        tail = rest[also.end() :]
        for noun, more in sorted(_plain_nouns().items(), key=lambda kv: -len(kv[0])):
            if tail.startswith(noun):
                phrases.append(also.group(0) + noun)
                return tuple(dict.fromkeys((*levels, *more)))
    return levels


@functools.cache
def _plain_nouns() -> dict[str, tuple[str, ...]]:
    """The Chinese level nouns of unit_nouns.tsv as written, for the second noun of "乡镇或街道"."""
    text = (resources.files("rag") / "data" / "unit_nouns.tsv").read_text(encoding="utf-8")
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line and not re.match(r"[a-z]", line):
            noun, names = line.split("\t", 1)
            out[noun.strip()] = tuple(v.strip() for v in names.split("|") if v.strip())
    return out


def scope_of(question: str) -> QuestionScope:
    q = normalize(question)
    phrases: list[str] = []
    levels: tuple[str, ...] = ()
    for pattern, found in _nouns():
        m = pattern.search(q)
        if m:
            levels = found
            phrases.append(m.group(0))
            levels = _widened(q[m.end() :], levels, phrases)
            break
    kind = None
    km = KIND_PHRASE.search(q)
    if km:
        key = km.group(1) or re.sub(r"[\s-]+", " ", km.group(2).lower())
        kind = KIND_KEYS.get(key)
        phrases.append(km.group(0))
    years = _years(q, phrases)
    return QuestionScope(levels=levels, kind=kind, phrases=tuple(phrases), **years)  # type: ignore[arg-type]


def _years(q: str, phrases: list[str]) -> dict[str, object]:
    """The years a question restricts itself to, in the forms reviewers write them; a phrase that
    said so frames the question (no evidence sentence need repeat it)."""
    for pattern, key in ((RANGE, "span"), (SINCE, "since"), (UNTIL, "until")):
        m = pattern.search(q)
        if m:
            found = [int(g) for g in m.groups() if g and g.isdigit()]
            phrases.append(m.group(0))
            if key == "span":
                return {"span": (min(found), max(found))}
            return {"span": (found[0], None) if key == "since" else (None, found[0])}
    m = RECENT.search(q)
    if m:
        word = (m.group(1) or m.group(2) or "").lower()
        n = int(word) if word.isdigit() else NUMERALS.get(word) or NUMERALS_EN.get(word)
        if n:
            phrases.append(m.group(0))
            return {"recent": n}
    titled = {int(m.group(1) or m.group(2)) for m in TITLE_YEAR.finditer(q)}
    # one year named restricts; two ("2023年和2024年，哪一年…") is a question across years
    years = {int(m.group(1) or m.group(2)) for m in YEAR.finditer(q)}
    if len(titled) == 1 and years <= titled:
        return {"title_year": titled.pop()}
    return {"year": years.pop() if len(years) == 1 else None}


SCOPING_CLAUSE = re.compile(r"^\s*(?:在|从|据)?[^，,。？?]{0,30}?(?:报告|年报)(?:中|里|当中|之中|来看)\s*[，,：:]?\s*")
"""A clause in front that only says which reports to read: 在2025年的政府工作报告中， / 法治政府建设报告里，"""


def without_scope_words(question: str) -> str:
    """The question without the words that only scope it to years and kinds of report (2024年, a
    leading 在2025年的政府工作报告中，, 2020年及以后, 近三年): what is searched and compared in meaning,
    so that "2024年哪个省份…" and "在2025年的政府工作报告中，哪个省份…" read the same sentences. A kind of
    report that is the question's own subject (哪些信息公开年报提到…) stays."""
    text = SCOPING_CLAUSE.sub("", question.strip())
    for pattern in (TITLE_YEAR, RANGE, SINCE, UNTIL, RECENT, YEAR):
        text = pattern.sub(lambda m: " " if re.match(r"[A-Za-z]", m.group(0)[:1] or "") else "", text)
    text = re.sub(r"^\s*的\s*", "", re.sub(r"\s+", " ", text)).strip()
    return text if len(re.sub(r"\W", "", text)) >= 4 else question
