"""Which report is which: a report's identity is its text, not its file name.

Two files with one text are stored once; two files of one name with other texts are two reports; a
correction binds to the content of the report it named; a rebuild never silently drops a report the
index holds. Imports rag.ingest and rag.records; used by rag.store.build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import InputError
from rag.ingest import METADATA_FILE, Correction, beside, lookup, read_corrections
from rag.ingest.corrections import Named
from rag.records import Report
from rag.store.entries import DocEntry
from rag.store.segment import Skip


@dataclass
class Draft:
    reports: list[Report] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _same_source(a: str, b: str) -> bool:
    """Two sources name the same file: equal as written, or as resolved paths."""
    if a == b:
        return True
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, ValueError):
        return False


def settle_identities(draft: Draft, held: Sequence[DocEntry]) -> None:
    """Adding onto an index: a report whose text is indexed already is not stored again (said in
    `draft.duplicates`); one whose doc id is taken by another file's report gets an id of its own, so
    `z/下载.txt` never replaces `x/下载.txt`. Only the same file (same source) with new text replaces."""
    by_content = {d.content: d for d in held if d.content}
    by_id = {d.doc_id: d for d in held}
    taken = set(by_id)
    settled: list[Report] = []
    for r in draft.reports:
        same = by_content.get(r.content_id)
        if same is not None and not (same.doc_id == r.doc_id and _same_source(same.source, r.source)):
            draft.duplicates.append((r.source, same.source))
            continue
        other = by_id.get(r.doc_id)
        if other is not None and same is None and not _same_source(other.source, r.source):
            doc_id = f"{r.doc_id}-{r.content_id[:8]}"
            n = 2
            while doc_id in taken:
                doc_id, n = f"{r.doc_id}-{r.content_id[:8]}-{n}", n + 1
            r = dataclasses.replace(r, doc_id=doc_id)
        taken.add(r.doc_id)
        settled.append(r)
    draft.reports[:] = settled


def check_nothing_dropped(draft: Draft, held: Sequence[DocEntry], index_dir: Path, skipped: int) -> None:
    """A rebuild (not --add) keeps only the reports given: refuse, in one line, when the index holds
    reports the paths do not (uploads, earlier --add), instead of losing them for good."""
    given_ids = {r.doc_id for r in draft.reports}
    given = {r.content_id for r in draft.reports}
    lost = [d for d in held if d.doc_id not in given_ids and d.content not in given]
    lost = [d for d in lost if not any(_same_source(d.source, s) for s, _ in draft.duplicates)]
    if lost:
        more = f" and {len(lost) - 1} more" if len(lost) > 1 else ""
        raise InputError(
            f"--index: {index_dir.name} holds {len(lost)} report(s) not among the paths given "
            f"({Path(lost[0].source).name}{more}); nothing was changed. Add reports with --add, take some out "
            "with `rag remove`, or rebuild from only these paths with --replace"
            + (f" ({skipped} of the given files could not be read)" if skipped else "")
        )


def check_unambiguous(
    reports: Sequence[Named], given: dict[str, Correction], stored: dict[str, Correction]
) -> list[str]:
    """A correction that names several reports by a name they share (two 下载.txt) would relabel
    them all: from the user's own table that is an error naming the row; a stored one (written before
    corrections were bound to content) is left out with a notice. Returns the notices."""
    notices: list[str] = []
    for table, own in ((given, True), (stored, False)):
        for key, c in list(table.items()):
            if c.content:
                continue
            named = [r for r in reports if lookup(r, {key: c}) is not None]
            if len(named) < 2:
                continue
            which = ", ".join(r.source for r in named[:3])
            line = f"reports.csv: '{c.file}' names {len(named)} reports ({which}); name each by its path or doc_id"
            if own:
                raise InputError(line)
            notices.append(line + "; that correction was left out")
            del table[key]
    return notices


def bind(
    corrections: dict[str, Correction], reports: Sequence[Named], contents: Sequence[str]
) -> dict[str, Correction]:
    """The table the index keeps: each correction that named a report by its name is bound to that
    report's content (and its current source), so it relabels that report and no later namesake."""
    table = dict(corrections)
    for r, content in zip(reports, contents, strict=True):
        c = lookup(r, corrections, content)
        if c is None or c.content or not content:
            continue
        table.pop(c.key, None)
        bound = dataclasses.replace(c, file=r.source, content=content)
        table[bound.key] = bound
    return table


