"""Benchmark: build, rebuild, warm search and cold CLI figures on this machine. Prints medians and ratios.

Not a test: machines here are noisy, so figures go in the README and notes, not in assertions.
Usage: python bench/bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
QUERIES = [
    "霞山区2025年主动公开了多少条政府信息?",
    "哪些单位矛盾纠纷调解成功率达到100%?",
    "which units trained 法律明白人?",
    "埔前镇和车站街道的法律顾问,谁审查的合同更多?",
    "How many administrative law enforcement inspections did Chezhan subdistrict carry out?",
    "河东区行政许可满意度",
    "禁毒主题公园",
    "政务公开存在的不足",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20, help="rounds over the query mix (default 20)")
    args = ap.parse_args()

    from rag.embedding import load_encoder
    from rag.retrieve import Retriever
    from rag.store import build_index

    work = Path(tempfile.mkdtemp(prefix="rag-bench-"))
    index = work / "index"
    encoder = load_encoder()
    first = build_index([ROOT / "seeds"], index, encoder=encoder)
    rebuilds = [build_index([ROOT / "seeds"], index, encoder=encoder).seconds_total for _ in range(3)]
    rebuild = statistics.median(rebuilds)
    print(
        f"build seeds: {first.seconds_total:.2f}s total = {first.seconds_embedding:.2f}s embedding "
        f"({first.chunks} chunks) + {first.seconds_total - first.seconds_embedding:.2f}s rest"
    )
    print(f"rebuild unchanged: median {rebuild:.2f}s of 3 (embedded 0) -> {first.seconds_total / rebuild:.1f}x faster")

    retriever = Retriever.open(index, encoder=encoder)
    retriever.search("预热", k=5)
    times = []
    for _ in range(args.repeat):
        for q in QUERIES:
            retriever.clear_query_cache()
            t = time.perf_counter()
            retriever.search(q, k=5)
            times.append((time.perf_counter() - t) * 1000)
    print(
        f"warm Retriever.search k=5: median {statistics.median(times):.1f} ms, p95 {pct(times, 95):.1f} ms "
        f"over {len(times)} queries"
    )

    from rag.answer import ask

    asks = [
        "霞山区2025年主动公开了多少条政府信息?",
        "哪些单位矛盾纠纷调解成功率达到100%?",
        "which units reported 100% mediation success?",
        "哪个单位主动公开的政府信息最多?",
        "埔前镇和车站街道的法律顾问,谁审查的合同更多?",
        "哪些单位报告了环境污染罚款金额?",
        "How many administrative law enforcement inspections did Chezhan subdistrict carry out?",
        "哪些单位提到了法律明白人?",
    ]
    ask(retriever, asks[0])
    answer_times = []
    for _ in range(max(1, args.repeat // 2)):
        for q in asks:
            retriever.clear_query_cache()
            t = time.perf_counter()
            ask(retriever, q)
            answer_times.append((time.perf_counter() - t) * 1000)
    print(
        f"warm ask() over lookup/aggregation/comparison/unanswerable mix: median "
        f"{statistics.median(answer_times):.1f} ms, p95 {pct(answer_times, 95):.1f} ms over {len(answer_times)}"
    )

    colds = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rag.cli", "search", QUERIES[0], "--index", str(index), "--json"],
            check=True,
            capture_output=True,
        )
        colds.append(time.perf_counter() - t)
    print(
        f"cold `rag search` start to result: median {statistics.median(colds):.2f}s of 5 "
        f"(min {min(colds):.2f}s, max {max(colds):.2f}s)"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
