"""Numbers with their measure words, as reports write them: 10369余条, 4.37万户, 百分之百, ３５７６条.

Stdlib only. Answers compare and cite values through this one parser, so "every number in an
answer appears in a cited quote" is checked on the same normalised values it was built from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MEASURES = (
    "个百分点",
    "人次",
    "场次",
    "万元",
    "亿元",
    "元",
    "条",
    "篇",
    "件",
    "宗",
    "场",
    "次",
    "名",
    "户",
    "份",
    "个",
    "项",
    "人",
    "家",
    "期",
    "台",
    "笔",
    "节",
    "处",
    "支",
    "张",
    "所",
    "村",
    "小时",
    "公顷",
    "天",
    "岁",
    "辆",
    "列",
    "座",
    "套",
    "册",
    "公斤",
    "斤",
    "吨",
    "亩",
    "平方公里",
    "公里",
    "%",
)
"""Measure words after a count, longest first so 人次 wins over 人 and 场次 over 场."""
COMPARABLE_MEASURES = (
    frozenset({"条", "篇"}),
    frozenset({"件", "宗", "份", "起"}),
    frozenset({"人", "名"}),
    frozenset({"次", "场", "场次", "期"}),
)
"""Measures that count the same things in different reports and questions: a document is 篇 in one
report and 条 in another, a tender file 份 in a question and 件 in the report."""


def same_measure(a: str, b: str) -> bool:
    """万元 and 亿元 are 元 once the multiplier is applied, as quantities_in does."""
    a, b = a.removeprefix("万").removeprefix("亿"), b.removeprefix("万").removeprefix("亿")
    return a == b or any(a in g and b in g for g in COMPARABLE_MEASURES)


MULTIPLIERS = {"万": 10_000.0, "亿": 100_000_000.0}
QUANTITY = re.compile(
    r"(?P<num>(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])|\d+(?:\.\d+)?)\s*(?P<approx>余|多)?\s*(?P<mult>[万亿](?![元]))?\s*(?P<approx2>余|多)?\s*"
    r"(?P<measure>" + "|".join(map(re.escape, MEASURES)) + r")?"
)
PERCENT_WORDS = re.compile(r"百分之(百|[零一二两三四五六七八九十]{1,3})")
CN_COUNT = re.compile(
    r"(?<![第初一二两三四五六七八九十百千])([一二两三四五六七八九十]{1,3})("
    + "|".join(map(re.escape, (m for m in MEASURES if m != "%")))
    + r")"
)
"""A count in Chinese numerals with its measure (两项, 十二次); 第三次 and 初二 are ordinals."""
CN_AMOUNT = re.compile(
    r"(?<![\d.零一二两三四五六七八九十百千])([一二两三四五六七八九十]{1,3})\s*(万亿|亿|万)\s*("
    + "|".join(map(re.escape, (m for m in MEASURES if m not in ("%", "万元", "亿元"))))
    + r")?"
)
"""An amount in Chinese numerals with 万/亿 (一万亿元, 两千亿 is left out: 千 is not a numeral here)."""
BARE_AMOUNT = re.compile(
    r"(?<=[破超过达逾])(万亿|千亿|百亿|亿|万)("
    + "|".join(map(re.escape, (m for m in MEASURES if m not in ("%", "万元", "亿元"))))
    + r")?"
)
"""A round amount with no digit after 破/超/达 (旅游收入破万亿, 突破千亿元): one of its unit."""
BARE_SCALE = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "亿": 1e8, "万": 1e4}
CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CITATION = re.compile(r"\[\d+\]")


@dataclass(frozen=True, slots=True)
class Quantity:
    """One number in a text: its normalised value, measure word ('' if none) and where it stands."""

    value: float
    measure: str
    raw: str
    start: int
    end: int

    @property
    def scaled(self) -> bool:
        """Written with 万/亿: an amount even where the report leaves out its measure (破万亿)."""
        return "万" in self.raw or "亿" in self.raw

    @property
    def is_percent(self) -> bool:
        return self.measure == "%"

    def display(self) -> str:
        """The value as an answer shows it: 10369条, 43700户, 100%."""
        number = f"{self.value:.2f}".rstrip("0").rstrip(".")
        return f"{number}{self.measure}"


def quantities_in(text: str) -> list[Quantity]:
    """Every number in text with its measure; years (2025年) and dates are numbers without a measure."""
    text = unicodedata.normalize("NFKC", text)  # NFKC keeps length for digits and ％ -> %
    out: list[Quantity] = []
    for m in QUANTITY.finditer(text):
        value = float(m.group("num").replace(",", ""))  # 30,000 and 2,940.05 as English and tables write them
        if m.group("mult"):
            value *= MULTIPLIERS[m.group("mult")]
        measure = m.group("measure") or ""
        if measure in ("万元", "亿元"):
            value *= MULTIPLIERS[measure[0]]
            measure = "元"
        # 297.1亿 is 29710000000, not 29710000000.000004: values compare equal however they are written
        out.append(Quantity(round(value, 4), measure, m.group(0).strip(), m.start(), m.end()))
    for m in PERCENT_WORDS.finditer(text):
        out.append(Quantity(_chinese_number(m.group(1)), "%", m.group(0), m.start(), m.end()))
    for m in CN_AMOUNT.finditer(text):  # 一万亿元, 三亿人
        value = _chinese_number(m.group(1)) * (1e12 if m.group(2) == "万亿" else MULTIPLIERS[m.group(2)])
        if not any(q.start < m.end() and m.start() < q.end for q in out):
            out.append(Quantity(round(value, 4), m.group(3) or "", m.group(0), m.start(), m.end()))
    for m in BARE_AMOUNT.finditer(text):
        if not any(q.start < m.end() and m.start() < q.end for q in out):
            out.append(Quantity(BARE_SCALE[m.group(1)], m.group(2) or "", m.group(0), m.start(), m.end()))
    for m in CN_COUNT.finditer(text):  # 两项关键报表, 三次 — not 一 alone (一批, 一次性 are idioms)
        value = _chinese_number(m.group(1))
        if value >= 2 and not any(q.start < m.end() and m.start() < q.end for q in out):
            out.append(Quantity(value, m.group(2), m.group(0), m.start(), m.end()))
    return sorted(out, key=lambda q: q.start)


def _chinese_number(word: str) -> float:
    """百 -> 100, 九十五 -> 95, 二十 -> 20, 八 -> 8 (the small numbers of 百分之…)."""
    if word == "百":
        return 100.0
    if "十" in word:
        tens, _, ones = word.partition("十")
        return float(CN_DIGITS.get(tens, 1) * 10 + CN_DIGITS.get(ones, 0))
    return float(CN_DIGITS.get(word, 0))


def numbers_in(text: str) -> set[float]:
    """Normalised values of every number in a text, citation markers [n] left out."""
    return {q.value for q in quantities_in(CITATION.sub(" ", text))}