def gather_corrections(
    index_dir: Path, paths: Sequence[Path], metadata: Path | None, problems: list[str] | None = None
) -> tuple[dict[str, Correction], dict[str, Correction]]:
    """(stored, given): the index's own corrections, and those of reports.csv beside the reports then
    --metadata (which override the stored ones). A bad stored row is named in `problems` and the
    rest kept; a bad row of the user's own table is an error naming it."""
    stored: dict[str, Correction] = {}
    path = index_dir / METADATA_FILE
    if path.is_file():
        try:
            stored = read_corrections(path, problems if problems is not None else [])
        except InputError as exc:  # unreadable as a whole: say so, build on
            if problems is not None:
                problems.append(f"{METADATA_FILE}: {str(exc).split(': ', 1)[-1]}; the stored corrections were left out")
    return stored, given_corrections(paths, metadata)


def given_corrections(paths: Sequence[Path], metadata: Path | None) -> dict[str, Correction]:
    """The user's own corrections: each reports.csv beside the reports, then --metadata over them; a
    bad row there is an error naming it (nothing has been stored yet)."""
    given: dict[str, Correction] = {}
    for table in beside(list(paths)):
        given.update(read_corrections(table))
    if metadata is not None:
        if not metadata.is_file():
            raise InputError(f"--metadata: {metadata}: no such file")
        given.update(read_corrections(metadata))
    return given


def twins(documents: Sequence[DocEntry]) -> dict[str, str]:
    """doc_id -> a warning, for each report that shares its unit, year and kind with another one:
    a second report claiming to be an indexed unit's (a copy with other figures, a mislabelled
    file) must not pass silently beside the real one. Computed when listed, so it goes away with
    the other report."""
    groups: dict[tuple[str, int | None, str], list[DocEntry]] = {}
    for d in documents:
        groups.setdefault((d.unit, d.year, d.kind), []).append(d)
    out: dict[str, str] = {}
    for (unit, year, _), docs in groups.items():
        if len(docs) < 2 or year is None:
            continue
        for d in docs:
            others = "、".join(Path(o.source).name for o in docs if o is not d)
            out[d.doc_id] = f"unit: {unit} {year}年 has another report indexed ({others}); check which one is right"
    return out


WEAK_CUES = {
    "unit": ("file name", "mention", "one character", "URL host", "site name", "addressee"),
    "year": ("published date", "first year in the text", "signature date"),
    "kind": ("none",),
}
"""Cues that settle a field only as a guess: a reviewer should look before asking (issue 27)."""


def uncertain_fields(d: DocEntry, warnings: Sequence[str]) -> dict[str, str]:
    """{field: why} for the unit, year and kind a reviewer should check: a weak cue, a warning about
    the field, or nothing found."""
    cues = dict(d.cues)
    out: dict[str, str] = {}
    values = {"unit": d.unit, "year": d.year, "kind": d.kind}
    for name, weak in WEAK_CUES.items():
        cue = cues.get(name, "")
        said = [w for w in warnings if w.startswith(f"{name}:")]
        if said:
            out[name] = f"{cue}: {said[0]}" if cue else said[0]
        elif values[name] in (None, "", "其他"):
            out[name] = "not found"
        elif any(w in cue for w in weak):
            out[name] = cue
    return out


def report_rows(documents: Sequence[DocEntry]) -> list[dict[str, Any]]:
    """What `rag reports --json` and /api/reports list: each report's metadata, with the warning of
    a report that shares its unit and year with another, and `uncertain`: {field: why} for each
    field a reviewer should check (a weak cue or a warning), so a list can put those first."""
    warned = twins(documents)
    rows = []
    for d in documents:
        row = d.to_dict()
        if d.doc_id in warned:
            row["warnings"] = [*row["warnings"], warned[d.doc_id]]
        row["uncertain"] = uncertain_fields(d, row["warnings"])
        rows.append(row)
    return rows
