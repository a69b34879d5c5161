"""Reading an index held in OceanBase: the same IndexReader the folder gives (rag.store.protocol), its
searches run inside the engine (HNSW `VECTOR INDEX`, `MATCH ... AGAINST` over a FULLTEXT index).

Rows are the engine's row_id: a report's passages stay contiguous (first..last-1) as in a folder; a
report removed leaves its rows unused.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from rag.backends.oceanbase.connect import HNSW, HNSW_EF_SEARCH, Connections, Engine
from rag.errors import IndexStateError
from rag.ledger import LedgerRow
from rag.outline import OutlineRow
from rag.records import REPORT_METADATA, Chunk, Report
from rag.store import FORMAT_VERSION, BuildParams, DocEntry
from rag.store.columns import Keep
from rag.store.files import outline_rows

KEPT = 4096
"""Passages (record and sentence vectors) kept after a read: a list answer reads a report's passages,
then judges their sentences, so each is asked for twice in a row."""
MAX_RANGES = 256
"""Row ranges a filtered search sends as SQL; a filter with more (a section over many reports) is
applied to the engine's scores of every row instead."""


def engine_token(token: str) -> str:
    """A jieba token as the engine's space parser keeps it whole: it splits at punctuation, so "100%"
    would match every "100" (measured: 160 passages instead of 49). A token with any character that is
    not a letter or digit (CJK counts as letters) is written as a stable alphanumeric digest instead,
    on both sides: the passages' column and the query."""
    if token.isalnum():
        return token
    return "x" + hashlib.blake2b(token.encode("utf-8"), digest_size=8).hexdigest()


def vector_literal(vec: npt.NDArray[np.float32]) -> str:
    return "[" + ",".join(map(repr, np.asarray(vec, dtype=np.float32).tolist())) + "]"


