"""Issue 29's figures: a command's cold start and a warm "which units" answer, this tree side by side with a
baseline commit (a git worktree of it), alternating runs, medians.

    python bench/coldstart.py --index REAL_INDEX [--reports 400 10000] [--baseline d16760f] [--repeat 5]
    python bench/coldstart.py --corpora DIR ... # corpora grown before (bench/scale.py's grow), reused

For each corpus (the real index, and copies of it grown to --reports reports by bench/scale.py's grow:
ledger, sections and vectors included) it times, in fresh processes, `rag search`, `rag ask` of a lookup
and `rag ask` of a "which units" question, then a "which units" answer in a warm process (the index
opened and one question asked before the clock starts). The machine's load average is printed before
and after: these are wall times on 2 shared cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import trees  # noqa: E402

SEARCH = "主动公开政府信息多少条"
LOOKUP = "上海市2024年地区生产总值是多少?"
LISTS = ["哪些单位矛盾纠纷调解成功率达到100%?", "哪些单位开展了法律明白人培训?"]
WARM = """
import json, statistics, sys, time
from rag.answer import ask
from rag.retrieve import Retriever
r = Retriever.open(sys.argv[1])
ask(r, "哪些单位有行政复议案件?")
times, answers = [], []
for _ in range(int(sys.argv[2])):
    for q in json.loads(sys.argv[3]):
        r.clear_query_cache(); t = time.perf_counter(); a = ask(r, q); times.append(time.perf_counter() - t)
        answers.append(a.text)
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({"warm": statistics.median(times), "rss": rss, "answers": answers}))
"""


def timed(cmd: list[str], code: Path) -> float:
    """Wall seconds of one command with the code of `code` (bench/trees.py)."""
    t = time.perf_counter()
    done = trees.run_in(code, cmd, check=False)
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - t


def corpora(args: argparse.Namespace, work: Path) -> list[Path]:
    if args.corpora:
        return list(args.corpora)
    import scale

    found = [args.index]
    documents = json.loads((args.index / "manifest.json").read_text(encoding="utf-8"))["counts"]
    for n in args.reports:
        target = work / f"corpus-{n}"
        scale.grow(args.index, target, math.ceil(n / documents["documents"]) * documents["chunks"])
        found.append(target)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, help="a built index of the real reports")
    ap.add_argument("--corpora", type=Path, nargs="*", help="indexes to time (instead of growing them)")
    ap.add_argument("--reports", type=int, nargs="*", default=[400, 10_000])
    ap.add_argument("--baseline", default="d16760f")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not args.index and not args.corpora:
        ap.error("--index or --corpora")
    print(f"medians of {args.repeat} alternating cold runs")
    with trees.beside(args.baseline, "rag-cold-") as (work, code_of):
        for index in corpora(args, work):
            manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))["counts"]
            print(f"\n## {manifest['documents']} reports, {manifest['chunks']} passages ({index.name})")
            print(
                "| tree | cold `rag search` s | cold `rag ask` lookup s | cold `rag ask` which units s | "
                "warm which units s | warm RSS MB |"
            )
            print("|---|---|---|---|---|---|")
            figures: dict[str, dict[str, list[float]]] = {name: {} for name in code_of}
            answers: dict[str, list[str]] = {}
            for _ in range(args.repeat):
                for name, code in code_of.items():
                    rag, f = [sys.executable, "-m", "rag.cli"], figures[name]
                    f.setdefault("search", []).append(timed([*rag, "search", SEARCH, "--index", str(index)], code))
                    f.setdefault("lookup", []).append(timed([*rag, "ask", LOOKUP, "--index", str(index)], code))
                    f.setdefault("list", []).append(timed([*rag, "ask", LISTS[0], "--index", str(index)], code))
            for name, code in code_of.items():
                lists = json.dumps(LISTS, ensure_ascii=False)
                done = trees.run_in(code, [sys.executable, "-c", WARM, str(index), "2", lists])
                warm = json.loads(done.stdout.strip().splitlines()[-1])
                answers[name] = warm["answers"]
                f = figures[name]
                print(
                    f"| {name} | {statistics.median(f['search']):.2f} | {statistics.median(f['lookup']):.2f} | "
                    f"{statistics.median(f['list']):.2f} | {warm['warm']:.2f} | {warm['rss']:.0f} |"
                )
            same = len({json.dumps(a, ensure_ascii=False) for a in answers.values()}) == 1
            print(f"answers of the warm questions identical in both trees: {same}")


if __name__ == "__main__":
    main()
