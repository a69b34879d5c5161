"""What every answer is built from: evidence sentences of the reports, judged, and their citations.

The shared part of rag.answer: the question's context (analysis, judge, retriever), the reports a
list or comparison reads, and the lines every answer ends with. Imports rag.retrieve and below.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rag.answer.reach import Reach, place_words
from rag.judge import Judge, Thresholds, Verdict, llm, thresholds, universal
from rag.judge.universal import Universal
from rag.ledger import LedgerRow
from rag.ledger.checks import rate_checks
from rag.quantities import quantities_in, same_measure
from rag.question import Glossary, Term, analyse
from rag.question.scope import without_scope_words
from rag.records import Answer, Chunk, Citation, Hit
from rag.retrieve import Retriever, Scope
from rag.segmentation import Segmenter
from rag.store import DocEntry

COVERAGE_PREFIXES = ("检索范围", "Coverage")
"""The last line of list answers says what was searched; it reports on the search, not on a
report, so it is the one line whose numbers are not quoted evidence."""


LOOKUP_DEPTH = 8
PER_REPORT_DEPTH = 6
MAX_QUOTE = 160
"""Characters above which a quote is cut down to the clauses that carry the evidence."""
OPS = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: abs(a - b) < 1e-9,
}
"""A constraint's comparison, for the ledger's values (the judge re-reads the sentence itself)."""
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


SHARED = re.compile(r"(?<![人平])均(?=[为达已在实现有按超保])|都(?=[为是达已在实现有按])|皆|一律|全部")
"""Words by which a clause speaks of what the clauses before it named (办复率均为100%)."""


WHERE_CLAUSE = re.compile(r"^\s*(?:在|从|于)?[^，,。？?]{0,24}?(?:中|里|内|当中|之中)\s*[，,]\s*")
"""A leading clause that only says where to look (在江西、陕西、福建三个省市的单位中，)."""


def _rarity(retriever: Retriever, term: Term) -> float:
    """The rarest way the indexed reports write the term; a synonym no report uses (当官的 for 领导干部)
    does not count, or it would make the term the heaviest of the question."""
    used = [alt for alt in term.alternatives if retriever.occurs(alt)]
    return max(retriever.rarity(alt) for alt in (used or term.words))


class Context:
    """One question against one retriever: the analysis, its judge and the retriever."""

    def __init__(
        self,
        retriever: Retriever,
        question: str,
        segmenter: Segmenter,
        glossary: Glossary,
        limits: Thresholds | None = None,
    ) -> None:
        self.retriever = retriever
        self.question = question
        self.reach = Reach()
        """The regions and years the question's words keep (rag.answer.reach), read with its scope."""
        self.notices: list[str] = []
        """How the question's scope was read, where a reader should know (a level no report has, dropped)."""
        self.levels_dropped = False
        aliases = retriever.all_aliases
        # a division named to scope the question (广东省哪些单位…) is read by rag.answer.reach, not a term
        places = place_words(question, aliases)
        self.a = analyse(question, segmenter=segmenter, glossary=glossary, unit_aliases=aliases | places)
        self.searched = question
        """What is searched and compared in meaning: the question without the divisions that scope it
        (广东省哪些单位… reads the 广东 reports for what 哪些单位… asks, not for the word 广东)."""
        for word in sorted(places, key=len, reverse=True):
            self.searched = self.searched.replace(word, "")
        if places:  # 在江西、陕西、福建三个省市的单位中，…: the clause only said where to look
            self.searched = re.sub(
                r"^\s*(?:在|从|于)?[^，,。？?]{0,24}?(?:中|里|内|当中|之中)\s*[，,]\s*", "", self.searched
            )
        self.searched = re.sub(r"^[的、，,\s]+", "", self.searched) or question
        if self.a.kind != "lookup":  # a list or comparison reads the years and kinds as filters only
            self.searched = without_scope_words(self.searched)
        # a term weighs what the question's own word weighs: a synonym (当官的 for 领导干部) that no
        # report uses must not make the term the rarest of the question
        self.weights = [t.weight * _rarity(retriever, t) for t in self.a.terms]
        limits = limits or thresholds()
        second = Universal(question) if self.a.english and limits.universal_english and universal.available() else None
        self.judge = Judge(
            self.a,
            self.weights,
            retriever.query_vector(self.searched),
            limits=limits,
            universal=second,
            endpoint=llm.settings() if self.a.kind == "aggregation" else None,
        )

    def evidence(self, hits: Sequence[Hit], *, lean: bool = False) -> list[Evidence]:
        """Every sentence of the hits, judged, best first. `lean` (lists and comparisons, which read
        every report): of the sentences with none of the question's terms only the closest in meaning
        is returned, judged unrelated without trimming it or reading its numbers. None of them is ever
        shown; a list asks only which sentence of a report is closest (measured at 10,064 reports:
        107,492 such verdicts for one question, a sixth of its time). A passage holding none of the
        terms has no sentence that does, so its sentences are only measured, with one product."""
        items: list[tuple[Chunk, str, npt.NDArray[np.float32], str, str]] = []
        closest: tuple[float, Chunk, str, npt.NDArray[np.float32]] | None = None
        seen: set[tuple[str, int]] = set()
        for hit in hits:
            previous = ""
            chunk = hit.chunk
            section = chunk.section[-1]
            if lean and self.a.terms and not self._mentions(chunk):
                spans, vectors = self.retriever.sentence_block(chunk)
                keep = [i for i, (a, b) in enumerate(spans) if (chunk.chunk_id, a) not in seen and b - a >= 6]
                seen.update((chunk.chunk_id, spans[i][0]) for i in keep)
                if keep:
                    sims = vectors[keep] @ self.judge.qvec
                    i = int(np.argmax(sims))
                    if closest is None or sims[i] > closest[0]:
                        a, b = spans[keep[i]]
                        closest = (float(sims[i]), chunk, chunk.text[a:b], vectors[keep[i]])
                continue
            before = (0, 0)
            for a, b, vec in self.retriever.sentences(chunk):
                sentence = chunk.text[a:b]
                # "人大代表建议85件;政协提案41件,办复率均为100%": a clause after a semicolon that says
                # 均/都/分别 shares the subject of the clause before it, so it is read and quoted with it
                joined = before[1] and chunk.text[before[0] : before[1]].endswith(("；", ";"))
                if joined and SHARED.search(sentence) and not chunk.text[before[1] : a].strip():
                    sentence, previous = chunk.text[before[0] : b], ""
                before = (a, b)
                if (chunk.chunk_id, a) not in seen and b - a >= 6:
                    seen.add((chunk.chunk_id, a))
                    if not lean or not self.a.terms or self.judge.may_cover(previous + sentence, section):
                        items.append((chunk, sentence, vec, self._trim(sentence), previous))
                    else:
                        sim = float(vec @ self.judge.qvec)
                        if closest is None or sim > closest[0]:
                            closest = (sim, chunk, sentence, vec)
                previous = sentence
        self.judge.prepare([quote for _, _, _, quote, _ in items])
        out = [
            Evidence(
                chunk,
                self.judge.judge(
                    sentence,
                    vec,
                    quote=quote,
                    context=prev,
                    section=chunk.section[-1],
                    role=self.retriever.role(chunk),
                    year=chunk.year,
                ),
            )
            for chunk, sentence, vec, quote, prev in items
        ]
        if closest is not None:
            out.append(Evidence(closest[1], self.judge.unrelated(closest[2], closest[3])))
        return sorted(out, key=lambda e: -e.score)

    def mentions_a_term(self, hits: Sequence[Hit]) -> bool:
        """Whether any passage holds one of the question's terms; a question without terms is judged
        on meaning alone, so always."""
        return not self.a.terms or any(self._mentions(hit.chunk) for hit in hits)

    def _mentions(self, chunk: Chunk) -> bool:
        """The passage (its text, with or without white space, or its section label) holds one of the
        question's terms: every sentence's coverage, with its predecessor, is a part of this text."""
        return self.judge.may_cover_passage(chunk.text, chunk.section[-1])

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


