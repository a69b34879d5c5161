"""Lexical backend: the share of the question's terms (weighted by rarity) a sentence contains.

Imports rag.question only. A section label counts for whole terms; the sentence before often names the
subject, so it counts at a discount (`context_credit`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.question import Term


def coverage(terms: Sequence[Term], weights: Sequence[float], text: str, section: str = "") -> float:
    """Share of the terms' weight found in text (a section label counts for whole terms only)."""
    if not terms:
        return 1.0
    total = sum(weights)
    got = sum(
        w for t, w in zip(terms, weights, strict=True) if t.found_in(text) or any(a in section for a in t.alternatives)
    )
    return got / total if total else 0.0
