"""What every encoder backend shares: the row type, the protocols the index needs, L2 normalisation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Spans = Sequence[tuple[int, int]]
DEFAULT_THREADS = 2
"""Threads for encoding; unset, a query on this 2-core machine was measured 100x slower."""


class Encoder(Protocol):
    """What the index needs of a model: a stable id for the manifest, a dimension, two encoders."""

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> Vectors: ...

    def encode_passages(self, texts: Sequence[str]) -> Vectors: ...


@runtime_checkable
class SpanEncoder(Protocol):
    """An encoder that also pools the token states of character spans of each passage (its
    sentences) from the same forward pass, so a build embeds every passage once, not twice."""

    def encode_passages_with_spans(
        self, texts: Sequence[str], spans: Sequence[Spans]
    ) -> tuple[Vectors, list[Vectors]]: ...


def rows(arr: Any, n: int, dim: int) -> Vectors:
    """Contiguous float32 (n, dim), each row of unit length (a zero row stays zero)."""
    out = np.ascontiguousarray(np.asarray(arr, dtype=np.float32).reshape(n, dim))
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normed: Vectors = out / norms
    return normed
