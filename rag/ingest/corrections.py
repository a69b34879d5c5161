"""Users' corrections of metadata: a reports.csv (file, unit, year, kind) that every rebuild applies.

Stdlib only plus rag.records/errors. A correction names its report by file name (as saved or uploaded),
by path relative to the csv, or by doc_id; empty cells leave that field to the cues.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rag.errors import InputError
from rag.ingest.kinds import KINDS, resolve_kind
from rag.ingest.places import gazetteer, level_of
from rag.records import Report

METADATA_FILE = "reports.csv"
"""The corrections file looked for beside the reports (in each folder given to `rag build`)."""
COLUMNS = ("file", "unit", "year", "kind")


@dataclass(frozen=True, slots=True)
class Correction:
    file: str
    unit: str = ""
    year: int | None = None
    kind: str = ""


def read_corrections(path: Path) -> dict[str, Correction]:
    """Rows by file key; a bad row is an InputError naming the file, line and column."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from exc
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{path}: not UTF-8 or GB18030 text")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "file" not in [f.strip() for f in reader.fieldnames]:
        raise InputError(f"{path}: needs a header row with the columns {', '.join(COLUMNS)}")
    out: dict[str, Correction] = {}
    for line, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not row.get("file"):
            continue
        year: int | None = None
        if row.get("year"):
            if not row["year"].isdigit() or not 1949 <= int(row["year"]) <= 2100:
                raise InputError(f"{path}:{line}: year: '{row['year']}' is not a year")
            year = int(row["year"])
        kind = row.get("kind", "")
        if kind:
            matches = resolve_kind(kind)
            if len(matches) != 1:
                raise InputError(f"{path}:{line}: kind: '{kind}' is not one of {'、'.join(KINDS)}")
            kind = matches[0]
        out[row["file"]] = Correction(row["file"], row.get("unit", ""), year, kind)
    return out


def write_corrections(path: Path, corrections: dict[str, Correction]) -> None:
    """Atomically (temp file + rename), so an interrupted save never leaves half a table."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in corrections.values():
        writer.writerow([c.file, c.unit, c.year or "", c.kind])
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)


def beside(paths: list[Path]) -> list[Path]:
    """reports.csv files in the given folders (or beside the given files), in order."""
    found: list[Path] = []
    for p in paths:
        folder = p if p.is_dir() else p.parent
        candidate = folder / METADATA_FILE
        if candidate.is_file() and candidate not in found:
            found.append(candidate)
    return found


class Named(Protocol):
    """What a correction is matched by: a report, or the manifest's entry for one."""

    @property
    def source(self) -> str: ...

    @property
    def doc_id(self) -> str: ...


def lookup(report: Named, corrections: dict[str, Correction]) -> Correction | None:
    source = report.source.replace("\\", "/")
    for key in (source, source.rsplit("/", 1)[-1], report.doc_id):
        if key in corrections:
            return corrections[key]
    for key, c in corrections.items():
        if "/" in key and source.endswith("/" + key.lstrip("./")):
            return c
    return None


def apply(report: Report, corrections: dict[str, Correction]) -> Report:
    """The report with the user's values where they gave one; the cue of each corrected field is reports.csv."""
    c = lookup(report, corrections)
    if c is None:
        return report
    cues = dict(report.cues)
    changes: dict[str, object] = {}
    if c.unit:
        changes["unit"], cues["unit"] = c.unit, "reports.csv"
        changes["level"] = level_of(c.unit)
        table = gazetteer()
        changes["place"] = table.locate(c.unit) if table is not None else ()
        cues["place"] = "divisions table" if changes["place"] else ""
    if c.year is not None:
        changes["year"], cues["year"] = c.year, "reports.csv"
    if c.kind:
        changes["kind"], cues["kind"] = c.kind, "reports.csv"
    # warnings start with the field they are about ("unit: …", "year: …"); a correction settles them
    warnings = tuple(w for w in report.warnings if w.split(":", 1)[0] not in changes)
    return dataclasses.replace(report, **changes, cues=tuple(cues.items()), warnings=warnings)  # type: ignore[arg-type]
