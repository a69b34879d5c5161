"""The evidence judge: does this sentence answer this question? One facade over short backends.

judge(sentence, vector, context=…) -> Verdict(answers, qualifies, score, reason). Backends: lexical (term
coverage), semantic (sentence-vector cosine), numbers (stated value, constraints such as 100%). They are
combined here and only here; thresholds and weights are data (rag/data/judge.toml) beside the figures
they produced. Imports rag.question and rag.quantities; never retrieval or answering.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.endpoint import EndpointSettings
from rag.judge import lexical, llm, numbers, outlook, semantic
from rag.judge.universal import Universal
from rag.outline import Role
from rag.quantities import Quantity
from rag.question import Analysis


@dataclass(frozen=True, slots=True)
class Thresholds:
    min_coverage: float
    qualify_coverage: float
    min_similarity: float
    context_credit: float
    candidate_coverage: float
    candidate_similarity_margin: float
    similarity_margin: float
    universal_english: bool
    min_universal: float
    weights: dict[str, float]
    outline: bool = True
    """Read the part of its report a sentence stands in (rag.outline); off only to ablate it."""


@cache
def thresholds() -> Thresholds:
    """The shipped thresholds, read once (package data)."""
    raw: dict[str, Any] = tomllib.loads((resources.files("rag") / "data" / "judge.toml").read_text(encoding="utf-8"))
    return Thresholds(
        float(raw["min_coverage"]),
        float(raw["qualify_coverage"]),
        float(raw["min_similarity"]),
        float(raw["context_credit"]),
        float(raw["candidate_coverage"]),
        float(raw["candidate_similarity_margin"]),
        float(raw["similarity_margin"]),
        bool(raw["universal_english"]),
        float(raw["min_universal"]),
        {k: float(v) for k, v in raw["weights"].items()},
        bool(raw.get("outline", True)),
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the backends found in one sentence, and what they mean together."""

    quote: str
    coverage: float
    similarity: float
    quantities: tuple[Quantity, ...]
    meets: bool
    related: bool
    has_number: bool
    exact_measure: bool
    score: float
    answers: bool
    """Relevant enough to answer a lookup or give a comparison value."""
    qualifies: bool
    """Enough for its unit to be listed as meeting a "which units" question."""
    candidate: bool
    """Close enough that a reviewer should check it ("可能相关，请核对") when nothing qualifies."""
    eligible: bool
    """States what is asked (quoted names, an absence, the numbers): qualifies once covered enough."""
    universal: float | None = None
    """Cosine under the second encoder (USE), where the judge asked it (English questions)."""

    @property
    def reason(self) -> str:
        """Why, in one line: the figures each backend gave."""
        parts = [f"coverage {self.coverage:.2f}", f"similarity {self.similarity:.2f}"]
        if self.universal is not None:
            parts.append(f"universal {self.universal:.2f}")
        if self.quantities:
            parts.append(
                "constraints met"
                if self.meets
                else ("same number, other measure" if self.related else "constraints not met")
            )
        return ("qualifies: " if self.qualifies else "answers: " if self.answers else "unrelated: ") + ", ".join(parts)


