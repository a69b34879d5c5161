"""What part of a report a section is: the year's results, its shortfalls, or the plan for the next year.

Stdlib only. Annual reports follow one outline (国务院《法治政府建设与责任落实督察工作规定》 asks for
举措成效, 第一责任人履职, 存在的不足, 下一年度安排; a 政府工作报告 reviews the year, then sets the next
year's targets and tasks). A sentence in the plan part states an intention ("确保零就业家庭动态清零",
"城镇新增就业110万人以上"), not something done, however closely it matches a question about results;
one in the shortfalls part states what was not done. The judge reads sentences through this role.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["result", "shortfall", "plan"]

YEAR = re.compile(r"(20\d\d)\s*年")
PLAN_HEADING = re.compile(
    r"下一步|下一年|下阶段|今后|明年|打算|展望|工作安排|主要安排|工作思路|思路和|目标任务|主要目标|预期目标|"
    r"重点任务|重点工作|主要任务|总体要求|工作要点|工作计划|努力方向|工作设想"
)
"""Headings of the part that sets the next year's work (三、下一步工作打算; 二、2025年工作总体要求)."""
SHORTFALL_HEADING = re.compile(
    r"存在的?(?:主要)?(?:问题|不足|困难)|不足(?:和|与|之处|及)|问题(?:和|与|及)不足|短板|差距"
)
"""Headings of the part that states what fell short (二、存在的不足和原因)."""
DONE_HEADING = re.compile(r"回顾|成效|成绩|落实情况|完成情况|开展情况|执行情况|主要做法|主要举措|基本情况|总体情况")
"""Words that make a heading report on what was done, even when it names a plan
(三、《河东区2024年法治政府建设工作计划》重点任务落实情况)."""


def heading_role(heading: str, year: int | None) -> Role | None:
    """The role one heading gives its section, or None when it says nothing about it."""
    if SHORTFALL_HEADING.search(heading):
        return "shortfall"
    if DONE_HEADING.search(heading):
        return "result"
    named = [int(y) for y in YEAR.findall(heading)]
    # "二、2025年主要任务" in a report on 2024: a year after the one reported is the plan
    if year is not None and named and max(named) > year:
        return "plan"
    if PLAN_HEADING.search(heading):
        return "plan"
    return None


NEUTRAL_HEADING = re.compile(r"其他|附件|附表|名词解释|说明$")
"""Headings that end the plan part (七、其他需要报告的情况) without saying what follows is a plan."""


def part_roles(headings: Sequence[str], year: int | None) -> dict[str, Role]:
    """The role of each top-level section of one report, in reading order. The plan part runs on:
    "三、全面提升政府治理现代化水平" after "二、2025年重点工作" sets next year's work too."""
    out: dict[str, Role] = {}
    after_plan = False
    for heading in headings:
        role = heading_role(heading, year)
        if role is None and NEUTRAL_HEADING.search(heading):
            role, after_plan = "result", False
        if role is None:
            role = "plan" if after_plan else "result"
        after_plan = after_plan or role == "plan"
        out.setdefault(heading, role)
    return out


def section_role(section: Sequence[str], year: int | None, part: Role | None = None) -> Role:
    """The role of a section path: its outermost heading that says one (the part of the report a
    subsection belongs to decides: "（二）完成重点任务" under the year's review is a result), else the
    role of its top-level part in the whole report (`part`, from part_roles), else a result (the body
    of most reports, and every section of a report without headings)."""
    for heading in section:
        role = heading_role(heading, year)
        if role is not None:
            return role
    return part or "result"


CANONICAL = ("举措成效", "第一责任人履职", "存在不足", "下一年度安排", "其他")
"""The parts the rules ask every 法治政府建设年度报告 for, and the rest; `--section` filters by them."""
REQUIRED = CANONICAL[:4]
FIRST_RESPONSIBLE = re.compile(r"第一责任人|主要负责人(?:履行|履职|推进)|党政主要负责人")
"""Headings of the part on the leaders' own duty (三、党政主要负责人履行推进法治建设第一责任人职责情况)."""
BY_ROLE: dict[Role, str] = {"result": "举措成效", "shortfall": "存在不足", "plan": "下一年度安排"}
MENTIONED = {
    "举措成效": re.compile(r"举措|成效|措施|做法"),
    "第一责任人履职": re.compile(r"第一责任人"),
    "存在不足": re.compile(r"存在的?(?:主要)?(?:问题|不足|困难)|不足之处|短板|差距"),
    "下一年度安排": re.compile(r"下一步|下一年|明年|20\d\d年(?:工作)?(?:打算|安排|计划|思路)"),
}
"""Words by which a report speaks of a part it gives no heading of its own ("only mentioned")."""


