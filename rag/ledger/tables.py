"""Figures of a statistics table as a reader lays it out (a PDF's or a web page's cells, often run
together on one line): after the table declares its unit (单位：万元), every decimal cell up to the
next full stop is a figure of the row label written before it; which column it is, the flattened
text no longer says, so the row label names it."""

from __future__ import annotations

import re

from rag.ledger.figures import Figure

UNIT = re.compile(r"单位\s*[：:]\s*(万元|亿元|元)")
CELL = re.compile(r"(?<![\d.,])-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2}(?=\d{3}\s|[^\d.,%万亿元]|$)")
"""A money cell (2,940.05, 6.20, 0.00); a cell run into the next row's code (6.20201 一般…) is cut there."""
LABEL_NOISE = re.compile(r"\d{3}(?:\s*\d{2}){0,2}|[一二三四五六七八九十百]+、|[（(][一二三四五六七八九十]+[）)]|\s+")
SCALE = {"万元": 1e4, "亿元": 1e8, "元": 1.0}


def table_figures(text: str) -> list[Figure]:
    out: list[Figure] = []
    declarations = list(UNIT.finditer(text))
    for n, declared in enumerate(declarations):
        scale = SCALE[declared.group(1)]
        stop = text.find("。", declared.end())
        region_end = min(
            len(text) if stop < 0 else stop,
            declarations[n + 1].start() if n + 1 < len(declarations) else len(text),
        )
        label, label_at, previous = "", declared.end(), declared.end()
        for m in CELL.finditer(text, declared.end(), region_end):
            words = LABEL_NOISE.sub("", text[previous : m.start()])
            if words:
                label, label_at = words[-30:], previous
            value = round(float(m.group(0).replace(",", "")) * scale, 4)
            out.append(Figure(label, value, "元", "", label_at if words else m.start(), m.end(), table=True))
            previous = m.end()
    return out
