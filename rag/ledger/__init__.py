"""The indicator ledger: every figure a report states, as rows (unit, year, indicator, value, measure,
qualifier, the verbatim span and where it stands), extracted at index time so a "which units" or
"rank the units by" question can read every report's figures exhaustively instead of a top-k.

Imports rag.records, rag.quantities and rag.text only (the layer of rag.chunking). figures.py reads
running text, tables.py the rows of a statistics table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from rag.ledger.figures import figures_in
from rag.ledger.names import fold
from rag.ledger.tables import table_figures
from rag.records import Report


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One figure of one report. `span` is report.text[start:end], verbatim."""

    doc_id: str
    unit: str
    year: int | None
    kind: str
    indicator: str
    value: float
    measure: str
    qualifier: str
    span: str
    start: int
    end: int
    source: str
    section: str = ""
    table: bool = False

    def to_dict(self) -> dict[str, Any]:
        """What `rag ledger --json` prints per row."""
        return asdict(self)


def extract(report: Report) -> list[LedgerRow]:
    """Every figure of the report, in text order: a table's rows where the text lays one out, the
    running text's figures elsewhere."""
    found = table_figures(report.text)
    taken = [(f.start, f.end) for f in found]
    found += [f for f in figures_in(report.text) if not any(a <= f.start < b for a, b in taken)]
    return [
        LedgerRow(
            doc_id=report.doc_id,
            unit=report.unit,
            year=report.year,
            kind=report.kind,
            indicator=f.indicator,
            value=f.value,
            measure=f.measure,
            qualifier=f.qualifier,
            span=report.text[f.start : f.end],
            start=f.start,
            end=f.end,
            source=report.source,
            table=f.table,
        )
        for f in sorted(found, key=lambda f: f.start)
    ]


def select(
    rows: Iterable[LedgerRow],
    *,
    indicator: str | None = None,
    units: list[str] | None = None,
    year: int | None = None,
    kinds: list[str] | None = None,
) -> list[LedgerRow]:
    """The rows a filter keeps: an indicator by its canonical name or any part of it (调处成功率 finds
    调解成功率), units and kinds already resolved to their full names, a year reported on."""
    wanted = fold(indicator.strip()) if indicator else None
    return [
        r
        for r in rows
        if (wanted is None or wanted == r.indicator or (indicator or "") in r.indicator)
        and (units is None or r.unit in units)
        and (year is None or r.year == year)
        and (kinds is None or r.kind in kinds)
    ]


__all__ = ["LedgerRow", "extract", "select"]
