"""`rag build | remove | reports | ledger | outline`: writing the index and reading its tables."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.cli.defaults import DEFAULT_SEEDS, sample

QUIET_SECONDS = 3.0


def build(args: argparse.Namespace) -> int:
    from rag.backends import build, shown
    from rag.embedding import load_encoder
    from rag.store import BuildParams

    paths = list(args.paths) or ([] if args.from_index else [sample(DEFAULT_SEEDS, "reports")])
    encoder = load_encoder(args.model)
    result = build(
        paths,
        args.index,
        encoder=encoder,
        params=BuildParams(max_tokens=args.max_tokens),
        add=args.add,
        metadata=args.metadata,
        progress=progress(),
        from_index=args.from_index,
        replace=args.replace,
    )
    for line in result.notices:
        print(f"rag: {line}", file=sys.stderr)
    for skip in result.skipped:
        print(f"rag: skipped {skip.path}: {skip.reason}", file=sys.stderr)
    for source, same in result.duplicates:
        print(f"rag: {source}: same text as the indexed {same}; stored once", file=sys.stderr)
    for source, warning in result.warnings:
        print(f"rag: {source}: {warning}", file=sys.stderr)
    print(
        f"indexed {len(result.indexed)}, skipped {len(result.skipped)} "
        f"({result.documents} reports, {result.chunks} chunks in {shown(args.index)}; "
        f"embedded {result.embedded}, reused {result.reused}; {result.seconds_total:.1f}s)"
    )
    return 1 if args.strict and result.skipped else 0


def progress() -> Callable[[str, int, int], None]:
    """A bar per stage with counts and ETA on a terminal (tqdm); on a pipe or a CI log, a plain
    line per stage at most every 10% of it once the build has run QUIET_SECONDS, so logs stay short."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bars: dict[str, Any] = {}

        def draw(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(total=total, desc=stage, unit="", file=sys.stderr, leave=True)
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return draw
    shown: dict[str, int] = {}
    started = time.monotonic()

    def line(stage: str, done: int, total: int) -> None:
        step = max(total // 10, 1)
        if time.monotonic() - started < QUIET_SECONDS:
            return  # a build that ends in seconds needs no progress lines in a log
        if done == total or done // step > shown.get(stage, -1):
            shown[stage] = done // step
            print(f"rag: {stage} {done}/{total}", file=sys.stderr, flush=True)

    return line


def remove(args: argparse.Namespace) -> int:
    from rag.backends import build, open_reader, shown
    from rag.embedding import load_encoder

    reader = open_reader(args.index)  # the encoder it was built with: what is kept is not embedded again
    encoder = load_encoder(reader.encoder_id)
    doc_ids = list(dict.fromkeys(args.doc_ids))  # `rag remove X X` removes one report
    result = build([], args.index, encoder=encoder, params=reader.params, remove=doc_ids, progress=progress())
    print(f"removed {len(doc_ids)} ({result.documents} reports, {result.chunks} chunks in {shown(args.index)})")
    return 0


def reports(args: argparse.Namespace) -> int:
    from rag.backends import open_reader, shown
    from rag.store import report_rows

    docs = report_rows(open_reader(args.index).documents)
    if args.json:
        print_json(docs)
        return 0
    # the reports to check first: a field settled by a weak cue or a warning (issue 27)
    for d in sorted(docs, key=lambda d: not d["uncertain"]):
        cues = d["cues"]
        year = f"{d['year'] or '?'}" + (f" (title {d['title_year']})" if d["title_year"] else "")
        place = " > ".join(d["place"]) or "?"
        print(f"{d['unit']} · {year} · {d['kind']} · {d['level'] or '?'} · {place}  [{d['chunks']} chunks]")
        print(f"    {d['source']}")
        print(
            f"    cues: unit={cues.get('unit') or '-'}, year={cues.get('year') or '-'}, kind={cues.get('kind') or '-'}"
        )
        for field, why in d["uncertain"].items():
            print(f"    check {field}: {why}")
        for w in d["warnings"]:
            if not any(w in why for why in d["uncertain"].values()):
                print(f"    warning: {w}")
    print(f"{len(docs)} reports in {shown(args.index)}")
    return 0


def ledger(args: argparse.Namespace) -> int:
    import csv

    from rag.backends import open_reader
    from rag.ingest import spreadsheet_safe
    from rag.retrieve import filter_ledger

    files = open_reader(args.index)  # no encoder: the ledger is read, not searched
    rows = filter_ledger(
        files.ledger(),
        [d.unit for d in files.documents],
        indicator=args.indicator,
        unit=args.unit,
        year=args.year,
        kind=args.kind,
    )
    if args.export:
        from rag.export import ledger_table

        write_export(ledger_table([r.to_dict() for r in rows]), args.export)
    if args.json:
        print_json([r.to_dict() for r in rows])
    elif args.csv:
        fields = list(rows[0].to_dict()) if rows else ["unit", "year", "indicator", "value", "measure", "span"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        # a unit or span a report (or a correction) starts with "=" must not run as a formula
        writer.writerows({k: spreadsheet_safe(v) for k, v in r.to_dict().items()} for r in rows)
    else:
        for r in rows:
            value = f"{r.value:.4f}".rstrip("0").rstrip(".")
            after = r.qualifier in ("余", "多", "以上")
            shown = f"{value}{r.qualifier}{r.measure}" if after else f"{r.qualifier}{value}{r.measure}"
            print(f"{r.unit} · {r.year or '?'} · {r.indicator} · {shown}  “{r.span}”")
        print(f"{len(rows)} figures")
    return 0


def outline(args: argparse.Namespace) -> int:
    from rag.backends import open_reader
    from rag.errors import InputError
    from rag.ingest import resolve_kind

    rows = open_reader(args.index).outline()
    if args.kind:
        kinds = resolve_kind(args.kind)
        if not kinds:
            raise InputError(f"--kind: '{args.kind}' is no kind of report")
        rows = [r for r in rows if r.kind in kinds]
    if args.export:
        from rag.export import outline_table

        write_export(outline_table([r.to_dict() for r in rows]), args.export)
    if args.json:
        print_json([r.to_dict() for r in rows])
        return 0
    mark = {"present": "✓", "mentioned": "~", "missing": "✗"}
    required = list(dict.fromkeys(p for r in rows for p, _ in r.parts))  # each kind's own parts
    print(" | ".join(["unit", "year", "kind", *required, "published"]))
    for r in rows:
        parts = dict(r.parts)
        when = f"{r.published or '?'}{' (late)' if r.late else ''}"
        marks = [mark.get(parts.get(p, ""), "·") for p in required]
        print(" | ".join([r.unit, str(r.year or "?"), r.kind, *marks, when]))
    complete = sum(r.complete for r in rows)
    print(
        f"{complete} of {len(rows)} reports have every part their kind requires "
        "(✓ a heading of its own, ~ only mentioned, ✗ missing, · not required of that kind)"
    )
    return 0


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1))


def write_export(table: Any, path: Path) -> None:
    """`--export FILE`: the table as .xlsx or .csv, by the file's suffix; one line on stderr says where."""
    from rag.errors import InputError
    from rag.export import FORMATS, encode

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"--export: {path.name} must end in .xlsx or .csv")
    try:
        path.write_bytes(encode(table, fmt))
    except OSError as exc:
        raise InputError(f"--export: cannot write {path.name} ({exc.strerror or type(exc).__name__})") from exc
    print(f"rag: exported {len(table.rows)} rows to {path}", file=sys.stderr)
