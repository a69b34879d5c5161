"""Ingest a whole corpus of real reports and print one table: files by kind, indexed, skipped (with reasons),
unit / year / kind / level accuracy against its MANIFEST.tsv, chunks and build time.

    python bench/corpus.py [CORPUS_DIR] [--build] [--show-errors]

Default corpus: ../shared/real-reports (the development corpus). Without --build only the ingestion
(reading + metadata) runs, in seconds; --build also embeds and indexes it (minutes: 31 long .docx).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "2")

from rag.errors import InputError  # noqa: E402
from rag.ingest import load_report  # noqa: E402
from rag.metadata_eval import Expected, read_manifest, unit_right  # noqa: E402


def pdf_spaces(corpus: Path) -> list[tuple[str, int, int]]:
    """Spaces between two Chinese characters in each PDF: pypdf's raw text against what we index."""
    from pypdf import PdfReader

    out = []
    for pdf in sorted(corpus.rglob("*.pdf")):
        raw = "\n".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages)
        try:
            ours = load_report(pdf).text
        except InputError:
            continue
        pattern = r"(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])"
        out.append((pdf.name, len(re.findall(pattern, raw)), len(re.findall(pattern, ours))))
    return out


def variants(corpus: Path, expected: dict[str, Expected]) -> str:
    """How much the other cues carry when the title is gone: each text page without its title lines,
    saved as page-N.txt, against its MANIFEST row."""
    from rag.ingest.titles import parse_title

    unit_ok = year_ok = total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for rel, exp in expected.items():
            if not rel.endswith(".txt"):
                continue
            lines = (corpus / rel).read_text(encoding="utf-8").splitlines()
            kept = [line for line in lines if not ((t := parse_title(line)) and t.unit)]
            path = Path(tmp) / f"page-{total}.txt"
            path.write_text("\n".join(kept), encoding="utf-8")
            r = load_report(path)
            total += 1
            unit_ok += unit_right(r, exp)
            year_ok += r.year == exp.year
    return f"without title lines and file names: unit right {unit_ok}/{total}, year right {year_ok}/{total}"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "real-reports")
    p.add_argument("--build", action="store_true", help="also embed and index the corpus (minutes)")
    p.add_argument("--show-errors", action="store_true", help="list every file whose metadata is wrong")
    p.add_argument(
        "--variants",
        action="store_true",
        help="also measure the text files with every title line removed and a neutral file name (other cues only)",
    )
    args = p.parse_args()
    expected = {e.file: e for e in read_manifest(args.corpus / "MANIFEST.tsv")}

    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    skipped: list[tuple[str, str]] = []
    wrong: list[str] = []
    warned = 0
    t0 = time.perf_counter()
    for rel, exp in expected.items():
        c = by_kind[exp.kind]
        c["files"] += 1
        try:
            r = load_report(args.corpus / rel)
        except InputError as exc:
            skipped.append((rel, str(exc).split(": ", 1)[-1]))
            continue
        c["indexed"] += 1
        checks = {
            "unit": unit_right(r, exp),
            "year": r.year == exp.year,
            "kind": r.kind == exp.kind,
            "level": r.level == exp.level,
        }
        for field, ok in checks.items():
            c[field] += ok
        warned += bool([w for w in r.warnings if not w.startswith("text:")])
        if not all(checks.values()):
            bad = ", ".join(f"{f}={getattr(r, f)!r}" for f, ok in checks.items() if not ok)
            wrong.append(f"{rel}: {bad} (MANIFEST: {exp.unit} · {exp.year} · {exp.kind} · {exp.level})")
    seconds_ingest = time.perf_counter() - t0

    header = f"{'kind':<26}{'files':>6}{'indexed':>8}{'unit':>7}{'year':>7}{'kind':>7}{'level':>7}"
    print(header)
    print("-" * len(header))
    total: Counter[str] = Counter()
    for kind, c in sorted(by_kind.items(), key=lambda kv: -kv[1]["files"]):
        total.update(c)
        print(
            f"{kind:<26}{c['files']:>6}{c['indexed']:>8}"
            + "".join(f"{c[f]:>7}" for f in ("unit", "year", "kind", "level"))
        )
    print("-" * len(header))
    n = max(total["indexed"], 1)
    print(
        f"{'all':<26}{total['files']:>6}{total['indexed']:>8}"
        + "".join(f"{total[f] / n:>7.0%}" for f in ("unit", "year", "kind", "level"))
    )
    print(f"\nskipped {len(skipped)}" + "".join(f"\n  {f}: {why}" for f, why in skipped))
    print(f"reports with a metadata warning: {warned}; ingestion of {total['files']} files: {seconds_ingest:.1f} s")
    if args.show_errors or len(wrong) <= 12:
        print(f"\nwrong metadata ({len(wrong)}):" + "".join(f"\n  {w}" for w in wrong))
    for name, raw, ours in pdf_spaces(args.corpus):
        print(f"\nPDF {name}: spaces between Chinese characters, pypdf raw {raw}, indexed text {ours}")

    if args.variants:
        print("\n" + variants(args.corpus, expected))
    if args.build:
        from rag.embedding import load_encoder
        from rag.store import build_index

        folder = Path(tempfile.mkdtemp(prefix="corpus-index-")) / "index"
        t1 = time.perf_counter()
        result = build_index([args.corpus / rel for rel in expected], folder, encoder=load_encoder())
        print(
            f"\nbuild: {result.documents} reports, {result.chunks} chunks, {len(result.skipped)} skipped, "
            f"{time.perf_counter() - t1:.1f} s ({result.seconds_embedding:.1f} s embedding) into {folder}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
