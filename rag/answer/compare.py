"""Comparisons: one value per report, like compared with like (measure), each value's year shown."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rag.answer.evidence import (
    Citations,
    Context,
    Evidence,
    coverage_line,
    figure_checks,
    in_scope,
    per_report,
    twin_checks,
    unanswerable,
)
from rag.answer.figures import Subject, term_pieces
from rag.ledger import LedgerRow
from rag.quantities import Quantity, same_measure
from rag.question import Term
from rag.question.synonyms import synonyms
from rag.records import Answer
from rag.retrieve import Scope
from rag.store import DocEntry

REPORT_YEAR = re.compile(r"（\d{4}年报告）|\(\d{4} report\)")
"""The year a value's report covers, from the index, not the text: like the unit name it labels the
claim, so it is the one number in a value line that no quote need hold."""
NOTE_PREFIXES = ("注意：", "Note:", "未参与比较", "Not ranked")
"""Comparison notes about the values (their years, their measures), not claims from a report."""


_Row = tuple[str, Quantity, Evidence]


NAME_IN_QUOTES = re.compile(r"“[^”]{1,24}”|《[^》]{1,40}》|「[^」]{1,24}」|\"[^\"]{1,24}\"")


HEAD_NOUNS = ("案件", "事项", "文件", "申请", "纠纷", "建议", "提案", "项目", "活动", "培训", "信息")
"""Nouns reports count many kinds of (行政执法案件, 法律援助案件, 行政复议案件): the words before one say
which kind, and a count of another kind is not the count asked."""


def other_kind(question: str, quote: str, q: Quantity) -> bool:
    """The number counts another kind of the noun the question names: 行政执法案件 asked, the clause
    says 法律援助案件27万件. Read only where the noun ends the phrase in both: right before the number
    in the sentence (办理…案件27万件), right before what is asked in the question (…案件最多); the two
    characters before it name the kind. A question that names no kind (办理的案件) restricts nothing."""
    before = NUMBER_LEAD.sub("", quote[: q.start])
    # 工业对GDP增长贡献率45%: a share or rate of another name (贡献率, 比重) is not the growth asked
    rate = re.search(r"([\u4e00-\u9fff]{2})(率|比重|占比)$", before) if q.is_percent else None
    if rate and rate.group(1) not in question and not any(w in question for w in synonyms(rate.group(1))):
        return True
    for head in HEAD_NOUNS:
        asked = re.search(r"([\u4e00-\u9fff]{2})" + head + ASKED_END, question)
        if asked is None or asked.group(1) in FRAME_BEFORE_HEAD or asked.group(1).endswith("的"):
            continue
        said = re.search(r"([\u4e00-\u9fff]{2})" + head + "$", before)
        if said and said.group(1) != asked.group(1) and said.group(1) not in FRAME_BEFORE_HEAD:
            return not said.group(1).endswith("的")
    return False


NUMBER_LEAD = re.compile(r"(?:共计|合计|累计|总计|共|达到|达|为|计|约)+$")
ASKED_END = r"(?=最多|最少|更多|更少|数量|数|多少|总数|排|，|,|？|\?|$)"
FRAME_BEFORE_HEAD = ("办理", "受理", "处理", "办结", "审结", "收到", "各类", "相关", "全部", "所有", "的")


def _value(ctx: Context, e: Evidence) -> Quantity | None:
    """The number a comparison reads from a sentence: the one right after the rarest term found."""
    named = [m.span() for m in NAME_IN_QUOTES.finditer(e.quote)]
    pool = [
        q
        for q in e.verdict.quantities
        if (not ctx.a.measure or same_measure(q.measure, ctx.a.measure))
        and (q.is_percent if ctx.a.wants_percent else not q.is_percent)
        # “三项制度”, 《…五年规划》: a number inside a quoted name is part of the name, not a value
        and not any(a <= q.start and q.end <= b for a, b in named)
    ]
    if not pool:
        return None
    ranked = sorted(zip(ctx.a.terms, ctx.weights, strict=True), key=lambda tw: -tw[1])
    for term, _ in ranked:
        span = _position(term, e.quote)
        if span is not None:
            # a number in the term's own clause first ("办理政协提案522件", not "法规议案27件" before it)
            own = [q for q in pool if _same_clause(e.quote, span, q)] or pool
            # "审查合同73份" has the number after its noun, "共87名网格员" before it: take the nearest
            return min(
                own,
                key=lambda q: (
                    q.start - span[1] if q.start >= span[1] else 2 * (span[0] - q.end) if q.end <= span[0] else 10_000
                ),
            )
    return pool[0]


CLAUSE_BREAK = re.compile(r"[，,；;。：:！!？?]")


def _same_clause(text: str, span: tuple[int, int], q: Quantity) -> bool:
    a, b = (span[1], q.start) if q.start >= span[1] else (q.end, span[0])
    return a <= b and CLAUSE_BREAK.search(text[a:b]) is None


def _position(term: Term, text: str) -> tuple[int, int] | None:
    found = [(text.find(a), text.find(a) + len(a)) for a in term.alternatives if a in text]
    return min(found) if found else None


def _like_with_like(ctx: Context, rows: list[_Row]) -> tuple[list[_Row], list[_Row]]:
    """Rows in the question's measure (or the measure most rows state), and the rest: a rate is never
    ranked against a count. 篇 and 条 (件/宗, 人/名) rank together, marked in the answer."""
    if not rows:
        return rows, []
    wanted = ctx.a.measure or Counter(q.measure for _, q, _ in rows).most_common(1)[0][0]
    return (
        [r for r in rows if same_measure(r[1].measure, wanted)],
        [r for r in rows if not same_measure(r[1].measure, wanted)],
    )


def _stated(ctx: Context, rows: list[LedgerRow], evidence: list[Evidence]) -> tuple[Quantity, Evidence] | None:
    """The ledger first: the best judged sentence stating one of the report's rows for the question's
    subject; its value is the row's figure, not a number guessed near a term."""
    for e in evidence:
        if not ctx.answerable(e):
            continue
        for row in rows:
            if row.doc_id != e.chunk.doc_id or not e.chunk.start <= row.start < e.chunk.end or row.span not in e.quote:
                continue
            q = next((q for q in e.verdict.quantities if q.measure == row.measure and q.value == row.value), None)
            if q is not None and not other_kind(ctx.question, e.quote, q):
                return q, e
    return None


