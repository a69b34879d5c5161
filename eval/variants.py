"""Invariance: rewrites of the development questions that must not change their answers.

A rule that fixes one wording and breaks another is fitted, not general; this tells them apart. For
every list, comparison and lookup question of a development set (paraphrase and English questions are
lookups or lists too), general rewrites that keep its meaning are made, each skipped where it does not
apply, and each must give what the original gives (`signature`): the same kind of answer and

- lists: the same set of strict units and the same set of candidates (可能相关);
- comparisons: the same top unit and the same set of ranked units;
- lookups: the first citation's (doc_id, quote); or both unanswerable.

The rules (`rule/form` in the output):

- `which`: 哪些单位 -> 哪几个单位 / 有哪些单位… / …的单位有哪些 / 哪些地方; 哪些省份 (乡镇, 街道, 县, 报告)
  -> 哪几个省份 (哪几份报告) / 有哪些省份…;
- `polite`: 请问， / 帮我查一下， / 想了解一下， in front, ？谢谢 behind; 请列出…的单位 (省份 …) for a list;
- `mention`: 提到 / 提及 / 说到 / 讲到, one for another;
- `threshold`: 达到100% -> 达到百分之百 / 为百分之百 / 为100%; 是(为)百分之百 -> 达到100% / 为100%; 都已 -> 均已 / 全部;
- `year`: when every report the year points at is a 政府工作报告 titled the next year, the title year
  (2024年 -> 在2025年的政府工作报告中，… / 2025年政府工作报告中，…2024年…; a question that names the
  titled report -> the year reviewed); otherwise 2024年 <-> 2024年度;
- `region`: the smallest division holding every gold unit *and* every unit of the original answer
  (strict and candidates, or ranked), in front: 河源市 / 河源 / 河源市的 (before 哪…) / 河源各区中，(when
  all of them are of one level below it) / 在河南、山东两个省市的单位中，(when no one division holds them);
  never when a unit has no place in the index, so the expected answer is truly unchanged;
- `english` (English questions only): Which units -> Which of the units / List the units that …;
  Please tell me: … / … Thanks.

    python eval/variants.py --index SEED_INDEX --index REAL_INDEX          # both development sets
    python eval/variants.py --questions eval/real_questions.jsonl --index REAL_INDEX [--limit 20]
        [--min-rate 0.98] [--show-failures 30] [--json OUT]

Never run on the held-out sets (eval/real_questions_heldout*.jsonl): they measure what tuning did not see.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag.answer import ask
from rag.evaluate import load_questions
from rag.evaluate.questions import Question
from rag.records import Answer
from rag.retrieve import Retriever
from rag.store import DocEntry
from rag.units import in_region

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETS = (ROOT / "eval" / "questions.jsonl", ROOT / "eval" / "real_questions.jsonl")
"""The development sets: seeds (against an index of seeds/) and the real development corpus."""
KINDS = ("aggregation", "comparison", "lookup", "paraphrase", "english")
RULES = ("which", "polite", "mention", "threshold", "year", "region", "english")

ZH = re.compile(r"[\u4e00-\u9fff]")
YEAR = re.compile(r"((?:19|20)\d\d)年(?!度|以来|底|末|初|前|后|上半|下半|第)")
YEAR_DU = re.compile(r"((?:19|20)\d\d)年度")
WORK_CLAUSE = re.compile(r"^在?((?:19|20)\d\d)年的?([\u4e00-\u9fff]{0,10}?)政府工作报告(?:中|里|说|提到)?[,，]?")
"""A leading clause naming a titled 政府工作报告: 2025年上海市政府工作报告说, / 在2025年的政府工作报告中，"""
WH = re.compile(r"^((?:[^,，?？]*[,，])?(?:(?:19|20)\d\d年度?)?)(?=哪)")
"""Where 河源市的 goes: before the question word, after a leading clause or year."""
ETHNIC = (
    "维吾尔|哈萨克|柯尔克孜|塔吉克|蒙古族|朝鲜族|土家族|布依族|达斡尔族|鄂温克族|鄂伦春族|傈僳族|纳西族|景颇族|仡佬族|"
    "仫佬族|毛南族|撒拉族|东乡族|保安族|裕固族|锡伯族|哈尼族|拉祜族|布朗族|德昂族|阿昌族|基诺族|独龙族|普米族|"
    "苗族|侗族|壮族|回族|瑶族|彝族|藏族|满族|傣族|白族|黎族|羌族|畲族|水族|土族|怒族|佤族|京族|各族"
)
SUFFIX = re.compile(rf"(?:{ETHNIC})*(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|区|县|州|盟|旗|街道|镇|乡)$")
LEVEL_NOUN = {"县级部门": "部门"} | {level: level for level in ("省", "市", "区", "县", "街道", "镇", "乡")}
NUMERAL = {2: "两", 3: "三", 4: "四", 5: "五", 6: "六"}
WHICH_NOUNS = {"单位": "个", "省份": "个", "乡镇": "个", "街道": "个", "县": "个", "报告": "份"}
LIST_Q = re.compile(rf"^哪些(?P<noun>{'|'.join(WHICH_NOUNS)})(?!的)(?P<what>.+?)[?？]?$")
EN_WHICH = re.compile(r"^Which (units|provinces|townships|counties|districts|reports) (.+?)\??$")


@dataclass(frozen=True, slots=True)
class Variant:
    rule: str
    form: str
    question: str


# --- the rewrites ------------------------------------------------------------------------------


def _which(q: str) -> Iterator[Variant]:
    for noun, counter in WHICH_NOUNS.items():
        if f"哪些{noun}" not in q:
            continue
        yield Variant("which", "jige", q.replace(f"哪些{noun}", f"哪几{counter}{noun}", 1))
        if f"有哪些{noun}" not in q:
            yield Variant("which", "you", q.replace(f"哪些{noun}", f"有哪些{noun}", 1))
        m = LIST_Q.match(q)
        if m and m.group("noun") == noun:
            yield Variant("which", "tail", f"{m.group('what')}的{noun}有哪些?")
        if noun == "单位":
            yield Variant("which", "difang", q.replace("哪些单位", "哪些地方", 1))
        return


def _polite(q: str) -> Iterator[Variant]:
    if not ZH.match(q):
        return
    yield Variant("polite", "qingwen", "请问，" + q)
    yield Variant("polite", "bangwo", "帮我查一下，" + q)
    yield Variant("polite", "liaojie", "想了解一下，" + q)
    yield Variant("polite", "xiexie", q.rstrip("?？。") + "？谢谢")
    m = LIST_Q.match(q)
    if m and m.group("noun") != "报告":
        yield Variant("polite", "liechu", f"请列出{m.group('what')}的{m.group('noun')}。")


def _mention(q: str) -> Iterator[Variant]:
    verbs = ("提到", "提及", "说到", "讲到")
    for verb in verbs:
        if verb in q:
            for other in verbs:
                if other != verb:
                    yield Variant("mention", other, q.replace(verb, other, 1))
            return


def _threshold(q: str) -> Iterator[Variant]:
    if "达到100%" in q:
        for form, to in (("baifen", "达到百分之百"), ("wei-baifen", "为百分之百"), ("wei-100", "为100%")):
            yield Variant("threshold", form, q.replace("达到100%", to, 1))
    m = re.search(r"(?:是|为|达到)百分之百", q)
    if m:
        for form, to in (("dadao-100", "达到100%"), ("wei-100", "为100%")):
            yield Variant("threshold", form, q[: m.start()] + to + q[m.end() :])
    if "都已" in q:
        yield Variant("threshold", "junyi", q.replace("都已", "均已", 1))
        yield Variant("threshold", "quanbu", q.replace("都已", "全部", 1))


def _year(q: str, pointed: Sequence[DocEntry]) -> Iterator[Variant]:
    """The title year where every report the question's year points at is a 政府工作报告 reviewing
    that year; otherwise 年 <-> 年度."""
    m = WORK_CLAUSE.match(q)
    if m and "政府工作报告" in m.group(0):
        titled = int(m.group(1))
        if pointed and all(d.kind == "政府工作报告" and d.title_year == titled for d in pointed):
            rest = q[m.end() :]
            reviewed = titled - 1
            if f"{reviewed}年" in rest:
                yield Variant("year", "reviewed", rest)
            else:
                yield Variant("year", "reviewed", f"{reviewed}年{rest}")
        return
    years = {int(y) for y in YEAR.findall(q)}
    if len(years) == 1 and "政府工作报告" not in q:
        year = years.pop()
        at_year = [d for d in pointed if d.year == year]
        if at_year and all(d.kind == "政府工作报告" and d.title_year == year + 1 for d in at_year):
            y = YEAR.search(q)
            assert y is not None
            without = (q[: y.start()] + q[y.end() :]).lstrip("，, ")
            yield Variant("year", "title", f"在{year + 1}年的政府工作报告中，{without}")
            yield Variant("year", "title+reviewed", f"{year + 1}年政府工作报告中，{q}")
            return
    if YEAR.search(q):
        yield Variant("year", "niandu", YEAR.sub(r"\1年度", q))
    elif YEAR_DU.search(q):
        yield Variant("year", "nian", YEAR_DU.sub(r"\1年", q))


def short_name(full: str) -> str:
    """河源市 -> 河源, 广西壮族自治区 -> 广西, 黔东南苗族侗族自治州 -> 黔东南; '' when that leaves one character."""
    short = SUFFIX.sub("", full)
    return short if len(short) >= 2 and short != full else ""


def _docs_of(names: Sequence[str], docs: Sequence[DocEntry]) -> dict[str, list[DocEntry]] | None:
    """Each unit's reports, or None when a unit has no report or one without a place."""
    out: dict[str, list[DocEntry]] = {}
    for name in dict.fromkeys(names):
        own = [d for d in docs if d.unit == name]
        if not own or any(not d.place for d in own):
            return None
        out[name] = own
    return out