def ranges(allowed: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """The runs of True in a row mask, as [start, end) pairs."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], allowed.astype(np.int8), [0]))))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _where(spans: list[tuple[int, int]]) -> str:
    return "(" + " OR ".join(f"(row_id >= {a} AND row_id < {b})" for a, b in spans) + ")"


class OceanBaseIndex:
    """An index in the engine, as of the version read at open; stale() tells a newer one was written."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.db = Connections(engine)
        try:
            meta = dict(self.db.query("SELECT k, v FROM rag_meta WHERE k IN ('manifest', 'version')"))
        except IndexStateError as exc:
            raise IndexStateError(f"{engine.shown}: no index there; build one with `rag build --backend ...`") from exc
        if "manifest" not in meta:
            raise IndexStateError(f"{engine.shown}: no index there; build one with `rag build --backend ...`")
        try:
            self.manifest: dict[str, Any] = json.loads(meta["manifest"])
            self.version = int(meta.get("version", 0))
            self.encoder_id = str(self.manifest["encoder"]["id"])
            self.dim = int(self.manifest["encoder"]["dim"])
            self.params = BuildParams(**self.manifest["params"])
            fmt = int(self.manifest["format"])
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexStateError(f"{engine.shown}: corrupt manifest; rebuild with `rag build`") from exc
        if fmt != FORMAT_VERSION:
            raise IndexStateError(
                f"{engine.shown}: index format {fmt}, this version reads {FORMAT_VERSION}; rebuild with `rag build`"
            )
        entries = self.db.query("SELECT entry FROM rag_docs ORDER BY first_row")
        self.documents = [DocEntry.from_json(json.loads(e)) for (e,) in entries]
        self._by_doc = {d.doc_id: d for d in self.documents}
        self._firsts = [d.first for d in self.documents]
        self._size = max((d.last for d in self.documents), default=0)
        self._kept: OrderedDict[int, tuple[Chunk, list[tuple[int, int]], npt.NDArray[np.float32]]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    def dense(self) -> EngineDense:
        return EngineDense(self)

    def lexical(self) -> EngineLexical:
        return EngineLexical(self)

    def doc(self, doc_id: str) -> DocEntry:
        return self._by_doc[doc_id]

    def row_doc(self, row: int) -> DocEntry:
        i = bisect.bisect_right(self._firsts, row) - 1
        d = self.documents[i]
        if i < 0 or not d.first <= row < d.last:
            raise IndexStateError(f"{self.engine.shown}: row {row} belongs to no report; rebuild with `rag build`")
        return d

    def _read(self, rows: Sequence[int]) -> None:
        """Records and sentence vectors of the rows not kept, in one query."""
        with self._lock:
            todo = sorted({int(r) for r in rows if r not in self._kept})
        if not todo:
            return
        found = self.db.query(
            f"SELECT row_id, rec, sentences FROM rag_chunks WHERE row_id IN ({','.join(map(str, todo))})"
        )
        if len(found) != len(todo):
            raise IndexStateError(f"{self.engine.shown}: passages missing; rebuild with `rag build`")
        for row, rec_text, blob in found:
            rec = orjson.loads(rec_text)
            chunk = self.row_doc(int(row)).chunk(rec)
            spans = [(int(a), int(b)) for a, b in rec["sentences"]]
            vectors = np.frombuffer(blob or b"", dtype=np.float32).reshape(len(spans), self.dim)
            with self._lock:
                self._kept[int(row)] = (chunk, spans, vectors)
                while len(self._kept) > KEPT:
                    self._kept.popitem(last=False)

    def _get(self, row: int) -> tuple[Chunk, list[tuple[int, int]], npt.NDArray[np.float32]]:
        with self._lock:
            got = self._kept.get(row)
        if got is None:
            self._read([row])
            with self._lock:
                got = self._kept[row]
        return got

    def chunk(self, row: int) -> Chunk:
        return self._get(row)[0]

    def chunk_starts(self) -> npt.NDArray[np.int64] | None:
        """Not kept by the engine: a ledger row's passage is found by reading passages."""
        return None

    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        self._read(rows)
        return [self._get(r)[0] for r in rows]

    def sentences(self, row: int) -> tuple[list[tuple[int, int]], npt.NDArray[np.float32]]:
        _, spans, vectors = self._get(row)
        return spans, vectors

    def report(self, doc_id: str) -> Report:
        d = self._by_doc[doc_id]
        found = self.db.query("SELECT report FROM rag_docs WHERE doc_id = %s", (doc_id,))
        if not found:
            raise IndexStateError(f"{self.engine.shown}: report {doc_id} missing; rebuild with `rag build`")
        return Report(**{name: getattr(d, name) for name in REPORT_METADATA}, text=found[0][0])

    def reports(self) -> list[Report]:
        return [self.report(d.doc_id) for d in self.documents]

    def sections(self) -> npt.NDArray[np.int8]:
        codes = np.full(self._size, -1, dtype=np.int8)  # rows of no report are in no part
        for row, code in self.db.query("SELECT row_id, section_code FROM rag_chunks"):
            if row < self._size:
                codes[row] = code
        return codes

    def outline(self) -> list[OutlineRow]:
        return outline_rows(self)

    def ledger(self) -> list[LedgerRow]:
        order = {d.doc_id: d.first for d in self.documents}
        rows = self.db.query("SELECT doc_id, n, rec FROM rag_ledger")
        rows.sort(key=lambda r: (order.get(r[0], 0), r[1]))
        try:
            return [LedgerRow(**orjson.loads(rec)) for doc_id, _, rec in rows if doc_id in order]
        except (ValueError, TypeError) as exc:
            raise IndexStateError(f"{self.engine.shown}: ledger corrupt; rebuild with `rag build`") from exc

    def ledger_of(self, doc_id: str) -> list[LedgerRow]:
        """One report's figures, by the table's primary key (doc_id, n)."""
        rows = self.db.query("SELECT rec FROM rag_ledger WHERE doc_id = %s ORDER BY n", (doc_id,))
        try:
            return [LedgerRow(**orjson.loads(rec)) for (rec,) in rows]
        except (ValueError, TypeError) as exc:
            raise IndexStateError(f"{self.engine.shown}: ledger corrupt; rebuild with `rag build`") from exc

    def ledger_where(self, keep: Keep, holding: Sequence[str] | None = None) -> dict[str, list[LedgerRow]]:
        """The rows `keep` picks and whose indicator or span holds one of `holding`'s words: every row
        is read here (the engine holds no columns of its own)."""
        rows = list(self.ledger())
        names, codes = np.unique(np.asarray([r.measure for r in rows], dtype=np.str_), return_inverse=True)
        values = np.asarray([r.value for r in rows], dtype=np.float64)
        out: dict[str, list[LedgerRow]] = {}
        for i in np.flatnonzero(keep(values, codes.astype(np.int32), names)).tolist():
            row = rows[i]
            if holding is None or any(w and (w in row.indicator or w in row.span) for w in holding):
                out.setdefault(row.doc_id, []).append(row)
        return out

    def stale(self) -> bool:
        found = self.db.query("SELECT v FROM rag_meta WHERE k = 'version'")
        return bool(found) and int(found[0][0]) != self.version

    def describe(self) -> str:
        return self.engine.shown

    def close(self) -> None:
        self.db.close()


class EngineDense:
    """Cosine search in the engine: its HNSW index for the whole corpus, an exact scan of the rows a
    filter keeps (a filtered approximate search can miss rows the filter keeps)."""

    def __init__(self, index: OceanBaseIndex) -> None:
        self._index = index

    @property
    def size(self) -> int:
        return self._index.size

    @property
    def dim(self) -> int:
        return self._index.dim

    @property
    def kind(self) -> str:
        return "oceanbase-hnsw"

    @property
    def settings(self) -> dict[str, int | str]:
        return {**HNSW, "ef_search": HNSW_EF_SEARCH, "distance": "cosine"}

    def search(
        self, query: npt.NDArray[np.float32], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, float]]:
        if self.size == 0 or k <= 0:
            return []
        vec = vector_literal(query)
        if allowed is None:
            sql = (
                f"SELECT row_id, cosine_distance(embedding, %s) d FROM rag_chunks ORDER BY d APPROXIMATE LIMIT {int(k)}"
            )
            return [(int(r), 1.0 - float(d)) for r, d in self._index.db.query(sql, (vec,))]
        spans = ranges(allowed)
        if not spans:
            return []
        if len(spans) > MAX_RANGES:
            scores = self.scores(query)
            rows = np.flatnonzero(allowed[: self.size])
            top = rows[np.argsort(-scores[rows], kind="stable")[:k]]
            return [(int(r), float(scores[r])) for r in top]
        sql = (
            f"SELECT row_id, cosine_distance(embedding, %s) d FROM rag_chunks WHERE {_where(spans)} "
            f"ORDER BY d, row_id LIMIT {int(k)}"
        )
        return [(int(r), 1.0 - float(d)) for r, d in self._index.db.query(sql, (vec,))]

    def scores(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Every row's cosine, computed in the engine (rows of no report: 0)."""
        out = np.zeros(self.size, dtype=np.float32)
        for r, d in self._index.db.query(
            "SELECT row_id, cosine_distance(embedding, %s) FROM rag_chunks", (vector_literal(query),)
        ):
            if r < self.size:
                out[r] = 1.0 - float(d)
        return out


class EngineLexical:
    """BM25 in the engine: MATCH ... AGAINST over the FULLTEXT index of the passages' tokens."""

    def __init__(self, index: OceanBaseIndex) -> None:
        self._index = index
        self._df: dict[str, int] = {}

    @property
    def size(self) -> int:
        return self._index.size

    def _matched(self, tokens: Sequence[str], where: str = "", limit: int | None = None) -> list[tuple[int, float]]:
        spaced = self._index.engine.parser == "space"  # ik tokenises the words itself
        text = " ".join(engine_token(t) if spaced else t for t in tokens if t.strip())
        if not text or self.size == 0:
            return []
        sql = (
            "SELECT row_id, MATCH(tokens) AGAINST(%s) s FROM rag_chunks WHERE MATCH(tokens) AGAINST(%s)"
            f"{' AND ' + where if where else ''} ORDER BY s DESC, row_id"
            f"{f' LIMIT {int(limit)}' if limit is not None else ''}"
        )
        return [(int(r), float(s)) for r, s in self._index.db.query(sql, (text, text)) if s > 0]

    def scores(self, tokens: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros(self.size, dtype=np.float32)
        for r, s in self._matched(tokens):
            if r < self.size:
                out[r] = s
        return out

    def doc_freq(self, token: str) -> int:
        if token not in self._df:
            found = self._index.db.query("SELECT COUNT(*) FROM rag_chunks WHERE MATCH(tokens) AGAINST(%s)", (token,))
            self._df[token] = int(found[0][0]) if found else 0
        return self._df[token]

    def search(
        self, tokens: Sequence[str], k: int, allowed: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, float]]:
        if k <= 0:
            return []
        if allowed is None:
            return self._matched(tokens, limit=k)
        spans = ranges(allowed)
        if not spans:
            return []
        if len(spans) > MAX_RANGES:
            scores = self.scores(tokens)
            rows = np.flatnonzero(allowed[: self.size] & (scores > 0))
            top = rows[np.argsort(-scores[rows], kind="stable")[:k]]
            return [(int(r), float(scores[r])) for r in top]
        return self._matched(tokens, _where(spans), limit=k)
