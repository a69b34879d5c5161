"""Reading an index folder: the manifest checked, chunk and report records read one at a time by offset.

Imports rag.store.entries, rag.store.guard and the L2 indexes; never writes, except to put a complete
index back at its path after a build was killed mid-swap.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import orjson

from rag.dense import DenseIndex, JoinedDense
from rag.errors import IndexStateError
from rag.ledger import LedgerRow
from rag.lexical import JoinedLexical, LexicalIndex
from rag.outline import CANONICAL, OutlineRow, canonical_parts, kind_completeness, published_late
from rag.records import REPORT_METADATA, Chunk, Report
from rag.store import columns
from rag.store.entries import FORMAT_VERSION, BuildParams, DocEntry
from rag.store.guard import recover
from rag.store.protocol import IndexReader

SPANS_KEPT = 4096
"""Sentence spans of the chunks read last; a list answer reads a report's passages, then judges them."""


class IndexFiles:
    """An opened index folder. Chunk records are read one line at a time through byte offsets."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, BinaryIO] = {}
        self._fd_lock = threading.Lock()
        self._sentences: dict[str, tuple[int, int]] = {}  # per segment: (byte offset of row 0, floats per row)
        self._spans: OrderedDict[int, tuple[int, list[list[int]]]] = OrderedDict()
        manifest_path = folder / "manifest.json"
        if not manifest_path.exists():
            raise IndexStateError(f"{folder}: no index here; build one with `rag build --index {folder}`")
        self._stamp = _stamp(manifest_path)  # before the read: a swap after it shows as a change
        try:
            self.manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
            self.format = int(self.manifest["format"])
            self.encoder_id = str(self.manifest["encoder"]["id"])
            self.dim = int(self.manifest["encoder"]["dim"])
            self.documents = [DocEntry.from_json(d) for d in self.manifest["documents"]]
            self.params = BuildParams(**self.manifest["params"])
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexStateError(f"{manifest_path}: corrupt manifest; rebuild with `rag build`") from exc
        if self.format != FORMAT_VERSION:
            raise IndexStateError(
                f"{manifest_path}: index format {self.format}, this version reads "
                f"{FORMAT_VERSION}; rebuild with `rag build`"
            )
        # a segment is a folder of chunks, vectors and indexes: the base ("") and, after `--add` on a
        # large index, "delta/" holding the reports added since (rag.store.delta)
        self.segments: list[str] = [str(seg) for seg in self.manifest.get("segments", [""])]
        offsets = []
        for seg in self.segments:
            try:
                offsets.append(np.load(folder / seg / "chunks.offsets.npy"))
            except (OSError, ValueError, EOFError) as exc:
                raise IndexStateError(
                    f"{folder / seg}/chunks.offsets.npy: missing or corrupt; rebuild with `rag build`"
                ) from exc
        self.segment_starts = [int(x) for x in np.cumsum([0, *(len(o) for o in offsets)])]
        self.segment_rows = [b - a for a, b in itertools.pairwise(self.segment_starts)]
        self._offsets = offsets[0] if len(offsets) == 1 else np.concatenate(offsets)
        self.size = int(self._offsets.shape[0])
        self._by_doc = {d.doc_id: d for d in self.documents}
        self._row_doc: list[DocEntry] = []
        for d in self.documents:
            self._row_doc.extend([d] * (d.last - d.first))
        if len(self._row_doc) != self.size:
            raise IndexStateError(f"{manifest_path}: chunk count does not match; rebuild with `rag build`")
        self._lock = threading.Lock()
        self._ledger: columns.LedgerFiles | None = None
        self._starts: npt.NDArray[np.int64] | None = None
        self._read_once: set[str] = set()

    def dense(self) -> DenseIndex | JoinedDense:
        parts = []
        for seg, rows in zip(self.segments, self.segment_rows, strict=True):
            part = DenseIndex.load(self.folder / seg / "dense.faiss")
            if part.size != rows or part.dim != self.dim:
                raise IndexStateError(
                    f"{self.folder / seg}/dense.faiss: does not match the manifest; rebuild with `rag build`"
                )
            parts.append(part)
        return parts[0] if len(parts) == 1 else JoinedDense(parts)

    def lexical(self) -> LexicalIndex | JoinedLexical:
        parts = []
        for seg, rows in zip(self.segments, self.segment_rows, strict=True):
            part = LexicalIndex.load(self.folder / seg / "lexical")
            if part.size != rows:
                raise IndexStateError(
                    f"{self.folder / seg}/lexical: does not match the manifest; rebuild with `rag build`"
                )
            parts.append(part)
        return parts[0] if len(parts) == 1 else JoinedLexical(parts)

    def segment_of(self, row: int) -> tuple[str, int]:
        """(segment folder, row within it) of a row of the index."""
        i = bisect.bisect_right(self.segment_starts, row) - 1
        return self.segments[i], row - self.segment_starts[i]

    def doc(self, doc_id: str) -> DocEntry:
        return self._by_doc[doc_id]

    def row_doc(self, row: int) -> DocEntry:
        return self._row_doc[row]

    def _fd(self, name: str) -> int:
        """One descriptor per file, opened on first use and kept: reads are positioned (pread), so
        threads share it without a lock around each read."""
        fh = self._files.get(name)
        if fh is None:
            with self._fd_lock:
                fh = self._files.get(name)
                if fh is None:
                    fh = self._files[name] = (self.folder / name).open("rb", buffering=0)
        return fh.fileno()

    def _record(self, name: str, offset: int, size: int = 4096) -> dict[str, Any]:
        """One JSON line at a byte offset, read with pread. Not a memory map: the kernel maps the 16
        cached pages around every touched one into the process, so one "which units" answer over
        6,660 reports counted 306 MB of chunks.jsonl (and 1.7 GB of sentences.npy) in its RSS for
        the 145 MB it read. (A cache of parsed records was measured slower: 3.05 s against 2.63 s.)"""
        try:
            fd = self._fd(name)
            data = os.pread(fd, size, offset)
            while b"\n" not in data and len(data) == size:  # a long report: read on to its line's end
                more = os.pread(fd, size, offset + len(data))
                data += more
                size = len(more) if more else 0
            end = data.find(b"\n")
            rec = orjson.loads(data[: end if end >= 0 else len(data)])  # 3x json's speed on these records
        except (OSError, ValueError) as exc:
            raise IndexStateError(f"{self.folder / name}: unreadable record; rebuild with `rag build`") from exc
        if not isinstance(rec, dict):
            raise IndexStateError(f"{self.folder / name}: unreadable record; rebuild with `rag build`")
        return rec

    def _chunk_record(self, row: int) -> dict[str, Any]:
        """A chunk's record, read to the next record's offset (to the line's end for a segment's last)."""
        i = bisect.bisect_right(self.segment_starts, row) - 1
        start = int(self._offsets[row])
        size = int(self._offsets[row + 1]) - start if row + 1 < self.segment_starts[i + 1] else 65536
        return self._record(f"{self.segments[i]}chunks.jsonl", start, max(size, 1))

    def chunk(self, row: int) -> Chunk:
        rec = self._chunk_record(row)
        # the sentences of a chunk just read are asked for next, while it is judged: keeping them
        # saves a second read and parse of the record (17,832 of 52,842 in one "which units" answer)
        with self._lock:
            self._spans[row] = (rec["sent_row"], rec["sentences"])
            if len(self._spans) > SPANS_KEPT:
                self._spans.popitem(last=False)
        return self._row_doc[row].chunk(rec)

    def chunk_starts(self) -> npt.NDArray[np.int64] | None:
        """Where each passage starts in its report's text, by row; None for an index written before
        they were kept (the caller then reads the passages)."""
        with self._lock:
            if "starts" not in self._read_once:
                self._read_once.add("starts")
                try:
                    starts = np.concatenate([np.load(self.folder / s / "chunks.starts.npy") for s in self.segments])
                    self._starts = starts if starts.shape == (self.size,) else None
                except (OSError, ValueError, EOFError):
                    pass
            return self._starts

    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        return [self.chunk(r) for r in rows]

    def stale(self) -> bool:
        """A build (this process's, the CLI's, another server's) swapped a new folder in: its manifest
        is another file now. One stat per request; a server then reopens instead of reading the new
        folder's files through the old one's offsets."""
        return _stamp(self.folder / "manifest.json") != self._stamp

    def describe(self) -> str:
        return str(self.folder)

    def report(self, doc_id: str) -> Report:
        d = self._by_doc[doc_id]
        seg, _ = self.segment_of(min(d.first, self.size - 1))
        rec = self._record(f"{seg}reports.jsonl", d.offset, 65536)
        fields = {name: getattr(d, name) for name in REPORT_METADATA}
        return Report(**fields, text=rec["text"])

    def reports(self) -> list[Report]:
        return [self.report(d.doc_id) for d in self.documents]

    def sections(self) -> npt.NDArray[np.int8]:
        """Each row's canonical part of its report (rag.outline.CANONICAL index)."""
        parts = []
        for seg, rows in zip(self.segments, self.segment_rows, strict=True):
            path = self.folder / seg / "sections.npy"
            try:
                codes = np.load(path)
            except FileNotFoundError as exc:
                raise IndexStateError(f"{self.folder}: built without sections; rebuild it with `rag build`") from exc
            except (OSError, ValueError, EOFError) as exc:
                raise IndexStateError(f"{path}: corrupt; rebuild with `rag build`") from exc
            if codes.shape != (rows,):
                raise IndexStateError(f"{path}: does not match the manifest; rebuild with `rag build`")
            parts.append(codes)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def outline(self) -> list[OutlineRow]:
        return outline_rows(self)

    def ledger(self) -> Iterator[LedgerRow]:
        """Every figure of every report (rag.ledger), report by report: never the whole ledger in
        memory (at 10,000 reports it is 900,000 rows)."""
        for d in self.documents:
            yield from self.ledger_of(d.doc_id)

    def ledger_of(self, doc_id: str) -> list[LedgerRow]:
        """One report's figures, read with one pread between its bounds (rag.store.columns)."""
        return self._ledger_files().of(doc_id)

    def ledger_where(self, keep: columns.Keep, holding: Sequence[str] | None = None) -> dict[str, list[LedgerRow]]:
        """The figures `keep` picks by value and measure (and whose indicator or span holds one of
        `holding`'s words), by report; only those are parsed."""
        return self._ledger_files().where(keep, holding)

    def _ledger_files(self) -> columns.LedgerFiles:
        with self._lock:
            if self._ledger is None:
                order = {seg: [d.doc_id for d in docs] for seg, docs in self._segment_documents().items()}
                self._ledger = columns.LedgerFiles(self.folder, order, self._fd)
            return self._ledger

    def _segment_documents(self) -> dict[str, list[DocEntry]]:
        """Each segment's reports, in the order its files hold them."""
        out: dict[str, list[DocEntry]] = {seg: [] for seg in self.segments}
        for d in sorted(self.documents, key=lambda d: d.first):
            out[self.segment_of(min(d.first, self.size - 1))[0]].append(d)
        return out

    def vectors_by_key(self, only: list[str] | None = None) -> dict[str, npt.NDArray[np.float32]]:
        """Every chunk and sentence vector of this index (or of the segments `only`) by content key,
        for reuse by a rebuild."""
        out: dict[str, npt.NDArray[np.float32]] = {}
        for seg in self.segments if only is None else only:
            try:
                vectors = np.load(self.folder / seg / "vectors.npy")
                sent_vectors = np.load(self.folder / seg / "sentences.npy")
                with (self.folder / seg / "chunks.jsonl").open("rb") as fh:
                    for row, line in enumerate(fh):
                        rec = json.loads(line)
                        out[rec["key"]] = vectors[row]
                        for i, key in enumerate(rec["sent_keys"]):
                            out[key] = sent_vectors[rec["sent_row"] + i]
            except (OSError, ValueError, KeyError, IndexError, EOFError):
                continue  # nothing reusable there; the rebuild embeds it
        return out

    def sentence_vectors(self, seg: str = "") -> npt.NDArray[np.float32]:
        """A segment's sentence vectors (rows in chunk order), memory-mapped, for checks; answers read
        a chunk's rows with sentences()."""
        try:
            mapped: npt.NDArray[np.float32] = np.load(self.folder / seg / "sentences.npy", mmap_mode="r")
            return mapped
        except (OSError, ValueError, EOFError) as exc:
            raise IndexStateError(
                f"{self.folder / seg}/sentences.npy: missing or corrupt; rebuild with `rag build`"
            ) from exc

    def sentences(self, row: int) -> tuple[list[tuple[int, int]], npt.NDArray[np.float32]]:
        """(spans into the chunk text, their vectors) of one chunk. The vectors are read with one pread
        (at 300k chunks sentences.npy is 1.9 GB, and a "which units" answer reads 145 MB of it)."""
        with self._lock:
            kept = self._spans.get(row)
        if kept is None:
            rec = self._chunk_record(row)
            kept = (rec["sent_row"], rec["sentences"])
        sent_row, listed = kept
        spans = [(int(a), int(b)) for a, b in listed]
        seg, _ = self.segment_of(row)
        if seg not in self._sentences:
            with (self.folder / seg / "sentences.npy").open("rb") as fh:
                try:
                    version = np.lib.format.read_magic(fh)
                    shape, _, dtype = (
                        np.lib.format.read_array_header_1_0(fh)
                        if version == (1, 0)
                        else np.lib.format.read_array_header_2_0(fh)
                    )
                except ValueError as exc:
                    raise IndexStateError(
                        f"{self.folder / seg}/sentences.npy: corrupt; rebuild with `rag build`"
                    ) from exc
                if dtype != np.float32 or len(shape) != 2:
                    raise IndexStateError(f"{self.folder / seg}/sentences.npy: corrupt; rebuild with `rag build`")
                self._sentences[seg] = (fh.tell(), int(shape[1]))
        start, dim = self._sentences[seg]
        width = 4 * dim
        data = os.pread(self._fd(f"{seg}sentences.npy"), width * len(spans), start + width * int(sent_row))
        if len(data) != width * len(spans):
            raise IndexStateError(
                f"{self.folder / seg}/sentences.npy: shorter than its records; rebuild with `rag build`"
            )
        return spans, np.frombuffer(data, dtype=np.float32).reshape(len(spans), dim)

    def verify(self) -> list[Report]:
        """Every file read and checked against the manifest, and every report's text: what `--add`
        keeps must all be there, or the build would drop reports without a word."""
        self.dense()
        self.lexical()
        for seg, rows in zip(self.segments, self.segment_rows, strict=True):
            vectors = self._array(f"{seg}vectors.npy")
            if vectors.shape != (rows, self.dim):
                raise IndexStateError(
                    f"{self.folder / seg}/vectors.npy: does not match the manifest; rebuild with `rag build`"
                )
            if self.sentence_vectors(seg).ndim != 2:
                raise IndexStateError(f"{self.folder / seg}/sentences.npy: corrupt; rebuild with `rag build`")
        try:
            return self.reports()
        except (KeyError, TypeError) as exc:
            raise IndexStateError(f"{self.folder}/reports.jsonl: corrupt; rebuild with `rag build`") from exc

    def _array(self, name: str) -> npt.NDArray[np.float32]:
        try:
            loaded: npt.NDArray[np.float32] = np.load(self.folder / name)
            return loaded
        except (OSError, ValueError, EOFError) as exc:
            raise IndexStateError(f"{self.folder}/{name}: missing or corrupt; rebuild with `rag build`") from exc


def outline_rows(reader: IndexReader) -> list[OutlineRow]:
    """The completeness matrix: every report's required parts (rag.outline), read from the parts
    its passages were mapped to at build time and, for a part without a heading, its text."""
    codes = reader.sections()
    rows = []
    for d in reader.documents:
        present = {CANONICAL[int(c)] for c in np.unique(codes[d.first : d.last])}
        rows.append(
            OutlineRow(
                doc_id=d.doc_id,
                unit=d.unit,
                year=d.year,
                kind=d.kind,
                published=d.published,
                late=published_late(d.published, d.year),
                parts=tuple(kind_completeness(d.kind, d.headings, present, reader.report(d.doc_id).text).items()),
                headings=tuple(canonical_parts(list(d.headings), d.year).items()),
            )
        )
    return rows


def _stamp(path: Path) -> tuple[int, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, 0, 0)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def open_index(folder: Path) -> IndexFiles:
    recover(folder)  # a build killed between its two renames left the index beside the path
    return IndexFiles(folder)


def open_quietly(folder: Path) -> IndexFiles | None:
    """The previous index, if readable; a broken one is simply rebuilt, never an error here."""
    try:
        return IndexFiles(folder)
    except IndexStateError:
        return None
