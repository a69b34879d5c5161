"""Measuring ingestion against a MANIFEST (file, kind, unit, level, year_reported): the figures of issue 10.

At the edge with rag.evaluate; imports rag.ingest and rag.units. The MANIFEST's unit column is written for
people ("乙区（某市乙区人民政府）", "某县 (text says only 我县)"): every name in it counts as right.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.reading import simplified
from rag.records import Report
from rag.units import same_unit


@dataclass(frozen=True, slots=True)
class Expected:
    file: str
    kind: str
    unit: str
    level: str
    year: int | None


def read_manifest(path: Path) -> list[Expected]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [
        Expected(
            r["file"],
            r["kind"],
            r["unit"],
            r.get("level", ""),
            int(r["year_reported"]) if r.get("year_reported", "").isdigit() else None,
        )
        for r in rows
    ]


def unit_names(field: str) -> list[str]:
    """乙区（某市乙区人民政府） -> [乙区, 某市乙区人民政府]; 某县 (text says only 我县) -> [某县]."""
    names = [m for m in re.findall(r"[\u3400-\u9fff]{2,40}", field) if not m.startswith(("我", "本"))]
    return names[:2] if names else [field]


def unit_right(report: Report, expected: Expected) -> bool:
    predicted = simplified([report.unit])[0][0]
    return any(same_unit(predicted, simplified([n])[0][0]) for n in unit_names(expected.unit))
