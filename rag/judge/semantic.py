"""Semantic backend: cosine of the sentence's and the question's vectors (the index's own encoder).

Imports numpy only. e5 cosines crowd into 0.75–0.95, so the score maps that band onto 0–1.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BAND = (0.75, 0.95)
"""e5 cosine range that carries signal: below it unrelated, above it as good as it gets."""


def similarity(vector: npt.NDArray[np.float32], question: npt.NDArray[np.float32]) -> float:
    return float(np.dot(vector, question))


def scaled(cosine: float) -> float:
    low, high = BAND
    return min(1.0, max(0.0, (cosine - low) / (high - low)))
