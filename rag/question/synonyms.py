"""Words reports use for the same thing (rag/data/synonyms.tsv): a question's term matches any of
its group, so "通过率是百分之百" finds "合格率均达100%" and "没出过事故" finds "未发生…事故".

The groups are data, one line each, written from how annual reports phrase their measures (not from
any question); a word may sit in several groups. Imports nothing of rag but the text helpers.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

NEGATION_ASKED = re.compile(
    r"(?:没有?|未|无|从未|不曾|从没|零)(?:出过|发生过?|出现过?|收到过?|接到过?|产生过?|有过)|没出|零发生"
    r"|\b(?:received|had|saw|reported|recorded|handled)\s+no\b|\bno\s+(?:major\s+|serious\s+)?\w+\s+(?:were|was|occurred)\b"
    r"|\bnever\b|\bzero\b|\bwithout any\b",
    re.I,
)
"""A question asking for an absence: 没出过事故, 未发生…事故, 未收到申请."""
NEGATION_STATED = re.compile(r"未|没有|无|(?<![清归])零|不存在|杜绝|(?<![\d.])0\s*(?:件|起|次|条|人|个|宗|例)")
"""How a report states an absence: 未发生, 没有发生, 无伤亡, “零发生”, 0件 — not 隐患动态清零, a goal."""
EVERY_ASKED = re.compile(
    r"都已|都有|都按|都在|都能|全部|均已|均按|所有.{0,8}都|\b(all|every)\b.{0,30}\b(were|was|have been|on time)\b", re.I
)
"""A question asking about everyone (申请都已按时答复): evidence must say so of all of them."""
EVERY_STATED = re.compile(r"全部|均|都|一律|全面|全覆盖|无一|100%|百分之百|全数|逐一")
"""How a report states it of all: 均已按期答复, 全部办结, 办结率100%."""


@functools.cache
def groups() -> tuple[tuple[str, ...], ...]:
    text = (resources.files("rag") / "data" / "synonyms.tsv").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        words = tuple(w.strip() for w in line.split("|") if w.strip())
        if len(words) >= 2:
            out.append(words)
    return tuple(out)


GENERIC_HEADS = frozenset(
    {
        *("经济", "建设", "工作", "服务", "管理", "体系", "制度", "机制", "平台", "改革"),
        *("发展", "产业", "项目", "活动", "行动", "工程", "能力", "水平", "环境", "模式"),
    }
)
"""Heads that name nothing alone: 低空经济 is not 首发经济 nor 经济 at large. A question that says one
of them may mean the specific word of its group (经济增长 -> 地区生产总值); a specific word never
stands for the generic one (地区生产总值 asked is not 数字经济 said)."""


@functools.cache
def synonyms(word: str) -> tuple[str, ...]:
    """Other words for `word`: every group member of a group holding it, in file order (never a
    generic head for a more specific word)."""
    found: dict[str, None] = {}
    for group in groups():
        if word in group:
            found.update(dict.fromkeys(w for w in group if w != word and w not in GENERIC_HEADS))
    return tuple(found)


SQUASH = re.compile(r"[\s·•.．、\"“”'‘’「」『』《》()（）\-—_]+")


def squash(text: str) -> str:
    """Text without the marks a quoted name is written with in some reports and not in others
    (“3·15” / 3.15 / “三审三校”制度)."""
    return SQUASH.sub("", text)


def phrases_in(text: str, min_len: int = 3) -> list[tuple[int, str]]:
    """(position, word) of group words of at least `min_len` characters in text, longest claiming
    its characters first: "统计起止时间" is one term, not 统计 + 起止 + 时间."""
    words = {w for g in groups() for w in g if len(w) >= min_len}
    occurrences = []
    for w in words:
        start = text.find(w)
        while start >= 0:
            occurrences.append((start, w))
            start = text.find(w, start + 1)
    # leftmost-longest: of two words of one length that overlap (政务服务 and 服务事项 in 政务服务事项)
    # the earlier claims; never the order a set happens to iterate in (it changed with the process)
    taken = [False] * len(text)
    found = []
    for start, w in sorted(occurrences, key=lambda o: (-len(o[1]), o[0], o[1])):
        if not any(taken[start : start + len(w)]):
            taken[start : start + len(w)] = [True] * len(w)
            found.append((start, w))
    return sorted(found)
