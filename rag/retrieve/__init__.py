"""Retrieval: the one facade over an index (a folder or an engine). Hybrid dense + BM25 search with
unit, year, kind, region and section filters.

Imports rag.backends and below; never rag.answer (ask() builds on this, not the other way round).
retriever.py is the Retriever, scope.py the filters and what they keep.
"""

from __future__ import annotations

from rag.retrieve.retriever import Fusion, Retriever, SearchMode
from rag.retrieve.scope import Scope, filter_ledger, select_documents

__all__ = ["Fusion", "Retriever", "Scope", "SearchMode", "filter_ledger", "select_documents"]
