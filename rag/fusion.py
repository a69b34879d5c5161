"""Reciprocal rank fusion of several rankings. Pure: numbers in, numbers out."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60
"""The constant of Cormack et al.; it damps the gap between rank 1 and rank 2."""


def rrf(
    rankings: Sequence[Sequence[int]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fused (id, score) best first: score = sum over rankings of weight / (k + rank).

    A ranking with weight 0 contributes nothing, not even ids of its own; ties keep the
    order in which ids were first seen, so the result is deterministic.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("weights: need one weight per ranking")
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if weight <= 0:
            continue
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def weighted_sum(scored: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float]) -> list[tuple[int, float]]:
    """Fused (id, score) best first: sum of weight * min-max-normalised score; absent ids count 0.

    Unlike RRF this keeps the size of the gaps: a passage far ahead on BM25 and level on
    cosine beats one that is merely level on both.
    """
    if len(weights) != len(scored):
        raise ValueError("weights: need one weight per ranking")
    total: dict[int, float] = {}
    for pairs, weight in zip(scored, weights, strict=True):
        if weight <= 0 or not pairs:
            continue
        values = [s for _, s in pairs]
        lo, hi = min(values), max(values)
        span = hi - lo
        for item, s in pairs:
            norm = (s - lo) / span if span > 0 else 1.0
            total[item] = total.get(item, 0.0) + weight * norm
    return sorted(total.items(), key=lambda kv: -kv[1])
