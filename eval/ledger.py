"""Precision and recall of the indicator ledger against the hand-labelled figures (eval/ledger_labels.jsonl,
written before the extractor; see eval/ledger_labels.md).

    python eval/ledger.py [--labels eval/ledger_labels.jsonl] [--shared ../shared] [--show N]

Every labelled file is read with rag's own readers and its ledger extracted. A ledger row matches a label
of the same file when the value and the measure are equal (万元 counted in 元) and the row's number stands
inside the labelled span's place in the text (white space ignored, the span found through its sentence).
Labels are exhaustive per file, so a row matching no label is a false positive. Figures are printed for
the files rules were developed on (the seeds, the web excerpts) and apart for the rest (a .docx and a PDF,
whose 195 table cells are a third kind), and for prose and tables.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.ingest import load_report  # noqa: E402
from rag.ledger import LedgerRow, extract  # noqa: E402
from rag.quantities import same_measure  # noqa: E402

WHITE = re.compile(r"\s+")
_OPENCC = opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_OPENCC.convert(text))


DEVELOPED_ON = ("seeds/", "real-reports/fazhi-web/", "real-reports/xxgk-web/")


def squeeze(text: str) -> tuple[str, list[int]]:
    """Text without white space, and for each kept character its offset in the text."""
    kept = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def locate(label: dict, squeezed: str, used: set[tuple[int, int]]) -> tuple[int, int] | None:  # type: ignore[type-arg]
    """Where the label's span stands in the squeezed text: inside its sentence where the sentence is
    found, else the first place of the span not yet taken by another label. Labels keep a Traditional
    report's script; rag's reader gives it in Simplified, so they are converted as the reader converts."""
    span = WHITE.sub("", to_simplified(label["span"]))
    sentence = WHITE.sub("", to_simplified(label["sentence"]))
    at = squeezed.find(sentence)
    while at >= 0:
        inner = sentence.find(span)
        if inner >= 0 and (at + inner, at + inner + len(span)) not in used:
            return at + inner, at + inner + len(span)
        at = squeezed.find(sentence, at + 1)
    at = squeezed.find(span)
    while at >= 0:
        if (at, at + len(span)) not in used:
            return at, at + len(span)
        at = squeezed.find(span, at + 1)
    return None


def score(labels: list[dict], rows: list[LedgerRow], text: str) -> tuple[int, int, int, list, list]:  # type: ignore[type-arg]
    squeezed, where = squeeze(text)
    position = {orig: k for k, orig in enumerate(where)}
    used: set[tuple[int, int]] = set()
    places = []
    for lab in labels:
        place = locate(lab, squeezed, used)
        if place is not None:
            used.add(place)
        places.append(place)
    matched_rows: set[int] = set()
    missed = []
    for lab, place in zip(labels, places, strict=True):
        hit = None
        for i, r in enumerate(rows):
            if i in matched_rows or abs(r.value - lab["value"]) > 1e-6 * max(1.0, abs(lab["value"])):
                continue
            if not (r.measure == lab["measure"] or same_measure(r.measure, lab["measure"])):
                continue
            end = position.get(r.end - 1)
            if place is not None and end is not None and place[0] <= end < place[1]:
                hit = i
                break
        if hit is None:
            missed.append(lab)
        else:
            matched_rows.add(hit)
    extra = [r for i, r in enumerate(rows) if i not in matched_rows]
    return len(matched_rows), len(rows), len(labels), missed, extra


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--labels", type=Path, default=ROOT / "eval" / "ledger_labels.jsonl")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--show", type=int, default=0, help="print this many misses and false rows per file")
    args = ap.parse_args()
    by_file: dict[str, list[dict]] = collections.defaultdict(list)  # type: ignore[type-arg]
    for line in args.labels.open(encoding="utf-8"):
        row = json.loads(line)
        by_file[row["file"]].append(row)
    totals: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for name, labels in by_file.items():
        path = ROOT / name if name.startswith("seeds/") else args.shared / name
        if not path.exists():
            print(f"missing {path}: skipped", file=sys.stderr)
            continue
        report = load_report(path)
        rows = extract(report)
        group = "developed on" if name.startswith(DEVELOPED_ON) else "not developed on"
        for table in (False, True):
            part_labels = [lab for lab in labels if bool(lab["table"]) == table]
            part_rows = [r for r in rows if r.table == table]
            m, p, g, missed, extra = score(part_labels, part_rows, report.text)
            for key in (group, "tables" if table else "prose", "all"):
                totals[key][0] += m
                totals[key][1] += p
                totals[key][2] += g
            if args.show and (missed or extra):
                print(f"\n== {name} ({'tables' if table else 'prose'}): {m} matched, {p} rows, {g} labels")
                for lab in missed[: args.show]:
                    print(f"  missed  {lab['value']:g}{lab['measure']}  {lab['span']}")
                for r in extra[: args.show]:
                    print(f"  extra   {r.value:g}{r.measure}  {r.span[-40:]}")
    print("| files | labels | rows | matched | precision | recall |")
    print("|---|---|---|---|---|---|")
    for key in ("developed on", "not developed on", "prose", "tables", "all"):
        m, p, g = totals[key]
        print(f"| {key} | {g} | {p} | {m} | {m / p if p else 0:.3f} | {m / g if g else 0:.3f} |")


if __name__ == "__main__":
    main()
