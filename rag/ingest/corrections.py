"""Users' corrections of metadata: a reports.csv (file, unit, year, kind) that every rebuild applies.

Stdlib only plus rag.records/errors. A correction names its report by file name (as saved or uploaded),
by path relative to the csv, or by doc_id; empty cells leave that field to the cues.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rag.errors import InputError
from rag.ingest.kinds import KINDS, resolve_kind
from rag.ingest.places import gazetteer, level_of
from rag.records import Report

METADATA_FILE = "reports.csv"
"""The corrections file looked for beside the reports (in each folder given to `rag build`)."""
COLUMNS = ("file", "unit", "year", "kind", "content")
"""`content` is the report's content identity, filled in by the index when a correction is first
applied: from then on it relabels that report only, never a later file that shares its name."""
MAX_UNIT_CHARS = 80
"""Longer than any unit name (a city district's 规划和自然资源局 named with both places runs to 14
characters); a pasted paragraph is a mistake."""
MAX_FILE_CHARS = 1000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Cell starts a spreadsheet runs as a formula (OWASP CSV injection): never stored, escaped on export."""
YEAR = re.compile(r"[0-9]{4}")


@dataclass(frozen=True, slots=True)
class Correction:
    file: str
    unit: str = ""
    year: int | None = None
    kind: str = ""
    content: str = ""

    @property
    def key(self) -> str:
        """Where a table keeps it: by the report's content once bound to one, else by the name given."""
        return f"content:{self.content}" if self.content else self.file


def _control(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") for ch in value)


def check_unit(unit: str) -> str:
    """A unit as a person would type it, or InputError naming the field: refused before it is stored."""
    unit = unit.strip()
    if not unit:
        raise InputError("unit: must not be empty")
    if len(unit) > MAX_UNIT_CHARS:
        raise InputError(f"unit: {len(unit)} characters; a unit name has at most {MAX_UNIT_CHARS}")
    if _control(unit):
        raise InputError("unit: must not hold control characters or line breaks")
    if unit.startswith(FORMULA_START):
        raise InputError(f"unit: must not start with '{unit[0]}' (a spreadsheet would run it as a formula)")
    return unit


def check_year(year: str | int) -> int:
    """Four ASCII digits from 1949 to 2100: superscript digits, a 5,000-digit number, 二〇二四 are refused."""
    text = year if isinstance(year, str) else str(year) if abs(year) < 10**6 else "x"
    text = text.strip()
    if not YEAR.fullmatch(text) or not 1949 <= int(text) <= 2100:
        shown = text if len(text) <= 12 else text[:12] + "…"
        raise InputError(f"year: '{shown}' is not a year (four ASCII digits, 1949–2100)")
    return int(text)


def check_kind(kind: str) -> str:
    matches = resolve_kind(kind.strip())
    if len(matches) != 1:
        shown = kind if len(kind) <= 30 else kind[:30] + "…"
        raise InputError(f"kind: '{shown}' is not one of {'、'.join(KINDS)}")
    return matches[0]


def check_file(file: str) -> str:
    file = file.strip()
    if len(file) > MAX_FILE_CHARS or _control(file):
        raise InputError("file: not a file name (too long, or holds control characters)")
    return file


def read_corrections(path: Path, problems: list[str] | None = None) -> dict[str, Correction]:
    """Rows by key (Correction.key). A bad row is an InputError naming the file, line and column; with
    `problems` given it is named there instead and the other rows are kept (the index's own table:
    one damaged row must not cost every earlier correction)."""
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
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or "file" not in [f.strip() for f in reader.fieldnames]:
        raise InputError(f"{path}: needs a header row with the columns {', '.join(COLUMNS[:4])}")
    out: dict[str, Correction] = {}
    try:
        for row in reader:
            try:
                c = _row(row)
            except InputError as exc:
                where = f"{path.name}:{reader.line_num}"
                if problems is None:
                    raise InputError(f"{path}:{reader.line_num}: {exc}") from exc
                problems.append(f"{where}: {exc}; this correction was left out, the others kept")
                continue
            if c is not None:
                out[c.key] = c
    except csv.Error as exc:  # a broken quote: what came before it is kept
        if problems is None:
            raise InputError(f"{path}:{reader.line_num}: not CSV ({exc})") from exc
        problems.append(f"{path.name}:{reader.line_num}: not CSV ({exc}); the rows after it were left out")
    return out


def _row(raw: dict[str | None, str | list[str] | None]) -> Correction | None:
    if None in raw:
        raise InputError("more cells than columns")
    row = {(k or "").strip(): (v if isinstance(v, str) else "").strip() for k, v in raw.items()}
    if not row.get("file"):
        return None
    content = row.get("content", "")
    if content and not re.fullmatch(r"[0-9a-f]{8,64}", content):
        raise InputError(f"content: '{content[:30]}' is not a content id")
    return Correction(
        check_file(row["file"]),
        check_unit(row["unit"]) if row.get("unit") else "",
        check_year(row["year"]) if row.get("year") else None,
        check_kind(row["kind"]) if row.get("kind") else "",
        content,
    )


def write_corrections(path: Path, corrections: dict[str, Correction]) -> None:
    """Atomically (temp file + rename), so an interrupted save never leaves half a table."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for c in corrections.values():
        writer.writerow([c.file, c.unit, c.year or "", c.kind, c.content])
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)


def spreadsheet_safe(value: object) -> object:
    """A cell as a spreadsheet must show it: text that would start a formula gets a leading
    apostrophe (OWASP CSV injection guidance); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


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


def lookup(report: Named, corrections: dict[str, Correction], content: str = "") -> Correction | None:
    """The correction for a report: the one bound to its content, else one naming it (by path, file
    name or doc_id) that is bound to no content yet."""
    if content and f"content:{content}" in corrections:
        return corrections[f"content:{content}"]
    source = report.source.replace("\\", "/")
    for key in (source, source.rsplit("/", 1)[-1], report.doc_id):
        if key in corrections:
            return corrections[key]
    for key, c in corrections.items():
        if not c.content and "/" in key and source.endswith("/" + key.lstrip("./")):
            return c
    return None


def apply(report: Report, corrections: dict[str, Correction]) -> Report:
    """The report with the user's values where they gave one; the cue of each corrected field is reports.csv."""
    c = lookup(report, corrections, report.content_id)
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
