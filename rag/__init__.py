"""Cited answers over Chinese government annual reports.

`from rag import Retriever, ask` is the whole user surface; importing rag never imports torch or gradio.
"""

from __future__ import annotations

from rag.answer import ask
from rag.errors import EncoderError, IndexStateError, InputError, RagError
from rag.records import Answer, Chunk, Citation, Hit, Report
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
