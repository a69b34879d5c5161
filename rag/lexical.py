"""LexicalIndex: BM25 (bm25s) over pre-tokenised chunks. Same shape as DenseIndex.

Imports only rag.errors. Tokenising is the caller's job (rag.segmentation), so this index
works for any language and is tested without jieba.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt

from rag.errors import IndexStateError

logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 scores for every row; the caller masks filtered rows and takes the top."""

    def __init__(self, model: bm25s.BM25, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, token_lists: Sequence[Sequence[str]]) -> LexicalIndex:
        model = bm25s.BM25()
        # bm25s cannot index zero documents or empty ones; a placeholder token keeps rows aligned
        corpus = [list(toks) if toks else ["\u2400"] for toks in token_lists] or [["\u2400"]]
        model.index(corpus, show_progress=False)
        return cls(model, len(token_lists))

    def scores(self, tokens: Sequence[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every row (0 where no query token occurs)."""
        known = [t for t in tokens if t in self._model.vocab_dict]
        if not known or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        out = np.asarray(self._model.get_scores(known), dtype=np.float32)
        return out[: self.size]

    def doc_freq(self, token: str) -> int:
        """In how many rows the token occurs (0 if never)."""
        tid = self._model.vocab_dict.get(token)
        if tid is None:
            return 0
        indptr = self._model.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])

    def search(
        self, tokens: Sequence[str], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, float]]:
        return _top(self.scores(tokens), k, allowed)

    def token_scores(self, token: str, documents: int, frequency: int) -> npt.NDArray[np.float32]:
        """One token's BM25 scores with its idf taken over `documents` rows of which `frequency` hold
        it (the whole index, when this is one segment of it), instead of over this segment alone."""
        if token not in self._model.vocab_dict or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        own = np.asarray(self._model.get_scores([token]), dtype=np.float32)[: self.size]
        idf = bm25s.scoring._select_idf_scorer(self._model.method)  # bm25s's own formula for its method
        return own * np.float32(idf(frequency, documents) / idf(self.doc_freq(token), self.size))

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), show_progress=False)
        (folder / "rows.txt").write_text(str(self.size), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        try:
            size = int((folder / "rows.txt").read_text(encoding="utf-8"))
            model = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)  # pages read on demand
        except (OSError, ValueError, KeyError) as exc:
            raise IndexStateError(f"{folder}: lexical index is missing or corrupt; rebuild with `rag build`") from exc
        return cls(model, size)


class JoinedLexical:
    """Segments of one index (the base, and a delta of reports added since) scored as one. Each token's
    idf is computed over all segments' rows, as Lucene takes collection statistics across segments at
    query time; only the length normalisation stays per segment (each its own average length)."""

    def __init__(self, parts: list[LexicalIndex]) -> None:
        self._parts = parts

    @property
    def size(self) -> int:
        return sum(p.size for p in self._parts)

    def doc_freq(self, token: str) -> int:
        return sum(p.doc_freq(token) for p in self._parts)

    def scores(self, tokens: Sequence[str]) -> npt.NDArray[np.float32]:
        total = np.zeros(self.size, dtype=np.float32)
        for token in tokens:  # a repeated token counts again, as bm25s counts it
            frequency = self.doc_freq(token)
            if frequency:
                total += np.concatenate([p.token_scores(token, self.size, frequency) for p in self._parts])
        return total

    def search(
        self, tokens: Sequence[str], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, float]]:
        return _top(self.scores(tokens), k, allowed)


def _top(scores: npt.NDArray[np.float32], k: int, allowed: npt.NDArray[np.bool_] | None) -> list[tuple[int, float]]:
    if allowed is not None:
        scores = np.where(allowed, scores, 0.0)
    top = np.argsort(-scores, kind="stable")[:k]
    return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
