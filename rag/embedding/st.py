"""Any sentence-transformers model by hub name or local path, loaded by the library's own code (torch)."""

from __future__ import annotations

from collections.abc import Sequence

from rag.embedding.base import DEFAULT_THREADS, Vectors, rows
from rag.errors import EncoderError

ST_PREFIX = "sentence-transformers:"


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
        return rows(out, len(texts), self._dim)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)
