"""Invariance: variants of the development questions that must not change their answers.

A rule that fixes one wording and breaks another is fitted, not general; this tells them apart. For
every list, comparison and lookup question of a set, general rewrites that keep its meaning are made
(each skipped where it does not apply), and each variant must give what the original gives: the same
kind of answer, the same strict units and candidates (lists), the same top unit and ranked units
(comparisons), the same first cited sentence (lookups). The rewrites:

- `which`: 哪些单位 -> 哪几个单位 / 有哪些单位 form / 哪些地方; `polite`: 请列出… / 帮我查一下… / …谢谢;
- `mention`: 提到 / 提及 / 说到 / 讲到; `threshold`: 达到100% -> 达到百分之百 / 为百分之百;
- `year`: 2024年 -> 2024年度, and for 政府工作报告 the title year (2025年政府工作报告中 for 2024年);
- `region`: the smallest division holding every unit the original lists (strict and candidates), as
  广州 / 广州市 / 广州市的 in front, when that division is above all of them;
- `english`: Which units -> Which of the units / List the units that (English questions only);
- `punct`: the question mark as typed (? / ？ / none).

    python eval/variants.py --questions eval/real_questions.jsonl --index INDEX [--min-rate 0.98]
        [--show-failures 30] [--json OUT]

Never run on the held-out sets: they measure what tuning did not see.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.answer import ask
from rag.evaluate import load_questions
from rag.records import Answer
from rag.retrieve import Retriever
from rag.store import DocEntry

KINDS = ("aggregation", "comparison", "lookup", "paraphrase", "english")
SHORT_END = re.compile(r"(自治区|特别行政区|省|市|自治州|州|盟|区|县|旗)$")


@dataclass(frozen=True, slots=True)
class Variant:
    rule: str
    question: str


def _which(q: str) -> Iterator[Variant]:
    if "哪些单位" in q:
        yield Variant("which", q.replace("哪些单位", "哪几个单位", 1))
        yield Variant("which", q.replace("哪些单位", "哪些地方", 1))
        m = re.fullmatch(r"哪些单位(?!的)(.+?)([?？])", q)
        if m:
            yield Variant("which", f"{m.group(1)}的单位有哪些{m.group(2)}")


def _polite(q: str) -> Iterator[Variant]:
    if re.match(r"[\u4e00-\u9fff]", q):
        yield Variant("polite", "帮我查一下，" + q)
        yield Variant("polite", q.rstrip("?？") + "？谢谢")
        m = re.fullmatch(r"哪些单位(?!的)(.+?)[?？]", q)
        if m:
            yield Variant("polite", f"请列出{m.group(1)}的单位。")


def _mention(q: str) -> Iterator[Variant]:
    for verb in ("提到", "提及", "说到"):
        if verb in q:
            for other in ("提到", "提及", "说到", "讲到"):
                if other != verb:
                    yield Variant("mention", q.replace(verb, other, 1))
            return


def _threshold(q: str) -> Iterator[Variant]:
    if "达到100%" in q:
        yield Variant("threshold", q.replace("达到100%", "达到百分之百", 1))
        yield Variant("threshold", q.replace("达到100%", "为百分之百", 1))


def _year(q: str, cited: Sequence[DocEntry]) -> Iterator[Variant]:
    """2024年 -> 2024年度; and, when every report the original cites is a 政府工作报告 titled the next
    year, the title-year form (在2025年的政府工作报告中，…)."""
    m = re.search(r"((?:19|20)\d\d)年(?!度)", q)
    if m is None:
        return
    year = int(m.group(1))
    yield Variant("year", q[: m.end() - 1] + "年度" + q[m.end() :])
    work = [d for d in cited if d.kind == "政府工作报告" and d.year == year and d.title_year == year + 1]
    if cited and len(work) == len(cited) and "政府工作报告" not in q:
        rest = (q[: m.start()] + q[m.end() :]).lstrip("，, ")
        yield Variant("year", f"在{year + 1}年的政府工作报告中，{rest}")


def _english(q: str) -> Iterator[Variant]:
    if re.match(r"[A-Za-z]", q):
        if re.match(r"Which units ", q):
            yield Variant("english", "Which of the units " + q[len("Which units ") :])
            yield Variant("english", "List the units that " + q[len("Which units ") :].rstrip("?") + ".")
        elif re.match(r"Which ", q):
            yield Variant("english", "Please tell me: " + q)


def _region(q: str, listed: Sequence[str], docs: Sequence[DocEntry]) -> Iterator[Variant]:
    """The smallest division holding every listed unit's report, above all of them, in three forms."""
    places = [d.place for d in docs if d.unit in set(listed)]
    if not listed or not places or any(not p for p in places) or len(places) < len(set(listed)):
        return
    common: list[str] = []
    for level in zip(*places, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    if not common or any(len(p) <= len(common) for p in places) or common[-1] in q:
        return
    full = common[-1]
    short = SHORT_END.sub("", full)
    for prefix in dict.fromkeys([full, f"{full}的", short if len(short) >= 2 else full]):
        yield Variant("region", prefix + q)


def _punct(q: str) -> Iterator[Variant]:
    """The question mark as typed: ? / ？ / none."""
    bare = q.rstrip("?？。. ")
    for end in ("?", "？", ""):
        yield Variant("punct", bare + end)


def variants(q: str, answer: Answer, docs: Sequence[DocEntry]) -> list[Variant]:
    cited_ids = {c.chunk.doc_id for c in answer.citations}
    cited = [d for d in docs if d.doc_id in cited_ids]
    out = [*_which(q), *_polite(q), *_mention(q), *_threshold(q), *_year(q, cited), *_english(q), *_punct(q)]
    if answer.kind == "aggregation" and re.match(r"[\u4e00-\u9fff]", q):
        out += list(_region(q, [*answer.units, *answer.candidates], docs))
    return [v for v in dict.fromkeys(out) if v.question != q]


def signature(a: Answer) -> tuple[object, ...]:
    """What must not change: the kind, and per kind the units listed or ranked or the sentence cited."""
    if a.kind == "aggregation":
        return (a.kind, frozenset(a.units), frozenset(a.candidates))
    if a.kind == "comparison":
        return (a.kind, a.units[:1], frozenset(a.units))
    if a.kind == "lookup":
        first = a.citations[0] if a.citations else None
        return (a.kind, (first.chunk.doc_id, first.quote) if first else None)
    return (a.kind,)


def _differs(a: tuple[object, ...], b: tuple[object, ...]) -> str:
    if a[0] != b[0]:
        return f"kind {a[0]} -> {b[0]}"
    if a[0] == "aggregation":
        lost, gained = set(a[1]) - set(b[1]), set(b[1]) - set(a[1])  # type: ignore[arg-type]
        c_lost, c_gained = set(a[2]) - set(b[2]), set(b[2]) - set(a[2])  # type: ignore[arg-type]
        return f"strict -{sorted(lost)} +{sorted(gained)}; candidates -{sorted(c_lost)} +{sorted(c_gained)}"
    return f"{a[1:]} -> {b[1:]}"


def run(questions: Path, index: Path, answer: Callable[[Retriever, str], Answer] = ask) -> dict[str, object]:
    retriever = Retriever.open(index)
    docs = list(retriever.documents)
    rows: list[dict[str, object]] = []
    seconds: list[float] = []
    for q in load_questions(questions):
        if q.kind not in KINDS:
            continue
        started = time.perf_counter()
        original = answer(retriever, q.question)
        seconds.append(time.perf_counter() - started)
        want = signature(original)
        for v in variants(q.question, original, docs):
            started = time.perf_counter()
            got = signature(answer(retriever, v.question))
            seconds.append(time.perf_counter() - started)
            rows.append(
                {
                    "id": q.id,
                    "rule": v.rule,
                    "original": q.question,
                    "variant": v.question,
                    "same": got == want,
                    "differs": "" if got == want else _differs(want, got),
                }
            )
    by_rule = Counter(str(r["rule"]) for r in rows)
    same_by_rule = Counter(str(r["rule"]) for r in rows if r["same"])
    return {
        "variants": len(rows),
        "same": sum(bool(r["same"]) for r in rows),
        "rate": (sum(bool(r["same"]) for r in rows) / len(rows)) if rows else 1.0,
        "rules": {rule: {"variants": n, "same": same_by_rule[rule]} for rule, n in sorted(by_rule.items())},
        "median_ms": round(1000 * statistics.median(seconds), 1) if seconds else 0.0,
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=Path, action="append", required=True, help="a development question set")
    ap.add_argument("--index", type=Path, action="append", required=True, help="its index (one per --questions)")
    ap.add_argument("--min-rate", type=float, default=None, help="exit 1 when the invariance rate is below it")
    ap.add_argument("--show-failures", type=int, default=30)
    ap.add_argument("--json", type=Path, help="write every variant and its outcome here")
    args = ap.parse_args(argv)
    if len(args.questions) != len(args.index):
        ap.error("give one --index per --questions")
    if any("heldout" in p.name for p in args.questions):
        ap.error("the held-out sets are never tuned on: run variants on development sets only")
    results = [run(q, ix) for q, ix in zip(args.questions, args.index, strict=True)]
    rows = [r for res in results for r in res["rows"]]  # type: ignore[attr-defined]
    rules: Counter[str] = Counter()
    same: Counter[str] = Counter()
    for r in rows:
        rules[r["rule"]] += 1
        same[r["rule"]] += bool(r["same"])
    total, kept = len(rows), sum(bool(r["same"]) for r in rows)
    rate = kept / total if total else 1.0
    print("| rule | variants | same | rate |\n|---|---|---|---|")
    for rule in sorted(rules):
        print(f"| {rule} | {rules[rule]} | {same[rule]} | {same[rule] / rules[rule]:.3f} |")
    print(f"| all | {total} | {kept} | {rate:.3f} |")
    for q, res in zip(args.questions, results, strict=True):
        print(f"{q.name}: {res['variants']} variants, rate {res['rate']:.3f}, median {res['median_ms']} ms per ask")
    failing = [r for r in rows if not r["same"]]
    for r in failing[: args.show_failures]:
        print(f"- [{r['rule']}] {r['id']} {r['variant']}  ({r['differs']})")
    if len(failing) > args.show_failures:
        print(f"… and {len(failing) - args.show_failures} more")
    if args.json:
        args.json.write_text(json.dumps({"rate": rate, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.min_rate is not None and rate < args.min_rate:
        print(f"invariance {rate:.3f} is below {args.min_rate}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
