"""ask(): extractive answers whose every claim quotes and cites an evidence sentence.

Imports rag.retrieve and below; never the CLI, UI or evaluator. No language model: the answer is
built from sentences of the reports, chosen by term coverage, sentence similarity and the
question's numeric constraints. "Which units" questions read every report, not just the top-k.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rag.errors import InputError
from rag.judge import Judge, Verdict
from rag.quantities import Quantity, quantities_in
from rag.question import Glossary, Term, analyse
from rag.records import Answer, Chunk, Citation, Hit
from rag.retrieve import Retriever, Scope
from rag.segmentation import Segmenter
from rag.store import DocEntry

COVERAGE_PREFIXES = ("检索范围", "Coverage")
"""The last line of list answers says what was searched; it reports on the search, not on a
report, so it is the one line whose numbers are not quoted evidence."""
REPORT_YEAR = re.compile(r"（\d{4}年报告）|\(\d{4} report\)")
"""The year a value's report covers, from the index, not the text: like the unit name it labels the
claim, so it is the one number in a value line that no quote need hold."""
NOTE_PREFIXES = ("注意：", "Note:", "未参与比较", "Not ranked")
"""Comparison notes about the values (their years, their measures), not claims from a report."""
LOOKUP_DEPTH = 8
PER_REPORT_DEPTH = 4
MAX_QUOTE = 160
"""Characters above which a quote is cut down to the clauses that carry the evidence."""
CLAUSE = re.compile(r"[^,，;；]+[,，;；]?")


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence of a passage and the judge's verdict on it."""

    chunk: Chunk
    verdict: Verdict

    @property
    def quote(self) -> str:
        return self.verdict.quote

    @property
    def score(self) -> float:
        return self.verdict.score


class _Context:
    """One question against one retriever: the analysis, its judge and the retriever."""

    def __init__(self, retriever: Retriever, question: str, segmenter: Segmenter, glossary: Glossary) -> None:
        self.retriever = retriever
        self.question = question
        self.a = analyse(question, segmenter=segmenter, glossary=glossary, unit_aliases=retriever.all_aliases)
        self.weights = [t.weight * max(retriever.rarity(alt) for alt in t.alternatives) for t in self.a.terms]
        self.judge = Judge(self.a, self.weights, retriever.query_vector(question))

    def evidence(self, hits: Sequence[Hit]) -> list[Evidence]:
        out: list[Evidence] = []
        seen: set[tuple[str, int]] = set()
        for hit in hits:
            previous = ""
            for a, b, vec in self.retriever.sentences(hit.chunk):
                sentence = hit.chunk.text[a:b]
                if (hit.chunk.chunk_id, a) not in seen and b - a >= 6:
                    seen.add((hit.chunk.chunk_id, a))
                    verdict = self.judge.judge(
                        sentence, vec, quote=self._trim(sentence), context=previous, section=hit.chunk.section[-1]
                    )
                    out.append(Evidence(hit.chunk, verdict))
                previous = sentence
        return sorted(out, key=lambda e: -e.score)

    def _trim(self, sentence: str) -> str:
        """A long sentence is cut to the run of clauses (at most three) that holds the most evidence:
        a number meeting the question's constraint first, then term coverage, then any number."""
        if len(sentence) <= MAX_QUOTE:
            return sentence
        clauses = [m.group(0) for m in CLAUSE.finditer(sentence)]
        best, best_score = sentence[:MAX_QUOTE], -1.0
        for i in range(len(clauses)):
            for j in range(i + 1, min(i + 3, len(clauses)) + 1):
                text = "".join(clauses[i:j]).strip().rstrip(",，;；")
                has_qty = any(q.measure for q in quantities_in(text))
                score = self.judge.coverage(text) + 0.3 * has_qty + 1.0 * self.judge.meets(text) - 0.001 * len(text)
                if score > best_score and text in sentence:
                    best, best_score = text, score
        return best

    def answerable(self, e: Evidence) -> bool:
        return e.verdict.answers


