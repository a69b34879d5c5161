"""A LlamaIndex retriever over an index (extra rag[llamaindex], on llama-index-core's BaseRetriever).

    from rag.integrations.llamaindex import RagRetriever
    nodes = RagRetriever.from_index("index", similarity_top_k=5, unit="霞山区").retrieve("主动公开政府信息")

Nodes carry the passage text and unit, year, kind, section and source in their metadata. Filters are
the retriever's unit, year, kind and region, or LlamaIndex's own MetadataFilters on those keys (== only,
combined with AND), so it drops into a RetrieverQueryEngine like any retriever.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.types import FilterCondition, FilterOperator, MetadataFilters

from rag.errors import InputError
from rag.integrations.hits import FILTERS, Kinds
from rag.retrieve import Retriever


class RagRetriever(BaseRetriever):
    """Hybrid (e5 + BM25) passages of government annual reports, as LlamaIndex nodes."""

    def __init__(
        self,
        retriever: Retriever,
        *,
        similarity_top_k: int = 5,
        filters: MetadataFilters | None = None,
        unit: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        region: str | None = None,
        **base: Any,
    ) -> None:
        super().__init__(**base)
        self.retriever = retriever
        self.similarity_top_k = similarity_top_k
        self.scope: dict[str, Any] = {"unit": unit, "year": year, "kind": kind, "region": region}
        self.scope.update(_scope(filters))
        self._kinds = Kinds(retriever)

    @classmethod
    def from_index(cls, index: str | Path, **settings: Any) -> RagRetriever:
        return cls(Retriever.open(index), **settings)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.retriever.search(query_bundle.query_str, k=self.similarity_top_k, **self.scope)
        return [
            NodeWithScore(
                node=TextNode(id_=h.chunk.chunk_id, text=h.chunk.text, metadata=self._kinds.metadata(h)),
                score=h.score,
            )
            for h in hits
        ]


def _scope(filters: MetadataFilters | None) -> dict[str, Any]:
    """unit/year/kind/region from LlamaIndex filters; anything rag cannot filter on is a one-line error,
    not a silently wider search."""
    if filters is None:
        return {}
    if filters.condition not in (None, FilterCondition.AND):
        raise InputError("filters: only AND of == filters on unit, year, kind, region")
    out: dict[str, Any] = {}
    for f in filters.filters:
        if isinstance(f, MetadataFilters) or f.key not in FILTERS or f.operator != FilterOperator.EQ:
            raise InputError(f"filters: {getattr(f, 'key', 'nested')}: only == on {', '.join(FILTERS)}")
        value = f.value
        if isinstance(value, list):
            raise InputError(f"filters: {f.key}: one value, not a list")
        out[f.key] = int(value) if f.key == "year" and value is not None else value
    return out