def _common(places: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    common: list[str] = []
    for level in zip(*places, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return tuple(common)


def _region(q: str, gold: Sequence[str], answered: Sequence[str], docs: Sequence[DocEntry]) -> Iterator[Variant]:
    """The smallest division holding every gold and every answered unit, in front of the question."""
    if not gold or not ZH.match(q):
        return
    by_unit = _docs_of([*gold, *answered], docs)
    if by_unit is None:
        return
    reports = [d for own in by_unit.values() for d in own]

    def inside(region: str) -> bool:
        return all(in_region(region, d.unit, d.place) for d in reports)

    common = _common([d.place for d in reports])
    if common:
        full = common[-1]
        short = short_name(full)
        if full in q or (short and short in q) or not inside(full):
            return
        yield Variant("region", "full", full + q)
        if short:
            yield Variant("region", "short", short + q)
        if WH.match(q):
            yield Variant("region", "de", WH.sub(lambda m: f"{m.group(1)}{full}的", q, count=1))
        # 河源各区: every unit of one level, below one division (a department sits in its county)
        levels = {d.level for d in reports}
        parent = _common([d.place if d.level == "县级部门" else d.place[:-1] for d in reports])
        noun = LEVEL_NOUN.get(levels.pop()) if len(levels) == 1 else None
        if noun and parent:
            name = short_name(parent[-1]) or parent[-1]
            if name not in q and parent[-1] not in q and inside(parent[-1]):
                yield Variant("region", "each", f"{name}各{noun}中，{q}")
        return
    # no one division: the set of provinces (在河南、山东两个省市的单位中，)
    tops = list(dict.fromkeys(d.place[0] for d in reports))
    if 2 <= len(tops) <= max(NUMERAL):
        names = [short_name(t) or t for t in tops]
        if any(n in q for n in names):
            return
        yield Variant("region", "set", f"在{'、'.join(names)}{NUMERAL[len(tops)]}个省市的单位中，{q}")


def _english(q: str) -> Iterator[Variant]:
    if not re.match(r"[A-Za-z]", q):
        return
    m = EN_WHICH.match(q)
    if m:
        noun, rest = m.groups()
        yield Variant("english", "which-of", f"Which of the {noun} {rest}?")
        yield Variant("english", "list", f"List the {noun} that {rest}.")
    yield Variant("english", "please", f"Please tell me: {q}")
    yield Variant("english", "thanks", f"{q.rstrip()} Thanks.")


def pointed_docs(question: Question, answer: Answer, docs: Sequence[DocEntry]) -> list[DocEntry]:
    """The reports a question is about: its gold evidence and gold units, and what the answer cites."""
    ids = {e.doc_id for e in question.evidence} | {c.chunk.doc_id for c in answer.citations}
    units = set(question.units or ())
    return [d for d in docs if d.doc_id in ids or d.unit in units]


def answered_units(answer: Answer) -> list[str]:
    """Every unit the original answer names: strict and candidates (lists), ranked (comparisons)."""
    if answer.kind in ("aggregation", "comparison"):
        return list(dict.fromkeys([*answer.units, *answer.candidates]))
    return []


def variants(question: Question, answer: Answer, docs: Sequence[DocEntry]) -> list[Variant]:
    """Every rewrite of the question that applies, given its original answer and the index's reports."""
    q = question.question.strip()
    out = [
        *_which(q),
        *_polite(q),
        *_mention(q),
        *_threshold(q),
        *_year(q, pointed_docs(question, answer, docs)),
        *_english(q),
    ]
    if question.units and answer.kind in ("aggregation", "comparison"):
        out += list(_region(q, question.units, answered_units(answer), docs))
    seen = {q}
    unique = []
    for v in out:
        if v.question not in seen:
            seen.add(v.question)
            unique.append(v)
    return unique


# --- what must not change -----------------------------------------------------------------------


def signature(a: Answer) -> tuple[Any, ...]:
    """The kind, and per kind the units listed or ranked, or the first sentence cited."""
    if a.kind == "aggregation":
        return (a.kind, frozenset(a.units), frozenset(a.candidates))
    if a.kind == "comparison":
        return (a.kind, a.units[:1], frozenset(a.units))
    if a.kind == "lookup":
        first = a.citations[0] if a.citations else None
        return (a.kind, (first.chunk.doc_id, first.quote) if first else None)
    return (a.kind,)


def differs(want: tuple[Any, ...], got: tuple[Any, ...], answer: Answer) -> str:
    """What changed, in words a reader acts on."""
    if want[0] != got[0]:
        said = answer.text.splitlines()[0][:90] if answer.text else ""
        return f"kind {want[0]} -> {got[0]} ({said})"
    if want[0] == "aggregation":
        parts = []
        for tier, a, b in (("strict", want[1], got[1]), ("candidates", want[2], got[2])):
            if a - b:
                parts.append(f"{tier} lost {sorted(a - b)}")
            if b - a:
                parts.append(f"{tier} gained {sorted(b - a)}")
        return "; ".join(parts)
    if want[0] == "comparison":
        parts = []
        if want[1] != got[1]:
            parts.append(f"top {want[1][0] if want[1] else None} -> {got[1][0] if got[1] else None}")
        if want[2] - got[2]:
            parts.append(f"ranked lost {sorted(want[2] - got[2])}")
        if got[2] - want[2]:
            parts.append(f"ranked gained {sorted(got[2] - want[2])}")
        return "; ".join(parts)
    if want[0] == "lookup":
        w, g = (f"{c[0]} '{c[1][:40]}'" if c else "none" for c in (want[1], got[1]))
        return f"first cite {w} -> {g}"
    return f"{want} -> {got}"


# --- the sweep ----------------------------------------------------------------------------------


def run(
    questions: Path,
    index: Path,
    *,
    limit: int | None = None,
    answer: Callable[[Retriever, str], Answer] = ask,
    retriever: Retriever | None = None,
) -> dict[str, Any]:
    """Every variant of every list, comparison and lookup question of one set, asked against its index."""
    if "heldout" in questions.name:
        raise SystemExit(f"{questions}: the held-out sets are never tuned on; run variants on development sets")
    retriever = retriever or Retriever.open(index)
    docs = list(retriever.documents)
    rows: list[dict[str, Any]] = []
    seconds: list[float] = []
    asked = [q for q in load_questions(questions) if q.kind in KINDS][:limit]
    for q in asked:
        started = time.perf_counter()
        original = answer(retriever, q.question)
        seconds.append(time.perf_counter() - started)
        want = signature(original)
        for v in variants(q, original, docs):
            started = time.perf_counter()
            got_answer = answer(retriever, v.question)
            seconds.append(time.perf_counter() - started)
            got = signature(got_answer)
            rows.append(
                {
                    "set": questions.name,
                    "id": q.id,
                    "kind": q.kind,
                    "answer_kind": original.kind,
                    "rule": v.rule,
                    "form": v.form,
                    "original": q.question,
                    "variant": v.question,
                    "same": got == want,
                    "differs": "" if got == want else differs(want, got, got_answer),
                }
            )
    return {
        "set": questions.name,
        "questions": len(asked),
        "variants": len(rows),
        "same": sum(r["same"] for r in rows),
        "rate": sum(r["same"] for r in rows) / len(rows) if rows else 1.0,
        "median_ms": round(1000 * statistics.median(seconds), 1) if seconds else 0.0,
        "asks": len(seconds),
        "seconds": round(sum(seconds), 1),
        "rows": rows,
    }


def tally(rows: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> dict[str, dict[str, Any]]:
    made: Counter[str] = Counter(key(r) for r in rows)
    kept: Counter[str] = Counter(key(r) for r in rows if r["same"])
    return {k: {"variants": n, "same": kept[k], "rate": round(kept[k] / n, 3)} for k, n in sorted(made.items())}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument(
        "--questions",
        type=Path,
        action="append",
        help="a development question set (repeatable; default: eval/questions.jsonl and eval/real_questions.jsonl)",
    )
    ap.add_argument("--index", type=Path, action="append", required=True, help="the index of each --questions set")
    ap.add_argument("--limit", type=int, help="only the first N list/comparison/lookup questions of each set")
    ap.add_argument("--min-rate", type=float, help="exit 1 when the invariance rate is below it (CI: 0.98)")
    ap.add_argument("--show-failures", type=int, default=30, help="how many failing variants to list")
    ap.add_argument("--json", type=Path, help="write the summary and every variant with its outcome here")
    args = ap.parse_args(argv)
    sets = args.questions or list(DEFAULT_SETS)
    if len(sets) != len(args.index):
        ap.error(f"give one --index per question set ({len(sets)} sets: {', '.join(p.name for p in sets)})")
    if any("heldout" in p.name for p in sets):
        ap.error("the held-out sets are never tuned on: run variants on development sets only")
    started = time.perf_counter()
    results = [run(q, ix, limit=args.limit) for q, ix in zip(sets, args.index, strict=True)]
    wall = time.perf_counter() - started
    rows = [r for res in results for r in res["rows"]]
    total, kept = len(rows), sum(r["same"] for r in rows)
    rate = kept / total if total else 1.0
    by_rule = tally(rows, lambda r: str(r["rule"]))
    by_form = tally(rows, lambda r: f"{r['rule']}/{r['form']}")

    print("| rule | variants | same | rate |\n|---|---|---|---|")
    for rule, t in by_rule.items():
        print(f"| {rule} | {t['variants']} | {t['same']} | {t['rate']:.3f} |")
    print(f"| all | {total} | {kept} | {rate:.3f} |")
    print("\nby form: " + ", ".join(f"{k} {t['same']}/{t['variants']}" for k, t in by_form.items()))
    for res in results:
        print(
            f"{res['set']}: {res['questions']} questions, {res['variants']} variants, rate {res['rate']:.3f}; "
            f"{res['asks']} asks, median {res['median_ms']} ms, {res['seconds']} s"
        )
    print(f"invariance {rate:.3f} ({kept}/{total}) in {wall:.0f} s")
    failing = [r for r in rows if not r["same"]]
    if failing:
        print(f"\nfailing variants ({len(failing)}):")
    for r in failing[: args.show_failures]:
        print(f"- [{r['rule']}/{r['form']}] {r['id']} {r['original']}\n    -> {r['variant']}\n    {r['differs']}")
    if len(failing) > args.show_failures:
        print(f"… and {len(failing) - args.show_failures} more (--show-failures N, or --json)")
    if args.json:
        summary = {
            "rate": rate,
            "variants": total,
            "same": kept,
            "seconds": round(wall, 1),
            "rules": by_rule,
            "forms": by_form,
            "sets": [{k: v for k, v in res.items() if k != "rows"} for res in results],
            "rows": rows,
        }
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.min_rate is not None and rate < args.min_rate:
        print(f"invariance {rate:.3f} is below {args.min_rate}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
