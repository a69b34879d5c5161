"""Issue 29, building: the wall time of `rag build` of the development corpus against the pure encoding
time of what it embeds, this tree side by side with a baseline commit (alternating runs, medians).

    python bench/buildtime.py [--baseline d16760f] [--repeat 2] [--parts docx-provinces-2025 fazhi-web pdf xxgk-web]

"Pure encoding": the passages the built index holds, as the build embeds them (rag.store.segment's
indexed text: unit, year and section path first; sentence spans pooled from the same pass), encoded by
the same encoder in the build's batches, and nothing else timed: no reading, chunking, ledger, BM25,
FAISS or writing. The ratio wall / pure is the build's overhead over its encoder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import trees  # noqa: E402

REAL = ROOT.parent / "shared" / "real-reports"
PURE = """
import json, statistics, sys, time
from pathlib import Path
from rag.embedding import load_encoder
from rag.store.files import IndexFiles
from rag.store.segment import EMBED_BATCH, indexed_text
from rag.text import sentence_spans
files = IndexFiles(Path(sys.argv[1]))
encoder = load_encoder(files.encoder_id)
chunks = files.chunks(range(files.size))
texts = [indexed_text(c, prefix_sections=files.params.prefix_sections) for c in chunks]
spans = [sentence_spans(c.text) for c in chunks]
pooled = files.params.pooled_sentences

def batches(items):
    order = sorted(range(len(items)), key=lambda i: len(items[i]))
    return [order[b : b + EMBED_BATCH] for b in range(0, len(order), EMBED_BATCH)]

if pooled:  # sentence vectors from the passage's own pass
    shift = [len(t) - len(c.text) for t, c in zip(texts, chunks)]
    work = [
        lambda b=b: encoder.encode_passages_with_spans(
            [texts[i] for i in b], [[(a + shift[i], e + shift[i]) for a, e in spans[i]] for i in b]
        )
        for b in batches(texts)
    ]
    embedded = texts
else:  # passages, then every sentence on its own (the shipped default)
    sentences = [c.text[a:b] for c, sp in zip(chunks, spans) for a, b in sp]
    work = [lambda b=b: encoder.encode_passages([texts[i] for i in b]) for b in batches(texts)]
    work += [lambda b=b: encoder.encode_passages([sentences[i] for i in b]) for b in batches(sentences)]
    embedded = texts + sentences
times = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    for w in work:
        w()
    times.append(time.perf_counter() - t)
tokens = sum(encoder.count_tokens(t) for t in embedded)
print(json.dumps({"pure": statistics.median(times), "passages": len(embedded), "tokens": tokens, "pooled": pooled}))
"""


def build(code: Path, parts: list[Path], index: Path) -> tuple[float, float]:
    """(wall s, the build's own seconds_total) of one fresh build."""
    shutil.rmtree(index, ignore_errors=True)
    t = time.perf_counter()
    done = trees.run_in(
        code, [sys.executable, "-m", "rag.cli", "build", *map(str, parts), "--index", str(index)], check=False
    )
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"bench: build failed:\n{done.stderr[-2000:]}")
    found = re.findall(r"([\d.]+)s\)", done.stdout)
    return wall, float(found[-1]) if found else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default="d16760f")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--parts", nargs="+", default=["docx-provinces-2025", "fazhi-web", "pdf", "xxgk-web"])
    args = ap.parse_args()
    parts = [REAL / p for p in args.parts]
    print(f"{args.repeat} alternating builds per tree")
    with trees.beside(args.baseline, "rag-buildtime-") as (work, code_of):
        walls: dict[str, list[tuple[float, float]]] = {name: [] for name in code_of}
        for _ in range(args.repeat):
            for name, code in code_of.items():
                walls[name].append(build(code, parts, work / f"index-{len(walls[name])}-{name[:4]}"))
        index = next(work.glob("index-*-this"))
        done = trees.run_in(ROOT, [sys.executable, "-c", PURE, str(index), str(args.repeat)])
        pure = json.loads(done.stdout.strip().splitlines()[-1])
        kind = "passages, sentences pooled" if pure["pooled"] else "passages and sentences"
        what = f"{pure['passages']} texts embedded ({kind}), {pure['tokens']} tokens"
        print(f"\n## rag build of {', '.join(args.parts)}: {what}")
        print(f"pure encoding (this tree's encoder, the build's batches): {pure['pure']:.1f} s")
        print("| tree | wall s (median) | build's own s (after reading) | wall / pure encoding |")
        print("|---|---|---|---|")
        for name, runs in walls.items():
            wall = statistics.median(w for w, _ in runs)
            own = statistics.median(s for _, s in runs)
            print(f"| {name} | {wall:.1f} | {own:.1f} | {wall / pure['pure']:.2f}x |")


if __name__ == "__main__":
    main()
