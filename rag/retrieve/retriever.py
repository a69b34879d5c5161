"""The Retriever: open an index once, then search it (one query, or every report in one pass), read
its passages, sentences and ledger rows. The filters it applies are rag.retrieve.scope's."""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

import faiss
import numpy as np
import numpy.typing as npt

from rag import units as unit_names
from rag.backends import Location, open_reader
from rag.embedding import Encoder, load_encoder
from rag.errors import IndexStateError, InputError
from rag.fusion import rrf, weighted_sum
from rag.ledger import LedgerRow
from rag.outline import CANONICAL, OutlineRow, Role, part_roles, section_role
from rag.records import Chunk, Hit, Report
from rag.retrieve.scope import filter_ledger, select_documents
from rag.segmentation import Segmenter
from rag.store import DocEntry
from rag.store.columns import Keep
from rag.store.protocol import IndexReader
from rag.text import has_chinese

CANDIDATES = 60
"""How deep each side is read before fusion; well past any k a user asks for."""
LEXICAL_WEIGHT_NO_CHINESE = 0.25
"""BM25 over jieba tokens barely matches an English query (measured R@5 0.00), so it only nudges."""
DENSE_WEIGHT = 0.6
"""Share of the normalised cosine in the fused score (BM25 gets the rest). On our 61 questions
0.5-0.7 all reached Recall@1 >= 0.90; plain RRF reached 0.84."""
UNIT_BOOST = 0.3
"""Bonus for passages from units the query names (霞山区…, or "Puqian town" in English)."""
MAX_QUERY_CHARS = 2000
QUERY_CACHE = 256
"""Encoded queries kept per Retriever (384 floats each)."""
SearchMode = Literal["hybrid", "dense", "lexical"]
Fusion = Literal["weighted", "rrf"]