class _Citations:
    """Numbers citations in order of first use; the same quote cited twice keeps its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []

    def cite(self, e: Evidence) -> str:
        for c in self.items:
            if c.chunk.chunk_id == e.chunk.chunk_id and c.quote == e.quote:
                return f"[{c.n}]"
        self.items.append(Citation(n=len(self.items) + 1, chunk=e.chunk, quote=e.quote))
        return f"[{len(self.items)}]"


@functools.cache
def default_glossary() -> Glossary:
    """The bundled glossary, read once per process: it is immutable package data."""
    return Glossary()


def ask(
    retriever: Retriever,
    question: str,
    *,
    unit: str | None = None,
    year: int | None = None,
    kind: str | None = None,
    region: str | None = None,
    segmenter: Segmenter | None = None,
    glossary: Glossary | None = None,
) -> Answer:
    """Answer from the indexed reports only; when nothing supports an answer, say so."""
    question = question.strip()
    if not question:
        raise InputError("question: must not be empty")
    ctx = _Context(retriever, question, segmenter or retriever.segmenter, glossary or default_glossary())
    scope = Scope(unit, year, kind, region)
    retriever.allowed_rows(**scope.kwargs())  # validates the filters before any work
    if ctx.a.unknown_places and not retriever.units_in(question):
        return _unanswerable(
            ctx,
            f"已索引的报告中没有{'、'.join(ctx.a.unknown_places)}的报告。",
            f"No indexed report comes from {', '.join(ctx.a.unknown_places)}.",
        )
    if ctx.a.kind == "lookup":
        return _lookup(ctx, scope)
    scope = _with_question_scope(ctx, scope)
    if not _in_scope(ctx, scope):
        return _unanswerable(ctx, _missing_zh(ctx, scope), _missing_en(ctx, scope))
    if ctx.a.kind == "aggregation":
        return _aggregate(ctx, scope)
    return _compare(ctx, scope)


def _with_question_scope(ctx: _Context, scope: Scope) -> Scope:
    """The year and kind the question names apply where the caller set none: "2022年的法治政府
    建设报告中，哪些单位…" asks about those reports only."""
    qs = ctx.a.scope
    return Scope(
        scope.unit,
        scope.year if scope.year is not None else qs.year,
        scope.kind or qs.kind,
        scope.region,
    )


def _in_scope(ctx: _Context, scope: Scope) -> list[DocEntry]:
    """The reports a list or comparison reads: the filters, then the level of unit the question lists."""
    allowed = ctx.retriever.allowed_rows(**scope.kwargs())
    return [
        d
        for d in ctx.retriever.documents
        if (allowed is None or allowed[d.first]) and ctx.a.scope.admits_level(d.level)
    ]


def _missing_zh(ctx: _Context, scope: Scope) -> str:
    what = "".join([f"{scope.year}年的" if scope.year else "", "、".join(ctx.a.scope.levels), scope.kind or ""])
    return f"已索引的报告中没有{what}报告。"


def _missing_en(ctx: _Context, scope: Scope) -> str:
    parts = [str(scope.year) if scope.year else "", "/".join(ctx.a.scope.levels), scope.kind or ""]
    return "No indexed report matches " + " ".join(p for p in parts if p) + "."


def _unanswerable(ctx: _Context, zh: str, en: str, coverage: str = "") -> Answer:
    lead = "Not found in the indexed reports. " + en if ctx.a.english else "未在已索引的报告中找到答案。" + zh
    text = lead + (("\n" + coverage) if coverage else "")
    return Answer(question=ctx.question, kind="unanswerable", text=text)


def _lookup(ctx: _Context, scope: Scope) -> Answer:
    named = ctx.retriever.units_in(ctx.question) if scope.unit is None else []
    hits = ctx.retriever.search(ctx.question, k=LOOKUP_DEPTH, **scope.kwargs())
    if named:
        hits = [h for h in hits if h.chunk.unit in named] or hits
    candidates = [e for e in ctx.evidence(hits) if ctx.answerable(e)]
    if ctx.a.wants_number:
        candidates = [e for e in candidates if e.verdict.has_number]
    if ctx.a.constraints:
        candidates = [e for e in candidates if e.verdict.meets]
    if not candidates:
        return _unanswerable(ctx, "相关段落没有回答这个问题的内容。", "No passage answers this question.")
    best = candidates[0]
    chosen = [best] + [e for e in candidates[1:2] if e.chunk.unit == best.chunk.unit and e.score >= 0.9 * best.score]
    cites = _Citations()
    lines = []
    for e in chosen:
        who = f"According to {e.chunk.unit}" if ctx.a.english else f"据{e.chunk.unit}报告"
        lines.append(f"{who}: {e.quote}{cites.cite(e)}" if ctx.a.english else f"{who}：{e.quote}{cites.cite(e)}")
    return Answer(
        question=ctx.question,
        kind="lookup",
        text="\n".join(lines),
        citations=tuple(cites.items),
        units=(best.chunk.unit,),
    )


