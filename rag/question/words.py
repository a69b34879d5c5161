"""The question's vocabulary: the words and patterns that say what kind of question it is, which
number it asks and which words only frame it (data lists in rag/data). Imports rag.quantities only."""

from __future__ import annotations

import re
from importlib import resources
from typing import Literal

from rag.quantities import MEASURES


def word_list(name: str) -> frozenset[str]:
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
    r"哪些(?:单位|部门|镇|街道|区|县|乡镇|报告|年报|地区|地方|机关|省|市|城市)|[中里内]\s*[，,]?\s*哪些|哪些(?=提|说|讲|写|谈|涉及|披露|公布|明确|表示|没有|未|还|已经|都)|各(?:个)?(?:单位|部门|镇|街道|乡镇|区县|县区|省份)|哪些[^，。？?]{0,10}(?:报告|年报)|哪些.{0,12}单位|哪几[个家]|哪[个家]单位|哪[个家]部门|哪[个家]镇|哪[个家]区|有没有单位|(?:列出|列举|列一下|罗列)[^。？?]{0,24}?(?:单位|部门|报告|省份|地方|乡镇|街道)|单位.{0,4}有哪些|"
    r"\bwhich\s+(?:\w+\s+){0,2}(units?|offices?|towns?|districts?|reports?|departments?|governments?|"
    r"subdistricts?|streets?)\b|\bwhat units\b|\blist (?:the |all )?units\b",
    re.I,
)
_MEASURE_WORDS = "|".join(m for m in MEASURES if m != "%")
ASKED_MEASURE = re.compile(
    r"(?:多少|(?<!哪)几)\s*(" + _MEASURE_WORDS + r")|[以按][“\"]?[万亿]?(" + _MEASURE_WORDS + r")[”\"]?计"
    r"|(?<![总个])(" + _MEASURE_WORDS + r")数(?![据字码量目])"
)
"""The measure a question asks in: 多少条, 几场, 以“亿斤”计, 条数 / 件数 / 次数 (not 总数, 数据)."""
WANTS_NUMBER = re.compile(
    r"多少|(?<!哪)几[个次场件宗名人份条篇项户家期]|数量|比例|比率|成功率|办结率|满意度|百分之|\bhow (many|much)\b|"
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
QUESTION_WORDS = word_list("question_words.txt")
"""Words of the question's frame that no evidence sentence needs to repeat."""
GENERIC_PLACE_WORDS = tuple(sorted(word_list("generic_places.txt")))
"""Place-like words (全区, 社区, 我镇) that name no division."""
NOT_A_PLACE = re.compile(r"示范|专区|专栏|建设|公开|政务|服务|开发区|试验区|先行区|功能区|创建")
"""Words in a 区/县/市-ending phrase that make it a title or a facility, not a division
(全国法治政府建设示范区, 政务公开专区)."""
PLACE_NAME = re.compile(r"([\u4e00-\u9fff]{2,8}?(?:区|县|镇|乡|街道|市))")
"""Place-like names in a question; one that names no indexed unit means the corpus lacks that report."""
QUOTED = re.compile(r"[“「『\"《]([^”」』\"》]+)[”」』\"》]")
"""A quoted name in a question: “八五”普法, “3·15”, 「三审三校」, and a title in book marks
(《民营经济促进法》): the sentence must hold it."""
GLOSS = re.compile(r"\([^()]*\)")
ENGLISH_GLOSS = re.compile(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)(\s*(?:annual\s+)?reports?\b)?", re.I)
"""Chinese in brackets in an English question: the asker's own term, unless it names the kind of report."""
POS_WEIGHT = {"n": 1.0, "v": 0.5, "a": 0.5, "l": 1.0, "i": 1.0, "j": 1.0, "e": 1.0}
"""Weight by the first letter of jieba's part-of-speech flag: nouns (n, nz, ns, vn…) name the topic,
verbs and adjectives only frame it; pronouns (哪项), numerals, quantifiers and particles are left out."""
OR_WORDS = ("或", "或者")