def _comparable_rows(ctx: Context, docs: Sequence[DocEntry]) -> dict[str, list[LedgerRow]]:
    """Each report's ledger rows that may name what the question compares: Subject.of's first two
    tests (a measure it compares; a piece of its terms in the row's indicator or span), done over the
    ledger's columns and names (rag.store.columns). At 10,000 reports the rest, most of 900,000 rows,
    are never parsed; an index written before the names gives the rows of the measure."""
    a = ctx.a
    if not a.terms:  # Subject.of then reads no row
        return {d.doc_id: [] for d in docs}
    pieces = sorted(term_pieces(a))

    def keep(
        values: npt.NDArray[np.float64], codes: npt.NDArray[np.int32], names: npt.NDArray[np.str_]
    ) -> npt.NDArray[np.bool_]:
        fits = [
            (not a.measure or same_measure(str(n), a.measure)) and (str(n) == "%") == a.wants_percent for n in names
        ]
        return np.asarray(fits, dtype=bool)[codes] if len(values) else np.zeros(0, dtype=bool)

    picked = ctx.retriever.ledger_where(keep, holding=pieces)
    return {d.doc_id: picked.get(d.doc_id, []) for d in docs}


def compare(ctx: Context, scope: Scope) -> Answer:
    named = set(ctx.retriever.units_in(ctx.question)) if scope.unit is None else set()
    docs = [d for d in in_scope(ctx, scope) if not named or d.unit in named]
    # a ranking is over the reports known to lie in the question's region and years; those that only
    # may (their place or year unsettled) are ranked only when no report is known to
    docs = [d for d in docs if ctx.reach.sure(d)] or docs
    subject = Subject.of(ctx.a, ctx.weights, _comparable_rows(ctx, docs))
    reports = per_report(ctx, scope, subject.rows, docs)
    found_rows: list[_Row] = []
    unnamed: list[_Row] = []
    elsewhere: list[_Row] = []
    silent: list[str] = []
    for doc_id, name, evidence in reports:
        found = _stated(ctx, subject.rows.get(doc_id, []), evidence)
        if found is None:
            values = [(q, e) for e in evidence if ctx.answerable(e) and (q := _value(ctx, e)) is not None]
            kind_asked = [(q, e) for q, e in values if not other_kind(ctx.question, e.quote, q)]
            found = next(((q, e) for q, e in kind_asked if subject.names(e.quote, q)), None)
            if found is None and kind_asked:
                unnamed.append((name, *kind_asked[0]))
                continue
            if found is None and values:  # only counts of another kind (法律援助案件 for 行政执法案件)
                elsewhere.append((name, *values[0]))
                continue
        if found is None:
            silent.append(name)
        else:
            found_rows.append((name, found[0], found[1]))
    rows, other = _like_with_like(ctx, found_rows)
    unchecked = not rows and bool(unnamed)
    if unchecked:  # no value names what is asked: rank what was found, flagged, rather than nothing
        rows, other = _like_with_like(ctx, unnamed)
        unnamed = []
    unnamed += elsewhere  # another kind of what is asked is never ranked, only shown to check
    coverage = coverage_line(ctx, len(reports), [r[0] for r in rows], silent, "有数值", "state a value")
    if not rows:
        return unanswerable(ctx, "没有报告给出可比较的数值。", "No report states a comparable value.", coverage)
    rows.sort(key=lambda r: r[1].value, reverse=ctx.a.direction == "max")
    # one unit's reports over several years (霞山区这两年…) are told apart by their year
    by_year = len({n for n, _, _ in rows}) < len(rows)
    label = [f"{n}（{e.chunk.year}年报告）" if by_year and e.chunk.year else n for n, _, e in rows]
    cites = Citations()
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
    if unchecked:
        lines.append(
            "Note: no value above is named as what was asked; check each quote."
            if en
            else "注意：以上数值均未写明是所问的指标，请逐条核对原文。"
        )
    if unnamed:
        shown = [f"{n} {q.display()}（{e.quote}）{cites.cite(e)}" for n, q, e in unnamed]
        lines.append(
            f"Not ranked (the value is not named as what was asked; check): {'; '.join(shown)}."
            if en
            else f"未参与比较（数值未写明是所问的指标，请核对）：{'；'.join(shown)}。"
        )
    lines.append(coverage)
    return Answer(
        question=ctx.question,
        kind="comparison",
        text="\n".join(lines),
        citations=tuple(cites.items),
        units=tuple(r[0] for r in rows),
        values=tuple((n, q.value, q.measure) for n, q, _ in rows),
        silent=tuple(dict.fromkeys(silent)),
        notices=figure_checks([(n, e) for n, _, e in rows]) + twin_checks([(n, e) for n, _, e in rows]),
    )


def _comparison_notes(ctx: Context, rows: list[_Row], other: list[_Row]) -> list[str]:
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