def evidence_by_report(retriever: Retriever, question: str) -> list[tuple[str, str, list[Evidence]]]:
    """(doc_id, unit, judged evidence best first) per report in the question's own scope: what a
    "which units" answer chooses from, for calibrating the judge (eval/calibrate.py)."""
    ctx = _Context(retriever, question, retriever.segmenter, default_glossary())
    return _per_report(ctx, _with_question_scope(ctx, Scope()))


def _per_report(ctx: _Context, scope: Scope) -> list[tuple[str, str, list[Evidence]]]:
    """(doc_id, unit, evidence best first) for every report in scope: the whole corpus, not a top-k."""
    out = []
    for d in _in_scope(ctx, scope):
        hits = ctx.retriever.search(ctx.question, k=PER_REPORT_DEPTH, doc_ids=[d.doc_id])
        out.append((d.doc_id, d.unit, ctx.evidence(hits)))
    return out


def _coverage_line(
    ctx: _Context,
    searched: int,
    qualified: Sequence[str],
    silent: Sequence[str],
    noun_zh: str = "符合",
    noun_en: str = "qualify",
) -> str:
    if ctx.a.english:
        tail = f"; silent: {', '.join(silent)}" if silent else "; every report mentions it"
        return f"Coverage: searched {searched} reports, {len(qualified)} {noun_en}{tail}."
    tail = f"；未提及：{'、'.join(silent)}" if silent else "；每份报告都有提及"
    return f"检索范围：共检索{searched}份报告，{len(qualified)}份{noun_zh}{tail}。"


def _aggregate(ctx: _Context, scope: Scope) -> Answer:
    cites = _Citations()
    qualified: list[tuple[str, Evidence]] = []
    related: list[tuple[str, Evidence]] = []
    silent: list[str] = []
    reports = _per_report(ctx, scope)
    best: list[tuple[str, Evidence | None]] = []
    for _, name, evidence in reports:
        good = [e for e in evidence if e.verdict.qualifies]
        near = [e for e in evidence if e.verdict.candidate]
        pick = good or near
        best.append((name, pick[0] if pick else None))
    keep = ctx.judge.standouts([e.verdict for _, e in best if e is not None])
    kept = iter(keep)
    for name, e in best:
        if e is None:
            silent.append(name)
        elif next(kept):
            qualified.append((name, e))
        else:
            related.append((name, e))
    names = [n for n, _ in qualified]
    coverage = _coverage_line(ctx, len(reports), names, silent)
    if not qualified and not related:
        return _unanswerable(ctx, "没有单位的报告满足这个问题。", "No report meets this question.", coverage)
    en = ctx.a.english
    if qualified:
        lines = ["Units whose reports meet the question:" if en else "符合条件的单位："]
    else:  # nothing to list, but the reviewer still sees what might qualify
        lines = ["No report clearly meets the question." if en else "没有报告明确符合条件。"]
    sep = ": " if en else "："
    lines += [f"- {n}{sep}{e.quote}{cites.cite(e)}" for n, e in qualified]
    if related:
        lines.append("May be relevant, please check:" if en else "可能相关，请核对：")
        lines += [f"- {n}{sep}{e.quote}{cites.cite(e)}" for n, e in related]
    lines.append(coverage)
    return Answer(
        question=ctx.question,
        kind="aggregation",
        text="\n".join(lines),
        citations=tuple(cites.items),
        units=tuple(names),
        candidates=tuple(n for n, _ in related),
    )


_Row = tuple[str, Quantity, Evidence]


def _value(ctx: _Context, e: Evidence) -> Quantity | None:
    """The number a comparison reads from a sentence: the one right after the rarest term found."""
    pool = [
        q
        for q in e.verdict.quantities
        if (not ctx.a.measure or q.measure == ctx.a.measure)
        and (q.is_percent if ctx.a.wants_percent else not q.is_percent)
    ]
    if not pool:
        return None
    ranked = sorted(zip(ctx.a.terms, ctx.weights, strict=True), key=lambda tw: -tw[1])
    for term, _ in ranked:
        span = _position(term, e.quote)
        if span is not None:
            # "审查合同73份" has the number after its noun, "共87名网格员" before it: take the nearest
            return min(
                pool,
                key=lambda q: (
                    q.start - span[1] if q.start >= span[1] else 2 * (span[0] - q.end) if q.end <= span[0] else 10_000
                ),
            )
    return pool[0]


