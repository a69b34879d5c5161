"""DenseIndex: FAISS inner product over normalised rows. Same shape as LexicalIndex.

Imports only rag.errors. Exact (IndexFlatIP) while small; HNSW above `hnsw_threshold`
rows, where exact search stops being cheap (recall against exact is checked in the tests).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from rag.errors import IndexStateError

_FAISS: Any = faiss  # faiss ships partial stubs that lack the search-parameter classes

HNSW_THRESHOLD = 50_000
"""Rows above which an approximate index pays off; a few thousand reports stay exact."""
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 200
HNSW_EF_SEARCH = 512
"""Measured at 302,580 chunks (bench/scale.py's corpus, 150 real questions, one thread): efConstruction 80
gave recall@10 0.934 at efSearch 128 and 0.970 at 1024; 200 gives 0.932 / 0.975 / 0.987 at efSearch 128 /
256 / 512 (3.1 ms a query; exact search 31.9 ms), for a build of 149 s instead of ≈ 60 s."""


class DenseIndex:
    def __init__(self, index: Any) -> None:
        self._index = index
        self._held: npt.NDArray[np.float32] | None = None
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self._index, faiss.IndexHNSWFlat) else "flat"

    @classmethod
    def build(cls, vectors: npt.NDArray[np.float32], *, hnsw_threshold: int = HNSW_THRESHOLD) -> DenseIndex:
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        if rows.ndim != 2:
            raise ValueError("vectors: need a 2-D array")
        if rows.shape[0] > hnsw_threshold:
            index: Any = faiss.IndexHNSWFlat(rows.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            index = faiss.IndexFlatIP(rows.shape[1])
        if rows.shape[0]:
            index.add(rows)
        return cls(index)

    def search(
        self, query: npt.NDArray[np.float32], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (row, cosine) for one normalised query; `allowed` restricts rows inside FAISS."""
        if self.size == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params: Any = None
        if allowed is not None:
            ids = np.flatnonzero(allowed).astype(np.int64)
            if ids.size == 0:
                return []
            selector = faiss.IDSelectorBatch(ids)
            if self.kind == "hnsw":
                params = _FAISS.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, k))
            else:
                params = _FAISS.SearchParameters(sel=selector)
        elif self.kind == "hnsw":
            params = _FAISS.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
        scores, rows = self._index.search(q, min(k, self.size), params=params)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    @property
    def settings(self) -> dict[str, int | str]:
        """What the manifest records of the index: its kind and, when approximate, its parameters."""
        if self.kind != "hnsw":
            return {"kind": "flat"}
        return {"kind": "hnsw", "M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH}

    def rows(self) -> npt.NDArray[np.float32]:
        """The stored vectors as a numpy view (no copy) of FAISS's own memory, flat or HNSW: "which
        units" scores every row once with it, without a second copy of the vectors in memory."""
        flat: Any = faiss.downcast_index(self._index.storage) if self.kind == "hnsw" else self._index
        if self.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        view: npt.NDArray[np.float32] = faiss.rev_swig_ptr(flat.get_xb(), self.size * self.dim).reshape(
            self.size, self.dim
        )
        return view

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The cosine of every row with one normalised query, in row order (one matrix product), over
        a copy of the rows in this process's memory, made by the first call. Why a copy: the index is
        opened memory-mapped (fast to open), and a mapped file's pages are the kernel's to reclaim
        while the process waits between questions; at 460,000 rows reading them back took 1.4-1.9 s
        of a "which units" answer, the product over the copy 0.03 s (its cost: the rows' size,
        700 MB at 10,000 reports, in a process that answers "which units" questions)."""
        with self._lock:
            if self._held is None:
                self._held = np.array(self.rows(), dtype=np.float32)
            held = self._held
        return np.asarray(held @ query, dtype=np.float32)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        """The vectors are memory-mapped, not read (IO_FLAG_MMAP_IFC): at 457k rows the HNSW index
        opened in 0.12 s instead of 1.44 s, and the vectors are pages of the file, shared and
        reclaimable, not a private copy. Nothing adds to a loaded index (builds make new ones)."""
        try:
            return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC))
        except (RuntimeError, OSError) as exc:
            raise IndexStateError(f"{path}: dense index is missing or corrupt; rebuild with `rag build`") from exc


class JoinedDense:
    """Segments of one index searched as one (the base and the delta of reports added since it was
    built): rows numbered on, cosines comparable across segments, top-k merged by score."""

    def __init__(self, parts: list[DenseIndex]) -> None:
        self._parts = parts
        self._starts = np.cumsum([0, *(p.size for p in parts)])

    @property
    def size(self) -> int:
        return int(self._starts[-1])

    @property
    def dim(self) -> int:
        return self._parts[0].dim

    @property
    def kind(self) -> str:
        return self._parts[0].kind

    @property
    def settings(self) -> dict[str, int | str]:
        return self._parts[0].settings

    def search(
        self, query: npt.NDArray[np.float32], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, float]]:
        found: list[tuple[int, float]] = []
        for part, start in zip(self._parts, self._starts, strict=False):
            mask = None if allowed is None else allowed[start : start + part.size]
            found += [(r + int(start), s) for r, s in part.search(query, k, mask)]
        return sorted(found, key=lambda rs: -rs[1])[:k]

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return np.concatenate([p.scores(query) for p in self._parts])
