"""What the Retriever reads an index through, whichever backend holds it: the folder (rag.store.files)
or a database engine (rag.backends). Rows are integers; a report's passages are the rows first..last-1.

Imports nothing of the project's but the records; a backend is checked against these by mypy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from rag.ledger import LedgerRow
from rag.outline import OutlineRow
from rag.records import Chunk, Report
from rag.store.columns import Keep
from rag.store.entries import BuildParams, DocEntry


class DenseSearch(Protocol):
    """Cosine search over the passage vectors."""

    @property
    def size(self) -> int: ...

    @property
    def dim(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def settings(self) -> dict[str, int | str]: ...

    def search(
        self, query: npt.NDArray[np.float32], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, float]]: ...

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]: ...


class LexicalSearch(Protocol):
    """BM25 over the passages' jieba tokens."""

    @property
    def size(self) -> int: ...

    def scores(self, tokens: Sequence[str]) -> npt.NDArray[np.float32]: ...

    def doc_freq(self, token: str) -> int: ...

    def search(
        self, tokens: Sequence[str], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, float]]: ...


class IndexReader(Protocol):
    """An opened index: its reports, passages, vectors, ledger and outline."""

    manifest: dict[str, Any]
    encoder_id: str
    dim: int
    params: BuildParams
    documents: list[DocEntry]

    @property
    def size(self) -> int:
        """One past the highest row (a backend that removes reports may leave rows unused)."""
        ...

    def dense(self) -> DenseSearch: ...

    def lexical(self) -> LexicalSearch: ...

    def doc(self, doc_id: str) -> DocEntry: ...

    def row_doc(self, row: int) -> DocEntry: ...

    def chunk(self, row: int) -> Chunk: ...

    def chunks(self, rows: Sequence[int]) -> list[Chunk]: ...

    def chunk_starts(self) -> npt.NDArray[np.int64] | None: ...

    def sentences(self, row: int) -> tuple[list[tuple[int, int]], npt.NDArray[np.float32]]: ...

    def report(self, doc_id: str) -> Report: ...

    def reports(self) -> list[Report]: ...

    def sections(self) -> npt.NDArray[np.int8]: ...

    def outline(self) -> list[OutlineRow]: ...

    def ledger(self) -> Iterable[LedgerRow]: ...

    def ledger_of(self, doc_id: str) -> list[LedgerRow]: ...

    def ledger_where(self, keep: Keep, holding: Sequence[str] | None = None) -> dict[str, list[LedgerRow]]: ...

    def stale(self) -> bool:
        """Whether another process changed the index since it was opened (a shared engine)."""
        ...

    def describe(self) -> str:
        """Where the index is, for messages: a folder, or an engine's address without its password."""
        ...
