"""Cited answers over Chinese government annual reports.

`from rag import Retriever, ask` is the whole user surface; importing rag never imports torch or gradio.
Names load on first use (PEP 562), so `rag build` does not pay for the answering modules (≈ 0.25 s).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from rag.errors import EncoderError, IndexStateError, InputError, RagError
from rag.records import Answer, Chunk, Citation, Hit, Report

if TYPE_CHECKING:
    from rag.answer import ask
    from rag.retrieve import Retriever

__all__ = [
    "Answer",
    "Chunk",
    "Citation",
    "EncoderError",
    "Hit",
    "IndexStateError",
    "InputError",
    "RagError",
    "Report",
    "Retriever",
    "ask",
]
_LAZY = {"Retriever": "rag.retrieve", "ask": "rag.answer"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
