"""A LangChain retriever over an index (extra rag[langchain], on langchain-core's BaseRetriever).

    from rag.integrations.langchain import RagRetriever
    docs = RagRetriever.from_index("index", k=5).invoke("霞山区主动公开了多少条政府信息", unit="霞山区")

Documents carry the passage text and unit, year, kind, section and source in their metadata; unit,
year, kind and region filter as `rag search` does, set on the retriever or passed to invoke().
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from rag.integrations.hits import FILTERS, Kinds
from rag.retrieve import Retriever


class RagRetriever(BaseRetriever):
    """Hybrid (e5 + BM25) passages of government annual reports, as LangChain Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = 5
    unit: str | None = None
    year: int | None = None
    kind: str | None = None
    region: str | None = None
    _kinds: Kinds | None = PrivateAttr(default=None)

    @classmethod
    def from_index(cls, index: str | Path, **settings: Any) -> RagRetriever:
        return cls(retriever=Retriever.open(index), **settings)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **overrides: Any
    ) -> list[Document]:
        unknown = set(overrides) - {"k", *FILTERS}
        if unknown:
            raise TypeError(f"RagRetriever: unknown argument {sorted(unknown)[0]!r}; use k, {', '.join(FILTERS)}")
        settings = {name: overrides.get(name, getattr(self, name)) for name in ("k", *FILTERS)}
        if self._kinds is None:
            self._kinds = Kinds(self.retriever)
        hits = self.retriever.search(query, **settings)
        return [
            Document(page_content=h.chunk.text, metadata=self._kinds.metadata(h), id=h.chunk.chunk_id) for h in hits
        ]
