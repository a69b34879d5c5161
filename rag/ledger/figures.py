"""Figures of running text: each number with a measure word (rag.quantities), the words before it that
say what it counts (the indicator), and what the sentence says of it (达, 均为, 超过, 以上, 约, 余, 多)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ledger.names import fold
from rag.quantities import Quantity, quantities_in
from rag.text import sentence_spans


@dataclass(frozen=True, slots=True)
class Figure:
    indicator: str
    value: float
    measure: str
    qualifier: str
    start: int
    end: int
    table: bool = False


BOUNDARY = re.compile(r"[，,；;。：:！!？?（(）)\n]")
"""Where the words naming a figure stop, looking back from its number."""
LEAD = re.compile(
    r"^(?:[、和及与并其中共计合计累计全年今年以来同比全部已先后分别均总共各\s]|\d{4}年(?:度)?|[一二三四五六七八九十]+是)+"
)
"""Words that open a clause without naming what is counted (其中, 累计, 2024年, 一是)."""
TRAIL = re.compile(
    r"(?:均达到|均达|均为|达到|达|为|超过|突破|超|逾|约|近|不足|不到|共计|合计|累计|共|增长|下降|提高|减少|增加|同比|分别|有|\s)+$"
)
"""Words between the name of a figure and its number (达, 均为, 共计, 同比增长)."""
BEFORE = (
    ("均达到", "均为"),
    ("均达", "均为"),
    ("均为", "均为"),
    ("达到", "达"),
    ("达", "达"),
    ("超过", "超过"),
    ("突破", "超过"),
    ("超", "超过"),
    ("逾", "超过"),
    ("不足", "不足"),
    ("不到", "不足"),
    ("约", "约"),
    ("近", "约"),
)
NOT_AMOUNTS = ("小时值班", "小时服务", "小时在线", "小时热线", "小时响应")
"""A number of hours that names a duty regime (24小时值班), not an amount of time spent."""


CN_NUMERAL = re.compile(r"^[零一二两三四五六七八九十百]+")
AFTER_MEASURE = {"家": "家次", "件": "件次", "户": "户次"}
"""Counts of visits or cases (排查企业52家次): the 次 after a measure belongs to it."""
BARE = (("起", "起"), ("年", "年"))
"""A number whose measure quantities_in does not read: 执法案件13起, 连续8年 (only after 连续: a bare
2024年 is a year)."""


def figures_in(text: str) -> list[Figure]:
    out: list[Figure] = []
    for a, b in sentence_spans(text):
        sentence = text[a:b]
        previous_end = 0
        named = ""
        for q in map(lambda q: _measured(sentence, q), quantities_in(sentence)):
            if _is_figure(sentence, q):
                subject_start = _subject_start(sentence, q.start, previous_end)
                subject = _clean(sentence[subject_start : q.start])
                if not subject and named and sentence[previous_end : q.start].startswith("、"):
                    # "地区生产总值32193亿元、增长5.7%": the second figure is the first one's change
                    subject = named + sentence[previous_end + 1 : q.start].strip()
                qualifier, end = _qualifier(sentence, q)
                names = _names(subject, qualifier)
                named = names[0] if len(names) == 1 else ""
                out += [Figure(fold(n), q.value, q.measure, qualifier, a + subject_start, a + end) for n in names]
            previous_end = q.end
    return out


def _measured(sentence: str, q: Quantity) -> Quantity:
    """The quantity with the measure a report writes that the shared parser leaves out."""
    after = sentence[q.end : q.end + 1]
    if q.measure in AFTER_MEASURE and after == "次":
        return Quantity(q.value, AFTER_MEASURE[q.measure], q.raw + after, q.start, q.end + 1)
    if not q.measure and not q.scaled:
        for word, measure in BARE:
            if after == word and (word != "年" or sentence[max(0, q.start - 2) : q.start] == "连续"):
                return Quantity(q.value, measure, q.raw + after, q.start, q.end + 1)
    return q


def _is_figure(sentence: str, q: Quantity) -> bool:
    """A count, amount or share: a number with its measure (or written with 万/亿). Not a year, a date,
    a code or an ordinal (第二批, 八届八次), except a rank (第3名); not a number in a title (《…八项规定》),
    a slogan in quotes (“四个意识”, “三项制度”) or 中央八项规定."""
    if not q.measure and not q.scaled:
        return False
    before = sentence[max(0, q.start - 1) : q.start]
    if before == "第" and q.measure not in ("名", "位"):
        return False
    if sentence.count("《", 0, q.start) > sentence.count("》", 0, q.start):
        return False
    if CN_NUMERAL.match(q.raw) and (
        before in ("“", "‘", "「", '"', "届") or sentence[max(0, q.start - 2) : q.start] == "中央"
    ):
        return False
    after = sentence[q.end : q.end + 4]
    return not (q.measure == "小时" and any((q.measure + after).startswith(w) for w in NOT_AMOUNTS))


def _subject_start(sentence: str, start: int, previous_end: int) -> int:
    cut = previous_end
    for m in BOUNDARY.finditer(sentence, previous_end, start):
        cut = m.end()
    return cut


def _clean(subject: str) -> str:
    subject = TRAIL.sub("", LEAD.sub("", subject.strip()))
    return subject.strip("、 ")


def _qualifier(sentence: str, q: Quantity) -> tuple[str, int]:
    """(qualifier, where the figure's span ends): 以上 after the number belongs to it."""
    end = q.end
    if sentence.startswith("以上", end):
        return "以上", end + 2
    if "余" in q.raw:
        return "余", end
    if "多" in q.raw:
        return "多", end
    before = sentence[max(0, q.start - 3) : q.start].rstrip()
    for word, name in BEFORE:
        if before.endswith(word):
            return name, end
    return "", end


def _names(subject: str, qualifier: str) -> list[str]:
    """The indicators a figure states: "受理率、办结率均达100%" states two."""
    if qualifier == "均为" and "、" in subject:
        parts = [p.strip() for p in subject.split("、") if p.strip()]
        if len(parts) > 1:
            return parts
    return [subject]
