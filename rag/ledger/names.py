"""Indicator names folded into one: 调处成功率 is 调解成功率, 发布政府信息 is 主动公开政府信息. The table
is data (rag/data/indicators.tsv: canonical name, then the wordings that mean it)."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def _table() -> list[tuple[str, str]]:
    """(wording, canonical name), longest wording first so the most specific one wins."""
    pairs: list[tuple[str, str]] = []
    text = resources.files("rag").joinpath("data/indicators.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        canonical, _, wordings = line.partition("\t")
        for w in [canonical, *wordings.split(",")]:
            if w.strip():
                pairs.append((w.strip(), canonical.strip()))
    return sorted(pairs, key=lambda p: -len(p[0]))


def fold(subject: str) -> str:
    """The canonical name of the longest wording the subject ends with (a Chinese noun phrase ends with
    what it names: 行政复议案件受理率 is a 受理率, not a count of 行政复议案件), else the subject itself."""
    for wording, canonical in _table():
        if subject.endswith(wording):
            return canonical
    return subject
