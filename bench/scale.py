"""Serving at 10k, 100k and 300k chunks: index size, cold start, memory, search and ask latency, and
the approximate (HNSW) index's recall against exact search. Prints one table.

    python bench/scale.py --index INDEX [--sizes 10000 100000 300000] [--reports 10000] [--repeat 3]

INDEX is a built index of real reports (bench/speed.py builds one; `rag build ../shared/real-reports/...`).
Each larger corpus is that index copied until it has the size asked: every copy a report of its own
(doc_id and unit numbered), its chunk and sentence vectors the real ones plus a little noise (so the
approximate index does not meet exact duplicates), its BM25 over the real tokens. The vectors are
cached, not embedded: the output says so; build throughput is bench/speed.py's figure. The folder is
written in the index format rag reads (manifest, chunks.jsonl + offsets, .npy, FAISS, bm25s), and the
FAISS index is built by rag.dense with the shipped HNSW threshold.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
SEARCHES = ["主动公开政府信息多少条", "禁毒主题公园", "政务公开存在的不足", "legal advisers reviewed contracts"]
LOOKUPS = ["上海市2024年地区生产总值是多少?", "How many administrative reconsideration cases were received?"]
LISTS = ["哪些单位矛盾纠纷调解成功率达到100%?", "哪些单位开展了法律明白人培训?"]
NOISE = 0.02


def grow(source: Path, target: Path, chunks: int) -> float:
    """Write an index of about `chunks` chunks from copies of `source`; seconds spent on FAISS + BM25."""
    from rag.dense import DenseIndex
    from rag.lexical import LexicalIndex
    from rag.segmentation import Segmenter
    from rag.store import columns

    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    size = manifest["counts"]["chunks"]
    copies = max(1, math.ceil(chunks / size))
    records = [json.loads(line) for line in (source / "chunks.jsonl").open(encoding="utf-8")]
    reports = [json.loads(line) for line in (source / "reports.jsonl").open(encoding="utf-8")]
    vectors = np.load(source / "vectors.npy")
    sentences = np.load(source / "sentences.npy")
    rng = np.random.default_rng(0)
    target.mkdir(parents=True)
    documents, offsets = [], []
    with (target / "reports.jsonl").open("wb") as fh:
        for n in range(copies):
            for d, r in zip(manifest["documents"], reports, strict=True):
                doc_id = f"{d['doc_id']}~{n}"
                documents.append(
                    d
                    | {
                        "doc_id": doc_id,
                        "unit": f"{d['unit']}{n}" if n else d["unit"],
                        "first": d["first"] + n * size,
                        "last": d["last"] + n * size,
                        "offset": fh.tell(),
                    }
                )
                fh.write(json.dumps({"doc_id": doc_id, "text": r["text"]}, ensure_ascii=False).encode() + b"\n")
    with (target / "chunks.jsonl").open("wb") as fh:
        for n in range(copies):
            for rec in records:
                offsets.append(fh.tell())
                doc_id = f"{rec['doc_id']}~{n}"
                out = rec | {
                    "doc_id": doc_id,
                    "chunk_id": f"{doc_id}#{rec['chunk_id'].rsplit('#', 1)[1]}",
                    "sent_row": rec["sent_row"] + n * len(sentences),
                }
                fh.write(json.dumps(out, ensure_ascii=False).encode() + b"\n")
    np.save(target / "chunks.offsets.npy", np.asarray(offsets, dtype=np.int64))
    np.save(target / "sections.npy", np.tile(np.load(source / "sections.npy"), copies))
    np.save(target / "chunks.starts.npy", np.tile(np.asarray([rec["start"] for rec in records]), copies))
    ledger: dict[str, list[dict[str, object]]] = {}
    for line in (source / "ledger.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        ledger.setdefault(row["doc_id"], []).append(row)
    with (target / "ledger.jsonl").open("wb") as fh:
        for n in range(copies):
            for d in manifest["documents"]:
                for row in ledger.get(d["doc_id"], []):
                    out = row | {"doc_id": f"{d['doc_id']}~{n}", "unit": f"{d['unit']}{n}" if n else row["unit"]}
                    fh.write(json.dumps(out, ensure_ascii=False).encode() + b"\n")
    columns.index(target, [d["doc_id"] for d in documents])

    def noisy(rows: np.ndarray, path: Path) -> np.ndarray:
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(len(rows) * copies, rows.shape[1]))
        for n in range(copies):
            block = rows + (rng.normal(0, NOISE, rows.shape).astype(np.float32) if n else 0)
            out[n * len(rows) : (n + 1) * len(rows)] = block / np.linalg.norm(block, axis=1, keepdims=True)
        out.flush()
        return out

    all_vectors = noisy(vectors, target / "vectors.npy")
    noisy(sentences, target / "sentences.npy")
    started = time.perf_counter()
    dense = DenseIndex.build(np.asarray(all_vectors), hnsw_threshold=manifest["params"]["hnsw_threshold"])
    dense.save(target / "dense.faiss")
    segmenter = Segmenter()
    tokens = [segmenter.tokens(f"{rec['text']}") for rec in records]
    (target / "lexical").mkdir()
    LexicalIndex.build(tokens * copies).save(target / "lexical")
    seconds = time.perf_counter() - started
    manifest |= {
        "documents": documents,
        "dense": dense.kind,
        "dense_settings": dense.settings,
        "counts": {"documents": len(documents), "chunks": size * copies},
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return seconds


def recall_at_10(index: Path, questions: int = 150) -> float | None:
    """HNSW's recall@10 against exact inner product, for the real questions' query vectors."""
    import faiss

    from rag.dense import DenseIndex
    from rag.embedding import load_encoder
    from rag.evaluate import load_questions

    dense = DenseIndex.load(index / "dense.faiss")
    if dense.kind != "hnsw":
        return None
    texts = [q.question for q in load_questions(ROOT / "eval" / "real_questions.jsonl")][:questions]
    queries = load_encoder().encode_queries(texts)
    exact = faiss.IndexFlatIP(dense.dim)
    exact.add(np.ascontiguousarray(dense.rows()))
    hits = 0
    for q in queries:
        _, want = exact.search(q.reshape(1, -1), 10)
        got = {r for r, _ in dense.search(q, 10)}
        hits += len(got & set(want[0].tolist()))
    return hits / (10 * len(queries))


PROBE = """
import json, statistics, sys, time
from rag.answer import ask
from rag.retrieve import Retriever
index, repeat = sys.argv[1], int(sys.argv[2])
searches, lookups, lists = json.loads(sys.argv[3])
t = time.perf_counter(); r = Retriever.open(index); opened = time.perf_counter() - t
out = {"open_s": opened}
for name, qs, fn in (("search", searches, lambda q: r.search(q, k=5)), ("lookup", lookups, lambda q: ask(r, q)),
                     ("which units", lists, lambda q: ask(r, q))):
    fn(qs[0])
    times = []
    for _ in range(repeat if name != "which units" else 2):
        for q in qs:
            r.clear_query_cache(); t = time.perf_counter(); fn(q); times.append((time.perf_counter() - t) * 1000)
    out[name] = [statistics.median(times), max(times)]
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child started by this (large) benchmark
# process reported the parent's peak (4.1 GB "serving" at 457k chunks; VmHWM 1.7 GB)
out["rss_mb"] = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps(out))
"""


def measure(index: Path, repeat: int) -> dict[str, float | list[float]]:
    queries = json.dumps([SEARCHES, LOOKUPS, LISTS], ensure_ascii=False)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(index), str(repeat), queries], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"bench: serving {index} failed:\n{done.stderr[-2000:]}")
    figures: dict[str, float | list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    colds = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rag.cli", "search", SEARCHES[0], "--index", str(index)],
            capture_output=True,
            check=True,
        )
        colds.append(time.perf_counter() - t)
    figures["cold_s"] = statistics.median(colds)
    return figures


def add_one(index: Path, report: Path) -> float:
    """Wall seconds of `rag build --add REPORT` on the corpus (a new process: model load included)."""
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(report, folder)
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rag.cli", "build", folder, "--add", "--index", str(index)],
            capture_output=True,
            check=True,
        )
        return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000], help="chunks")
    ap.add_argument(
        "--reports", type=int, nargs="*", default=[10_000], help="corpora of this many reports (the source's copies)"
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--add-report",
        type=Path,
        default=ROOT.parent / "shared" / "real-reports" / "docx-provinces-2025" / "2025年广东省政府工作报告.docx",
        help="the report `rag build --add` adds to each corpus (timed: the delta segment, rag.store.delta)",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rag-scale-"))
    print(
        "| chunks | reports | dense | index MB | FAISS+BM25 build s | recall@10 | open s | cold `rag search` s | "
        "serving RSS MB | search ms med/max | lookup ms med/max | which units ms med/max | add one report s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    import shutil

    source = json.loads((args.index / "manifest.json").read_text(encoding="utf-8"))["counts"]
    by_reports = [math.ceil(n / source["documents"]) * source["chunks"] for n in args.reports]
    for size in args.sizes + by_reports:
        folder = work / f"index-{size}"
        seconds = grow(args.index, folder, size)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
        recall = recall_at_10(folder)
        f = measure(folder, args.repeat)
        added = add_one(folder, args.add_report) if args.add_report.is_file() else None

        def mm(key: str, figures: dict[str, float | list[float]] = f) -> str:
            med, top = figures[key]  # type: ignore[misc]
            return f"{med:.0f} / {top:.0f}"

        print(
            f"| {manifest['counts']['chunks']} | {manifest['counts']['documents']} | {manifest['dense']} | {mb:.0f} | "
            f"{seconds:.0f} | {'-' if recall is None else f'{recall:.3f}'} | {f['open_s']:.2f} | {f['cold_s']:.2f} | "
            f"{f['rss_mb']:.0f} | {mm('search')} | {mm('lookup')} | {mm('which units')} | "
            f"{'-' if added is None else f'{added:.1f}'} |",
            flush=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
    print(
        "\nVectors are the real corpus's, copied with noise (cached, not embedded); build throughput: bench/speed.py."
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