class Judge:
    """One question's judge: its analysis, term weights (rarity in the index) and query vector."""

    def __init__(
        self,
        analysis: Analysis,
        weights: list[float],
        question_vector: npt.NDArray[np.float32],
        *,
        limits: Thresholds | None = None,
        universal: Universal | None = None,
        endpoint: EndpointSettings | None = None,
    ) -> None:
        self.a = analysis
        self.weights = weights
        self._scan = lexical.TermScan(analysis.terms)
        self.qvec = question_vector
        self.t = limits or thresholds()
        self.universal = universal
        self.endpoint = endpoint

    def prepare(self, quotes: Sequence[str]) -> None:
        """Batch what a backend computes per sentence (the second encoder) before judging them."""
        if self.universal is not None:
            self.universal.prepare(quotes)

    def coverage(self, text: str, section: str = "") -> float:
        return lexical.coverage(self.a.terms, self.weights, text, section)

    def may_cover(self, text: str, section: str = "") -> bool:
        """False only where coverage(text, section) is 0 (no term in the text or the label), in one pass."""
        return self._scan.in_text(text) or self._scan.in_label(section)

    def may_cover_passage(self, text: str, section: str) -> bool:
        """may_cover for any sentence of a passage, its white space (a PDF's line breaks) ignored."""
        return self._scan.in_spaced_text(text) or self._scan.in_label(section)

    def meets(self, text: str) -> bool:
        return bool(self.a.constraints) and numbers.meets(self.a, text)

    def standouts(self, verdicts: Sequence[Verdict]) -> list[bool]:
        """Which qualifying verdicts (one per report) stay in the strict tier: those whose sentence
        is within similarity_margin of the best qualifying one. Shared words alone are weak on real
        reports ("法律顾问" in a heading); the rest go to the candidates a reviewer checks."""
        best = max((v.similarity for v in verdicts if v.qualifies), default=0.0)
        return [v.qualifies and v.similarity >= best - self.t.similarity_margin for v in verdicts]

    def second_opinion(self, question: str, listed: Sequence[tuple[str, str, bool]]) -> tuple[list[bool], str]:
        """For (unit, quote, in the strict tier) of a list answer: which stay strict after the LLM
        backend's reading, and a one-line notice. Without an endpoint, or when it fails, the tiers
        stand as the other backends set them."""
        strict = [s for _, _, s in listed]
        if self.endpoint is None or not listed:
            return strict, ""
        import httpx

        try:
            said = llm.confirm(self.endpoint, question, [(u, q) for u, q, _ in listed])
        except (httpx.HTTPError, KeyError, IndexError, ValueError, TypeError) as exc:
            return strict, f"judge LLM unavailable ({type(exc).__name__}); lists are from the extractive judge"
        moved = sum(a != b for a, b in zip(said, strict, strict=True))
        return said, f"judge LLM confirmed {sum(said)} of {len(listed)} listed units ({moved} moved between tiers)"

    def sentence_coverage(self, sentence: str, context: str = "", section: str = "") -> float:
        """The coverage judge() gives a sentence: its own, or with the sentence before at a discount."""
        t = self.t
        return max(self.coverage(sentence, section), t.context_credit * self.coverage(context + sentence, section))

    def unrelated(self, sentence: str, vector: npt.NDArray[np.float32]) -> Verdict:
        """The verdict on a sentence holding none of the question's terms (coverage 0): it answers,
        qualifies and is shown for nothing, whatever its numbers, so they are not read. Only its
        similarity is kept (a list still asks which sentence of a report is closest in meaning)."""
        sim = semantic.similarity(vector, self.qvec)
        score = self.t.weights["similarity"] * semantic.scaled(sim)
        return Verdict(sentence, 0.0, sim, (), False, False, False, False, score, False, False, False, False)

    def judge(
        self,
        sentence: str,
        vector: npt.NDArray[np.float32],
        *,
        quote: str,
        context: str = "",
        section: str = "",
        role: Role = "result",
        year: int | None = None,
    ) -> Verdict:
        """Coverage on the whole sentence (its predecessor `context` counts at context_credit);
        numbers and constraints on the quoted part; `role` is the part of the report the sentence
        stands in (rag.outline) of a report on `year`: a plan or a shortfall does not state a result."""
        t = self.t
        role = role if t.outline else "result"
        cov = self.sentence_coverage(sentence, context, section)
        sim = semantic.similarity(vector, self.qvec)
        use = self.universal.similarity(quote) if self.universal is not None else None
        n = numbers.check(self.a, quote, planned=role == "plan", targets=outlook.asks_targets(self.a, year))
        off_role = outlook.off_role(self.a, role, year)
        w = t.weights
        score = (
            w["coverage"] * cov
            + w["similarity"] * semantic.scaled(sim)
            + w["has_number"] * n.has_number
            + w["exact_measure"] * n.exact_measure
            + w["meets"] * n.meets
            + (w["universal"] * use if use is not None else 0.0)
            - w["off_role"] * off_role
        )
        states = (
            not off_role
            and lexical.has_required(self.a.terms, context + sentence)
            and (not self.a.negative or lexical.states_absence(quote))
            and (not self.a.every or lexical.states_every(quote))
        )
        related_enough = use >= t.min_universal if use is not None else sim >= t.min_similarity
        answers = states and (cov >= t.min_coverage if self.a.terms else related_enough)
        # "which provinces report how many legal aid cases": a list that asks a number needs one
        counted = n.has_number or not (self.a.wants_number and self.a.kind == "aggregation" and not self.a.constraints)
        eligible = states and n.meets and counted and (bool(self.a.terms) or related_enough)
        qualifies = eligible and cov >= t.qualify_coverage
        candidate = qualifies or answers or (n.related and cov > 0) or cov >= t.candidate_coverage
        return Verdict(
            quote,
            cov,
            sim,
            n.quantities,
            n.meets,
            n.related,
            n.has_number,
            n.exact_measure,
            score,
            answers,
            qualifies,
            candidate,
            eligible,
            use,
        )