class Citations:
    """Numbers citations in order of first use; the same quote cited twice keeps its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._numbers: dict[tuple[str, str], int] = {}

    def cite(self, e: Evidence) -> str:
        key = (e.chunk.chunk_id, e.quote)
        if key not in self._numbers:
            self.items.append(Citation(n=len(self.items) + 1, chunk=e.chunk, quote=e.quote))
            self._numbers[key] = len(self.items)
        return f"[{self._numbers[key]}]"


@functools.cache
def default_glossary() -> Glossary:
    """The bundled glossary, read once per process: it is immutable package data."""
    return Glossary()


def in_scope(ctx: Context, scope: Scope) -> list[DocEntry]:
    """The reports a list or comparison reads: the filters, then the level of unit the question lists."""
    allowed = ctx.retriever.allowed_rows(**scope.kwargs())
    return [
        d
        for d in ctx.retriever.documents
        if (allowed is None or allowed[d.first : d.last].any())
        and (ctx.levels_dropped or ctx.a.scope.admits_level(d.level))
        and ctx.reach.admits(d)
    ]


def unanswerable(ctx: Context, zh: str, en: str, coverage: str = "") -> Answer:
    lead = "Not found in the indexed reports. " + en if ctx.a.english else "未在已索引的报告中找到答案。" + zh
    text = lead + (("\n" + coverage) if coverage else "")
    return Answer(question=ctx.question, kind="unanswerable", text=text)


def per_report(
    ctx: Context,
    scope: Scope,
    figures: dict[str, list[LedgerRow]] | None = None,
    docs: Sequence[DocEntry] | None = None,
) -> list[tuple[str, str, list[Evidence]]]:
    """(doc_id, unit, evidence best first) for every report in scope: the whole corpus, not a top-k.
    `figures`: per report, the ledger rows a comparison reads first (rag.answer.figures); their
    passages are judged with the retrieved ones wherever retrieval ranked them. `docs`: the reports
    in scope where the caller has them already."""
    docs = in_scope(ctx, scope) if docs is None else docs
    found = ctx.retriever.search_each(ctx.searched, [d.doc_id for d in docs], k=PER_REPORT_DEPTH, section=scope.section)
    # a report whose passages hold none of the question's terms has no sentence with any coverage, so
    # none that answers, qualifies or is shown to check: it is silent without judging each sentence
    # (at 6,660 reports this is most of them, and most of the time)
    out = []
    meeting = _meeting(ctx)
    for d, hits in zip(docs, found, strict=True):
        rows = (figures or {}).get(d.doc_id, []) + _meeting_rows(ctx, d.doc_id, hits, meeting.get(d.doc_id, []))
        hits = [*hits, *_row_hits(ctx, d.doc_id, rows, hits)]
        out.append((d.doc_id, d.unit, ctx.evidence(hits, lean=True) if ctx.mentions_a_term(hits) else []))
    return out


def _meeting(ctx: Context) -> dict[str, list[LedgerRow]]:
    """Every report's ledger rows whose value and measure meet the question's numbers, found in the
    ledger's columns at once (rag.store.columns): the rows of the other figures are never read."""
    if not ctx.a.constraints:
        return {}
    constraints = ctx.a.constraints

    def keep(
        values: npt.NDArray[np.float64], codes: npt.NDArray[np.int32], names: npt.NDArray[np.str_]
    ) -> npt.NDArray[np.bool_]:
        mask = np.ones(len(values), dtype=bool)
        if len(values) == 0:
            return mask
        for c in constraints:  # a measure's verdict once per measure named, then per row by its code
            measured = np.asarray([same_measure(str(name), c.measure) for name in names], dtype=bool)
            mask &= measured[codes] & OPS[c.op](values, c.value)
        return mask

    return ctx.retriever.ledger_where(keep)


