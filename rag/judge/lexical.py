"""Lexical backend: the share of the question's terms (weighted by rarity) a sentence contains.

Imports rag.question only. A section label counts for whole terms; the sentence before often names the
subject, so it counts at a discount (`context_credit`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.question import Term
from rag.question.synonyms import EVERY_STATED, NEGATION_STATED


def coverage(terms: Sequence[Term], weights: Sequence[float], text: str, section: str = "") -> float:
    """Share of the terms' weight found in text (a section label counts for whole terms only)."""
    if not terms:
        return 1.0
    total = sum(weights)
    got = sum(
        w for t, w in zip(terms, weights, strict=True) if t.found_in(text) or any(a in section for a in t.alternatives)
    )
    return got / total if total else 0.0


def has_required(terms: Sequence[Term], text: str) -> bool:
    """Every quoted name of the question is in the text: “八五”普法 is not any 普法."""
    return all(t.found_in(text) for t in terms if t.required)


def states_absence(text: str) -> bool:
    """The text states that something did not happen (未发生, 没有发生, 无伤亡, “零发生”, 0件):
    a question asking for an absence is not answered by a plan to prevent it."""
    return NEGATION_STATED.search(text) is not None


def states_every(text: str) -> bool:
    """The text says it of all (全部办结, 均已按期答复, 100%): "都已按时答复" is not "及时答复"."""
    return EVERY_STATED.search(text) is not None