def _position(term: Term, text: str) -> tuple[int, int] | None:
    found = [(text.find(a), text.find(a) + len(a)) for a in term.alternatives if a in text]
    return min(found) if found else None


COMPARABLE_MEASURES = ({"条", "篇"}, {"件", "宗"}, {"人", "名"})
"""Measures compared with a note: a document counted as 篇 in one report is 条 in another."""


def _like_with_like(ctx: _Context, rows: list[_Row]) -> tuple[list[_Row], list[_Row]]:
    """Rows in the question's measure (or the measure most rows state), and the rest: a rate is never
    ranked against a count. 篇 and 条 (件/宗, 人/名) rank together, marked in the answer."""
    if not rows:
        return rows, []
    wanted = ctx.a.measure or Counter(q.measure for _, q, _ in rows).most_common(1)[0][0]
    near = next((g for g in COMPARABLE_MEASURES if wanted in g), {wanted})
    return [r for r in rows if r[1].measure in near], [r for r in rows if r[1].measure not in near]


def _compare(ctx: _Context, scope: Scope) -> Answer:
    named = set(ctx.retriever.units_in(ctx.question)) if scope.unit is None else set()
    reports = [r for r in _per_report(ctx, scope) if not named or r[1] in named]
    found_rows: list[_Row] = []
    silent: list[str] = []
    for _, name, evidence in reports:
        found = next(((q, e) for e in evidence if ctx.answerable(e) and (q := _value(ctx, e)) is not None), None)
        if found is None:
            silent.append(name)
        else:
            found_rows.append((name, found[0], found[1]))
    rows, other = _like_with_like(ctx, found_rows)
    coverage = _coverage_line(ctx, len(reports), [r[0] for r in rows], silent, "有数值", "state a value")
    if not rows:
        return _unanswerable(ctx, "没有报告给出可比较的数值。", "No report states a comparable value.", coverage)
    rows.sort(key=lambda r: r[1].value, reverse=ctx.a.direction == "max")
    # one unit's reports over several years (霞山区这两年…) are told apart by their year
    by_year = len({n for n, _, _ in rows}) < len(rows)
    label = [f"{n}（{e.chunk.year}年报告）" if by_year and e.chunk.year else n for n, _, e in rows]
    cites = _Citations()
    marks = [cites.cite(e) for _, _, e in rows]
    top_q = rows[0][1]
    en = ctx.a.english
    if en:
        word = "highest" if ctx.a.direction == "max" else "lowest"
        lines = [f"{label[0]} has the {word} value: {top_q.display()}{marks[0]}.", "Values by unit:"]
    else:
        word = "最多" if ctx.a.direction == "max" else "最少"
        lines = [f"{label[0]}{word}：{top_q.display()}{marks[0]}。", "各单位数值："]
    for lab, (_, q, e), m in zip(label, rows, marks, strict=True):
        year = (
            (f" ({e.chunk.year} report)" if en else f"（{e.chunk.year}年报告）") if e.chunk.year and not by_year else ""
        )
        lines.append(f"- {lab}{year}：{q.display()}（{e.quote}）{m}")
    lines += _comparison_notes(ctx, rows, other)
    lines.append(coverage)
    return Answer(
        question=ctx.question,
        kind="comparison",
        text="\n".join(lines),
        citations=tuple(cites.items),
        units=tuple(r[0] for r in rows),
        values=tuple((n, q.value, q.measure) for n, q, _ in rows),
    )


def _comparison_notes(ctx: _Context, rows: list[_Row], other: list[_Row]) -> list[str]:
    """Warnings a reader needs before trusting the ranking: mixed years, mixed measures, left-outs."""
    notes = []
    years = sorted({e.chunk.year for _, _, e in rows if e.chunk.year})
    if len(years) > 1:
        span = "、".join(map(str, years))
        notes.append(
            f"Note: the values come from different years ({span})."
            if ctx.a.english
            else f"注意：以上数值来自不同年份（{span}年），比较时请留意。"
        )
    measures = sorted({q.measure for _, q, _ in rows})
    if len(measures) > 1:
        notes.append(
            f"Note: counted in different measures ({'/'.join(measures)})."
            if ctx.a.english
            else f"注意：各报告计量单位不同（{'、'.join(measures)}），已并列比较。"
        )
    if other:
        names = "、".join(n for n, _, _ in other)
        notes.append(
            f"Not ranked (another measure): {names}." if ctx.a.english else f"未参与比较（计量单位不同）：{names}。"
        )
    return notes
