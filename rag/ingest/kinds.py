"""Kinds of report: which of the annual reports a government unit publishes a document is.

Stdlib only. The kind comes from the title when it has one (政府工作报告, …政府信息公开工作年度报告) and
otherwise from what the body keeps talking about (a 信息公开 report cites 《条例》 and counts 主动公开).
"""

from __future__ import annotations

import re

KINDS = (
    "法治政府建设年度报告",
    "政府工作报告",
    "政府信息公开工作年度报告",
    "部门决算",
    "部门预算",
    "统计公报",
    "工作总结",
    "其他",
)
"""The kinds `--kind` filters on; 其他 is everything else."""

TITLE_KINDS = (
    ("政府信息公开工作年度报告", re.compile(r"信息公开.{0,6}(年度报告|年报|工作报告|情况报告|报告)")),
    ("法治政府建设年度报告", re.compile(r"法治(政府)?建设.{0,12}报告|依法行政.{0,8}报告|法治政府.{0,8}报告")),
    ("政府工作报告", re.compile(r"政府工作报告")),
    ("部门决算", re.compile(r"决算")),
    ("部门预算", re.compile(r"预算")),
    ("统计公报", re.compile(r"统计公报|国民经济和社会发展.{0,4}公报")),
    ("工作总结", re.compile(r"工作总结|年度总结|总结$")),
)
"""Title phrases per kind, most specific first (a 信息公开 report title may also mention 政府工作)."""

BODY_SIGNS = (
    ("政府信息公开工作年度报告", re.compile(r"政府信息公开条例|主动公开|依申请公开|政府信息公开")),
    ("法治政府建设年度报告", re.compile(r"法治政府建设|依法行政|行政复议|法治建设第一责任人|普法")),
    ("政府工作报告", re.compile(r"各位代表|向大会报告工作|报告政府工作|人民代表大会")),
    ("部门决算", re.compile(r"决算|财政拨款收入支出")),
    ("统计公报", re.compile(r"比上年(增长|下降)|统计公报")),
)
BODY_MIN = 3
"""Mentions a body needs before its kind is inferred without a title (measured: every real report has ≥ 5)."""


def kind_of_title(title: str) -> str | None:
    for kind, pattern in TITLE_KINDS:
        if pattern.search(title):
            return kind
    return None


def kind_of_body(text: str) -> str | None:
    """The kind whose signs the opening of the body repeats most, if clearly enough."""
    head = text[:6000]
    counts = [(len(p.findall(head)), kind) for kind, p in BODY_SIGNS]
    best = max(counts)
    return best[1] if best[0] >= BODY_MIN else None


def resolve_kind(name: str) -> list[str]:
    """Kinds a filter value means: the full name, or any part of it (法治, 信息公开, 决算)."""
    name = name.strip()
    if name in KINDS:
        return [name]
    return [k for k in KINDS if name and name in k]
