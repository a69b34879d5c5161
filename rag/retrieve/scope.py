"""The filters a user sets (unit, year, kind, region, canonical part) and what they keep: reports and
ledger rows. A name that matches nothing indexed is an InputError naming the field, never an empty
answer that looks like "nothing found"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rag import units as unit_names
from rag.errors import InputError
from rag.ingest import KINDS, resolve_kind
from rag.ledger import LedgerRow, select
from rag.store import DocEntry
from rag.units import in_region


@dataclass(frozen=True, slots=True)
class Scope:
    """The filters a user set: unit (full or short name), year reported, kind of report, region (河源市),
    canonical part of the report (举措成效, 第一责任人履职, 存在不足, 下一年度安排, 其他; rag.outline)."""

    unit: str | None = None
    year: int | None = None
    kind: str | None = None
    region: str | None = None
    section: str | None = None

    def kwargs(self) -> dict[str, Any]:
        return {"unit": self.unit, "year": self.year, "kind": self.kind, "region": self.region, "section": self.section}


def units_named(unit: str, units: Sequence[str]) -> list[str]:
    """The indexed units a name means (full or short); none is an InputError that lists them."""
    wanted = unit_names.resolve(unit, units)
    if not wanted:
        raise InputError(f"--unit: no indexed unit matches '{unit}' (indexed: {'、'.join(units)})")
    return wanted


def kinds_named(kind: str) -> list[str]:
    """The kinds of report a name means (or a part of it); none is an InputError that lists them."""
    kinds = resolve_kind(kind)
    if not kinds:
        raise InputError(f"--kind: '{kind}' is not a kind of report (kinds: {'、'.join(KINDS)})")
    return kinds


def select_documents(
    documents: Sequence[DocEntry],
    units: Sequence[str],
    *,
    unit: str | None = None,
    year: int | None = None,
    kind: str | None = None,
    region: str | None = None,
    doc_ids: Sequence[str] | None = None,
) -> list[DocEntry]:
    """The reports the filters keep; unit by its full or short name among the indexed `units`."""
    docs = list(documents)
    if unit is not None:
        wanted = set(units_named(unit, units))
        docs = [d for d in docs if d.unit in wanted]
    if year is not None:
        docs = [d for d in docs if d.year == year]
    if kind is not None:
        kinds = set(kinds_named(kind))
        docs = [d for d in docs if d.kind in kinds]
    if region is not None:
        if not any(in_region(region, d.unit, d.place) for d in documents):
            shown = region if len(region) <= 40 else region[:40] + "…"
            raise InputError(f"--region: no indexed report lies in '{shown}' (a province, city, county or town)")
        docs = [d for d in docs if in_region(region, d.unit, d.place)]
    if doc_ids is not None:
        keep = set(doc_ids)
        docs = [d for d in docs if d.doc_id in keep]
    return docs


def filter_ledger(
    rows: Iterable[LedgerRow],
    units: Sequence[str],
    *,
    indicator: str | None = None,
    unit: str | None = None,
    year: int | None = None,
    kind: str | None = None,
) -> list[LedgerRow]:
    """Ledger rows by indicator (its name or a part of it, folded), unit (full or short name, among the
    indexed `units`), year reported on and kind (or a part of it); a name that matches nothing indexed
    is an InputError naming the field."""
    wanted_units = units_named(unit, units) if unit else None
    kinds = kinds_named(kind) if kind else None
    return select(rows, indicator=indicator, units=wanted_units, year=year, kinds=kinds)