def canonical_parts(headings: Sequence[str], year: int | None) -> dict[str, str]:
    """Each top-level heading of a report mapped to its canonical part (CANONICAL)."""
    roles = part_roles(headings, year)
    out: dict[str, str] = {}
    for heading in headings:
        if FIRST_RESPONSIBLE.search(heading):
            out[heading] = "第一责任人履职"
        elif not heading.strip() or NEUTRAL_HEADING.search(heading) or heading == "导语":
            out[heading] = "其他"
        else:
            out[heading] = BY_ROLE[roles[heading]]
    return out


def canonical_section(section: Sequence[str], year: int | None, top: str) -> str:
    """The canonical part of a section path: its innermost heading that says one ("（二）存在不足" under
    the year's review is a shortfall), else `top`, its top-level part (canonical_parts)."""
    for heading in reversed(section):
        if FIRST_RESPONSIBLE.search(heading):
            return "第一责任人履职"
        role = heading_role(heading, year)
        if role is not None:
            return BY_ROLE[role]
    return top


def completeness(present: set[str], text: str) -> dict[str, str]:
    """For each required part: "present" (a heading of its own, at any level: `present` holds the
    parts the report's sections were mapped to), "mentioned" (the text speaks of it without one) or
    "missing"."""
    return {
        part: "present" if part in present else "mentioned" if MENTIONED[part].search(text) else "missing"
        for part in REQUIRED
    }


DISCLOSURE_PARTS = (
    ("总体情况", re.compile(r"总体情况|基本情况|概述")),
    ("主动公开政府信息情况", re.compile(r"主动公开")),
    ("收到和处理政府信息公开申请情况", re.compile(r"(?:收到|受理|办理|处理).{0,6}申请|依申请公开")),
    ("政府信息公开行政复议、行政诉讼情况", re.compile(r"行政复议|行政诉讼")),
    ("存在的主要问题及改进情况", re.compile(r"存在的?(?:主要)?问题|改进情况|不足")),
    ("其他需要报告的事项", re.compile(r"其他需要报告|其他事项|其他需报告")),
)
"""The six parts of the national template for a 政府信息公开工作年度报告 (国办公开办函〔2021〕30号), each
with the words its heading is written in."""


def kind_completeness(kind: str, headings: Sequence[str], present: set[str], text: str) -> dict[str, str]:
    """The parts a report of its kind must have: a 法治政府建设年度报告 its four (completeness), a
    政府信息公开工作年度报告 the template's six — "present" when a heading names it, "mentioned" when
    only the text does — and any other kind none (the matrix shows what it has)."""
    if "信息公开" in kind:
        out = {}
        for part, words in DISCLOSURE_PARTS:
            if any(words.search(h) for h in headings):
                out[part] = "present"
            else:
                out[part] = "mentioned" if words.search(text) else "missing"
        return out
    if "法治" in kind:
        return completeness(present, text)
    return {}


def published_late(published: str | None, year: int | None) -> bool | None:
    """Published after 1 April of the year after the one reported (the rules' deadline); None if either
    date is unknown."""
    if not published or year is None or not re.match(r"\d{4}-\d\d-\d\d", published):
        return None
    return published[:10] > f"{year + 1}-04-01"


@dataclass(frozen=True, slots=True)
class OutlineRow:
    """One report's row of the completeness matrix: each required part present, only mentioned or
    missing, and whether it was published by the deadline (None: a date is unknown)."""

    doc_id: str
    unit: str
    year: int | None
    kind: str
    published: str | None
    late: bool | None
    parts: tuple[tuple[str, str], ...]
    headings: tuple[tuple[str, str], ...]
    """(top-level heading, the canonical part it was mapped to), in reading order."""

    @property
    def complete(self) -> bool:
        """Every part its kind requires has a heading; a kind that requires none is never "complete"."""
        return bool(self.parts) and all(status == "present" for _, status in self.parts)

    def to_dict(self) -> dict[str, Any]:
        """What `rag outline --json` and /api/outline give per report."""
        return {
            "doc_id": self.doc_id,
            "unit": self.unit,
            "year": self.year,
            "kind": self.kind,
            "published": self.published,
            "late": self.late,
            "complete": self.complete,
            "parts": dict(self.parts),
            "headings": [{"heading": h, "part": p} for h, p in self.headings],
        }