def _meeting_rows(ctx: Context, doc_id: str, hits: Sequence[Hit], rows: Sequence[LedgerRow]) -> list[LedgerRow]:
    """The ledger first: for a question that sets a number ("调解成功率达到100%"), the report's figures
    that meet it, in a sentence naming the question's terms, wherever they rank. The six passages
    retrieved per report can miss a figure stated once in a long report; the judge then reads their
    passages like the retrieved ones, so a figure qualifies on the same rules."""
    if not ctx.a.constraints:
        return []
    known = {h.chunk.chunk_id for h in hits}
    out = []
    for row in rows:  # those whose value and measure meet the numbers (_meeting)
        chunk = ctx.retriever.chunk_at(doc_id, row.start)
        if chunk.chunk_id in known:
            continue
        at = row.start - chunk.start
        sentence = next((chunk.text[a:b] for a, b, _ in ctx.retriever.sentences(chunk) if a <= at < b), row.span)
        if ctx.judge.may_cover(sentence) and ctx.judge.meets(sentence):
            out.append(row)
    return out


def _row_hits(ctx: Context, doc_id: str, rows: Sequence[LedgerRow], hits: Sequence[Hit]) -> list[Hit]:
    """The passages holding the rows, those retrieval did not bring, once each."""
    known = {h.chunk.chunk_id for h in hits}
    extra: dict[str, Hit] = {}
    for row in rows:
        chunk = ctx.retriever.chunk_at(doc_id, row.start)
        if chunk.chunk_id not in known and chunk.chunk_id not in extra:
            extra[chunk.chunk_id] = Hit(chunk=chunk, score=0.0, rank=len(hits) + len(extra) + 1)
    return list(extra.values())


def figure_checks(cited: Sequence[tuple[str, Evidence]]) -> tuple[str, ...]:
    """Notices for the rates the cited sentences give beside their own counts (rag.ledger.checks):
    ✓ when they agree, flagged when they do not; quoted in the answer's notices, not its lines."""
    out = []
    for unit, e in cited:
        out += [f"核对 {unit}：{check.describe()}" for check in rate_checks(e.verdict.quote)]
    return tuple(dict.fromkeys(out))


def twin_checks(cited: Sequence[tuple[str, Evidence]]) -> tuple[str, ...]:
    """A notice for each unit and year cited from two different reports: a second report claiming to
    be the same unit's (a copy with other figures) must not stand silently beside the real one."""
    seen: dict[tuple[str, int | None], set[str]] = {}
    for _, e in cited:
        seen.setdefault((e.chunk.unit, e.chunk.year), set()).add(e.chunk.source)
    out = []
    for (unit, year), sources in seen.items():
        if len(sources) > 1:
            names = "、".join(sorted(Path(s).name for s in sources))
            out.append(f"核对 {unit}：{year or '?'}年有{len(sources)}份报告（{names}），请确认哪份为准")
    return tuple(out)


def coverage_line(
    ctx: Context,
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
