"""The folder index and the OceanBase backend side by side on one corpus, in one run: moving the index
into the engine, cold open, warm search and answers (median / p95), 16 concurrent searches, memory of
the engine's server. Prints one table; docs/scaling.md quotes it.

    python bench/backends.py --index INDEX [--backend oceanbase://root@127.0.0.1:2881/bench] [--repeat 5]

INDEX is a built folder index (e.g. of ../shared/real-reports). Without --backend a seekdb server is
started from the pylibseekdb wheel (tests/seekdb/server.py) in a temporary folder and stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.answer import ask  # noqa: E402
from rag.backends import build  # noqa: E402
from rag.embedding import load_encoder  # noqa: E402
from rag.retrieve import Retriever  # noqa: E402

SEARCHES = ["主动公开政府信息多少条", "禁毒主题公园", "政务公开存在的不足", "legal advisers reviewed contracts"]
LOOKUPS = ["上海市2024年地区生产总值是多少?", "How many administrative reconsideration cases were received?"]
LISTS = ["哪些单位矛盾纠纷调解成功率达到100%?", "哪些单位开展了法律明白人培训?"]


def timed(fn: Callable[[], object], repeat: int, retriever: Retriever) -> tuple[float, float]:
    """(median, p95) in ms of `repeat` calls after one to warm the engine's and the OS's caches; the
    query's vector is encoded every time (the retriever's cache of them is cleared)."""
    fn()
    times = []
    for _ in range(repeat):
        retriever.clear_query_cache()
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--backend")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    server = None
    url = args.backend
    if url is None:
        from tests.seekdb.server import SeekdbServer

        server = SeekdbServer(Path(tempfile.mkdtemp(prefix="bench-seekdb-")))
        server.start()
        url = server.url("bench")
    try:
        encoder = load_encoder()
        t = time.perf_counter()
        moved = build([], url, encoder=encoder, from_index=args.index)
        copy_s = time.perf_counter() - t
        rows: list[tuple[str, str, str]] = [
            (
                "move the folder index into the engine (--from-index)",
                "-",
                f"{copy_s:.1f} s ({moved.documents} reports, {moved.chunks} chunks, {moved.embedded} embedded)",
            )
        ]
        opened: dict[str, Retriever] = {}
        opening: list[str] = []
        for name, where in (("folder", args.index), ("oceanbase", url)):
            t = time.perf_counter()
            opened[name] = Retriever.open(where, encoder=encoder)
            opening.append(f"{(time.perf_counter() - t) * 1000:.0f} ms")
        rows.append(("open (Retriever.open, warm process)", opening[0], opening[1]))
        for label, questions, fn in (
            ("search k=5", SEARCHES, lambda r, q: r.search(q, k=5)),
            ("search k=5, filtered (kind 信息公开)", SEARCHES, lambda r, q: r.search(q, k=5, kind="信息公开")),
            ("ask: lookup", LOOKUPS, ask),
            ("ask: which units (every report read)", LISTS, ask),
        ):
            shown = []
            for name in ("folder", "oceanbase"):
                r = opened[name]
                meds, p95s = zip(
                    *(timed(lambda q=q, r=r, fn=fn: fn(r, q), args.repeat, r) for q in questions), strict=True
                )
                shown.append(f"{statistics.median(meds):.0f} / {max(p95s):.0f} ms")
            rows.append((label + " (median / p95)", shown[0], shown[1]))
        shown = []
        for name in ("folder", "oceanbase"):
            r = opened[name]
            t = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda n, r=r: r.search(SEARCHES[n % len(SEARCHES)] + str(n), k=5), range(160)))
            shown.append(f"{160 / (time.perf_counter() - t):.0f} searches/s")
        rows.append(("16 threads, 160 distinct searches", shown[0], shown[1]))
        if server is not None and server.proc is not None:
            rows.append(("engine server RSS (seekdb)", "-", f"{rss_mb(server.proc.pid):.0f} MB"))
        rows.append(("this process RSS (both retrievers open)", f"{rss_mb(os.getpid()):.0f} MB", ""))
        width = max(len(r[0]) for r in rows)
        print(f"{'':{width}}  {'folder':>22}  {'oceanbase (seekdb 1.4)':>34}")
        for label, a, b in rows:
            print(f"{label:{width}}  {a:>22}  {b:>34}")
        print(f"(2 cores; {args.index}; engine {url.split('@')[-1]}; one encoder process for both)")
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
