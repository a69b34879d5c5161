"""Lexical backend: the share of the question's terms (weighted by rarity) a sentence contains.

Imports rag.question only. A section label counts for whole terms; the sentence before often names the
subject, so it counts at a discount (`context_credit`).
"""

from __future__ import annotations

import re
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


WHITE = re.compile(r"\s+")


class TermScan:
    """Whether a text holds any of the terms, in one regular-expression pass over it: a "which units"
    answer asks this of 40,000 passages and 100,000 sentences at 6,660 reports, where a loop of
    `in` per alternative of every term cost more than the rest of judging them."""

    def __init__(self, terms: Sequence[Term]) -> None:
        alternatives = sorted({a for t in terms for a in t.alternatives}, key=len, reverse=True)
        # re.I: the question is read in lower case, a report's Latin letters are not (村BA)
        self._any = re.compile("|".join(map(re.escape, alternatives)), re.I) if alternatives else None
        # the same, with white space allowed between characters (a PDF line break inside a term)
        spaced = [r"\s*".join(map(re.escape, a)) for a in alternatives]
        self._spaced = re.compile("|".join(spaced), re.I) if alternatives else None
        self._other = [t for t in terms if t.parts or t.required]  # found_in has more ways to match these

    def in_text(self, text: str) -> bool:
        """Some term's found_in(text) holds."""
        if self._any is not None and self._any.search(text):
            return True
        return any(t.found_in(text) for t in self._other)

    def in_spaced_text(self, text: str) -> bool:
        """in_text of the text with its white space removed, without removing it."""
        if self._spaced is not None and self._spaced.search(text):
            return True
        return bool(self._other) and any(t.found_in(WHITE.sub("", text)) for t in self._other)

    def in_label(self, label: str) -> bool:
        """Some alternative of a term stands in a section label (labels count for whole terms only)."""
        return self._any is not None and self._any.search(label) is not None


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