class Retriever:
    """Open once, search many times; safe to share between threads (no mutable state per query)."""

    def __init__(self, files: IndexReader, encoder: Encoder) -> None:
        self._files = files
        self._encoder = encoder
        self._dense = files.dense()
        self._lexical = files.lexical()
        self._segmenter = Segmenter(questions=True)
        self._doc_rows = {d.doc_id: (d.first, d.last) for d in files.documents}
        self._aliases = {u: unit_names.aliases(u) for u in dict.fromkeys(d.unit for d in files.documents)}
        self._query_cache: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._parts: dict[str, dict[str, Role]] = {}
        self._sections: npt.NDArray[np.int8] | None = None

    @classmethod
    def open(cls, index_dir: Location, *, encoder: Encoder | None = None, quick_start: bool = False) -> Retriever:
        """A folder or an engine URL (rag.backends). Raises IndexStateError when there is no index or it
        was built with another encoder. quick_start: this process asks a question or two and exits (the
        CLI), so the encoder's slowest part is built on the second core while the index opens."""
        faiss.omp_set_num_threads(1)  # one query at a time: OpenMP start-up costs more than it saves
        files = open_reader(index_dir)
        if encoder is None:
            encoder = load_encoder(files.encoder_id, quick_start=quick_start)
        if encoder.id != files.encoder_id or encoder.dim != files.dim:
            raise IndexStateError(
                f"{files.describe()}: built with {files.encoder_id}/{files.dim}, "
                f"asked for {encoder.id}/{encoder.dim}; rebuild with `rag build --model ...`"
            )
        return cls(files, encoder)

    @property
    def location(self) -> str:
        """Where the index is: its folder, or the engine's URL without a password."""
        return self._files.describe()

    def stale(self) -> bool:
        """Another process changed the index since it was opened (two app servers on one engine)."""
        return self._files.stale()

    @property
    def manifest(self) -> dict[str, Any]:
        return dict(self._files.manifest)

    @property
    def documents(self) -> tuple[DocEntry, ...]:
        return tuple(self._files.documents)

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.unit for d in self._files.documents))

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({d.year for d in self._files.documents if d.year is not None}))

    def ledger(self) -> Iterable[LedgerRow]:
        """Every figure of every report (rag.ledger), read report by report as it is consumed: the
        ledger is never held whole (at 10,000 reports it was 900,000 rows and seconds to load)."""
        return self._files.ledger()

    def ledger_of(self, doc_id: str) -> list[LedgerRow]:
        """One report's ledger rows, read when asked; none for an index built without a ledger
        (answers then rely on retrieval alone, as before)."""
        try:
            return self._files.ledger_of(doc_id)
        except IndexStateError:
            return []

    def ledger_where(self, keep: Keep, holding: Sequence[str] | None = None) -> dict[str, list[LedgerRow]]:
        """The ledger rows `keep` picks by value and measure (rag.store.columns) and, when `holding` is
        given, whose indicator or span holds one of its words, by report; none for an index built
        without a ledger. An index written before the names gives every row `keep` picks."""
        try:
            return self._files.ledger_where(keep, holding)
        except IndexStateError:
            return {}

    def chunk_at(self, doc_id: str, offset: int) -> Chunk:
        """The passage of a report that holds a character offset of its text (a ledger row's span)."""
        first, last = self._doc_rows[doc_id]
        starts = self._files.chunk_starts()
        if starts is not None:  # the last passage starting at or before the offset, without reading any
            at = first + int(np.searchsorted(starts[first:last], offset, side="right")) - 1
            return self._files.chunk(max(at, first))
        lo, hi = first, last - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._files.chunk(mid).start <= offset:
                lo = mid
            else:
                hi = mid - 1
        return self._files.chunk(lo)

    def ledger_rows(
        self, *, indicator: str | None = None, unit: str | None = None, year: int | None = None, kind: str | None = None
    ) -> list[LedgerRow]:
        """The ledger's rows a filter keeps (filter_ledger)."""
        return filter_ledger(self.ledger(), self.units, indicator=indicator, unit=unit, year=year, kind=kind)

    def outline(self) -> list[OutlineRow]:
        """The completeness matrix (rag.outline): each report's required parts and its publication."""
        return self._files.outline()

    def resolve_unit(self, name: str) -> list[str]:
        """The indexed units a name means (霞山区 -> 霞山区人民政府办公室); the longest alias wins."""
        return unit_names.resolve(name, self.units)

    def units_in(self, text: str) -> list[str]:
        """Indexed units mentioned in free text (Chinese names, or pinyin in English text)."""
        found = unit_names.mentioned(text, self._aliases)
        # an English question may carry Chinese glosses ("proactively disclosed (主动公开)")
        if not found and re.search(r"[A-Za-z]{3,}", text):
            found = unit_names.mentioned_romanised(text, self.units)
        return found

    @property
    def encoder(self) -> Encoder:
        return self._encoder

    @property
    def segmenter(self) -> Segmenter:
        """The retriever's jieba tokenizer, shared so answering does not load a second dictionary."""
        return self._segmenter

    @property
    def all_aliases(self) -> set[str]:
        return set().union(*self._aliases.values()) if self._aliases else set()

    def query_vector(self, text: str) -> npt.NDArray[np.float32]:
        """The encoded query, cached: answering searches once per report with the same question."""
        with self._cache_lock:
            hit = self._query_cache.get(text)
            if hit is not None:
                self._query_cache.move_to_end(text)
                return hit
        vec: npt.NDArray[np.float32] = self._encoder.encode_queries([text])[0]
        with self._cache_lock:
            self._query_cache[text] = vec
            while len(self._query_cache) > QUERY_CACHE:
                self._query_cache.popitem(last=False)
        return vec

    def clear_query_cache(self) -> None:
        """Forget encoded queries (benchmarks call this so repeated queries are timed honestly)."""
        with self._cache_lock:
            self._query_cache.clear()

    def sentences(self, chunk: Chunk) -> list[tuple[int, int, npt.NDArray[np.float32]]]:
        """(start, end, vector) of each sentence of a chunk; offsets into chunk.text."""
        spans, vectors = self.sentence_block(chunk)
        return [(a, b, vectors[i]) for i, (a, b) in enumerate(spans)]

    def sentence_block(self, chunk: Chunk) -> tuple[list[tuple[int, int]], npt.NDArray[np.float32]]:
        """A chunk's sentence spans (offsets into chunk.text) and their vectors, one row each."""
        first, _ = self._doc_rows[chunk.doc_id]
        return self._files.sentences(first + int(chunk.chunk_id.rsplit("#", 1)[1]))

    def rarity(self, term: str) -> float:
        """BM25's idf of a term over the indexed chunks; a term no chunk holds is the rarest."""
        n = self._files.size
        tokens = self._segmenter.tokens(term) or [term]
        df = min(self._lexical.doc_freq(t) for t in tokens)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def occurs(self, term: str) -> bool:
        """Whether any indexed chunk holds every token of the term."""
        tokens = self._segmenter.tokens(term) or [term]
        return min(self._lexical.doc_freq(t) for t in tokens) > 0

    def report(self, doc_id: str) -> Report:
        return self._files.report(doc_id)

    def role(self, chunk: Chunk) -> Role:
        """The part of its report a chunk stands in (results, shortfalls, the plan): rag.outline, with
        the report's top-level headings read once per report."""
        with self._cache_lock:
            parts = self._parts.get(chunk.doc_id)
        if parts is None:
            tops = list(self._files.doc(chunk.doc_id).headings)
            if not tops:  # an index built before headings were kept
                tops = list(dict.fromkeys(c.section[0] for c in self.chunks_of(chunk.doc_id)))
            parts = part_roles(tops, chunk.year)
            with self._cache_lock:
                self._parts[chunk.doc_id] = parts
        return section_role(chunk.section, chunk.year, parts.get(chunk.section[0]))

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        first, last = self._doc_rows[doc_id]
        return self._files.chunks(range(first, last))

    def allowed_rows(
        self,
        *,
        unit: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        region: str | None = None,
        doc_ids: Sequence[str] | None = None,
        section: str | None = None,
    ) -> npt.NDArray[np.bool_] | None:
        """Row mask for the filters; InputError when a filter matches nothing that is indexed."""
        if unit is None and year is None and kind is None and region is None and doc_ids is None and section is None:
            return None
        docs = select_documents(
            self._files.documents, self.units, unit=unit, year=year, kind=kind, region=region, doc_ids=doc_ids
        )
        mask = np.zeros(self._files.size, dtype=bool)
        for d in docs:
            mask[d.first : d.last] = True
        if section is not None:
            mask &= self.section_rows(section)
        return mask

    def section_rows(self, section: str) -> npt.NDArray[np.bool_]:
        """Rows in the canonical part `section` names (its name or a part of it: 不足, 第一责任人)."""
        codes = [i for i, name in enumerate(CANONICAL) if section.strip() and section.strip() in name]
        if not codes:
            raise InputError(f"--section: '{section}' is none of {'、'.join(CANONICAL)}")
        with self._cache_lock:
            if self._sections is None:
                self._sections = self._files.sections()
        return np.isin(self._sections, codes)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        unit: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        region: str | None = None,
        doc_ids: Sequence[str] | None = None,
        section: str | None = None,
        mode: SearchMode = "hybrid",
        fusion: Fusion = "weighted",
    ) -> list[Hit]:
        """Hybrid search: dense and BM25 rankings fused by weighted reciprocal rank.

        mode="dense" or "lexical" uses one side only, fusion="rrf" plain reciprocal rank fusion:
        both exist for ablations, not for users.
        """
        query = query.strip()
        if not query:
            raise InputError("query: must not be empty")
        if len(query) > MAX_QUERY_CHARS:
            raise InputError(f"query: longer than {MAX_QUERY_CHARS} characters")
        if k < 1:
            raise InputError(f"k: must be at least 1, got {k}")
        allowed = self.allowed_rows(unit=unit, year=year, kind=kind, region=region, doc_ids=doc_ids, section=section)
        if allowed is not None and not allowed.any():
            return []
        depth = max(CANDIDATES, k * 3)
        named = self.units_in(query) if unit is None and mode == "hybrid" and fusion == "weighted" else []
        dense_query = _dense_query(query, named)
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode != "lexical":
            dense = self._dense.search(self.query_vector(dense_query), depth, allowed)
        if mode != "dense":
            lexical = self._lexical.search(self._segmenter.tokens(query), depth, allowed)
        lex_weight = 1.0 if has_chinese(query) else LEXICAL_WEIGHT_NO_CHINESE
        if fusion == "rrf":
            rankings = [[r for r, _ in dense], [r for r, _ in lexical]]
            fused = rrf(rankings, [1.0, lex_weight if dense else 1.0])
        else:
            fused = self._weighted(dense, lexical, lex_weight, named)
        return self._hits(fused[:k], dense, lexical)

    def _weighted(
        self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]], lex_weight: float, named: list[str]
    ) -> list[tuple[int, float]]:
        """The shipped fusion: weighted min-max scores, and a boost for the units the question names."""
        scored = [dense, lexical]
        weights = [DENSE_WEIGHT, (1 - DENSE_WEIGHT) * lex_weight if dense else 1.0]
        if named:
            # the question names its units: their passages outrank look-alikes from other reports
            candidates = dict.fromkeys([r for r, _ in dense] + [r for r, _ in lexical])
            scored.append([(r, float(self._files.row_doc(r).unit in named)) for r in candidates])
            weights.append(UNIT_BOOST)
        return weighted_sum(scored, weights)

    def _hits(
        self, fused: Sequence[tuple[int, float]], dense: list[tuple[int, float]], lexical: list[tuple[int, float]]
    ) -> list[Hit]:
        dense_by_row = dict(dense)
        lex_by_row = dict(lexical)
        chunks = self._files.chunks([row for row, _ in fused])  # one read for all of them
        return [
            Hit(
                chunk=chunk,
                score=score,
                rank=rank,
                dense_score=dense_by_row.get(row),
                lexical_score=lex_by_row.get(row),
            )
            for rank, ((row, score), chunk) in enumerate(zip(fused, chunks, strict=True), start=1)
        ]

    def search_each(
        self, query: str, doc_ids: Sequence[str], k: int = 5, *, section: str | None = None
    ) -> Iterator[list[Hit]]:
        """search(query, k, doc_ids=[d]) for every report d, in one pass: every row is scored once
        (one matrix product, one BM25 pass), then each report's rows are ranked and fused as search()
        ranks them. Reading 400 reports costs one search, not 400 (each one a scan of the index).
        Each report's hits are read as the caller reaches them, so a report is judged while its
        passages were just read (and their sentences are still at hand)."""
        query = query.strip()
        if not query:
            raise InputError("query: must not be empty")
        depth = max(CANDIDATES, k * 3)
        named = self.units_in(query)
        dense_query = _dense_query(query, named)
        cosine = self._dense.scores(self.query_vector(dense_query))
        bm25 = self._lexical.scores(self._segmenter.tokens(query))
        lex_weight = 1.0 if has_chinese(query) else LEXICAL_WEIGHT_NO_CHINESE
        spans = [self._doc_rows[doc_id] for doc_id in doc_ids]  # an unknown report fails here, not midway
        inside = self.section_rows(section) if section is not None else None

        def each() -> Iterator[list[Hit]]:
            for first, last in spans:
                rows = np.arange(first, last)
                if inside is not None:  # only the report's passages in that part
                    rows = rows[inside[first:last]]
                top = rows[np.argsort(-cosine[rows], kind="stable")[:depth]]
                dense = [(int(r), float(cosine[r])) for r in top]
                best = rows[np.argsort(-bm25[rows], kind="stable")[:depth]]
                lexical = [(int(r), float(bm25[r])) for r in best if bm25[r] > 0]
                yield self._hits(self._weighted(dense, lexical, lex_weight, named)[:k], dense, lexical)

        return each()


def _dense_query(query: str, named: list[str]) -> str:
    """An English question names units in pinyin; the encoder only knows their Chinese names."""
    return query if has_chinese(query) or not named else f"{query} ({'、'.join(named)})"
