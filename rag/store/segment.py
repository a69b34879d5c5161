"""One segment of an index: reports chunked, embedded (vectors reused by content key), indexed (FAISS
and BM25) and written as files; and the swap that puts a finished folder at the index's path.

A full build writes one segment (rag.store.build); `--add` on a large index writes a second beside the
base's files, which it links instead of rewriting (rag.store.delta).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.chunking import TokenCounter, chunk_report
from rag.dense import DenseIndex
from rag.embedding import Encoder, SpanEncoder
from rag.errors import InputError
from rag.ingest import MAX_CHUNKS_PER_REPORT
from rag.ledger import LedgerRow
from rag.ledger import extract as extract_ledger
from rag.lexical import LexicalIndex
from rag.outline import CANONICAL, canonical_parts, canonical_section
from rag.records import Chunk, Report
from rag.segmentation import Segmenter
from rag.store import columns
from rag.store.entries import BuildParams, DocEntry
from rag.store.guard import replaceable, sibling
from rag.text import sentence_spans

EMBED_BATCH = 64
Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): the CLI draws it as a bar (tqdm) or plain lines, the UI as its own bar."""


@dataclass(frozen=True, slots=True)
class Skip:
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Sentences:
    """Sentence spans per chunk (offsets into chunk.text) and one vector per sentence, in order."""

    spans: list[list[tuple[int, int]]]
    keys: list[str]
    vectors: npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Segment:
    """What one segment's files hold, before they are written."""

    entries: list[DocEntry]
    reports: list[Report]
    chunks: list[Chunk]
    keys: list[str]
    vectors: npt.NDArray[np.float32]
    sentences: Sentences
    dense: DenseIndex
    lexical: LexicalIndex
    embedded: int
    sentences_embedded: int
    seconds_embedding: float
    ledger: list[LedgerRow]
    sections: npt.NDArray[np.int8]
    """Each chunk's canonical part of its report (rag.outline.CANONICAL index), for `--section`."""


def indexed_text(chunk: Chunk, *, prefix_sections: bool = True) -> str:
    """What is embedded and BM25-indexed: unit and section path first (+0.13 Recall@1 measured)."""
    if not prefix_sections:
        return chunk.text
    year = f"{chunk.year}年 " if chunk.year else ""
    return f"{chunk.unit} {year}{chunk.section_path}\n{chunk.text}"


def content_key(encoder_id: str, text: str) -> str:
    return hashlib.sha256(f"{encoder_id}\n{text}".encode()).hexdigest()[:32]


def doc_hash(report: Report, params: BuildParams) -> str:
    meta = report.to_dict()
    raw = json.dumps([meta, report.text, asdict(params)], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _ledger(report: Report, pieces: list[Chunk]) -> list[LedgerRow]:
    """The report's figures, each with the section of the passage it stands in."""
    starts = [c.start for c in pieces]
    rows = []
    for row in extract_ledger(report):
        at = bisect.bisect_right(starts, row.start) - 1
        rows.append(replace(row, section=pieces[at].section_path) if at >= 0 else row)
    return rows


def make_segment(
    reports: Sequence[Report],
    *,
    first_row: int,
    encoder: Encoder,
    params: BuildParams,
    counter: TokenCounter,
    reuse: dict[str, npt.NDArray[np.float32]],
    progress: Progress | None,
    new_ids: set[str],
    skipped: list[Skip],
) -> Segment:
    """Reports chunked, embedded and indexed as the rows first_row, first_row + 1, … of an index. A new
    report over the passage limit is left out and told in `skipped`; kept reports are never left out."""
    chunks: list[Chunk] = []
    entries: list[DocEntry] = []
    kept: list[Report] = []
    ledger: list[LedgerRow] = []
    sections: list[int] = []
    for report in reports:
        pieces = chunk_report(report, max_tokens=params.max_tokens, count_tokens=counter)
        if len(pieces) > MAX_CHUNKS_PER_REPORT and report.doc_id in new_ids:
            reason = f"{len(pieces)} passages; limit {MAX_CHUNKS_PER_REPORT} (RAG_MAX_CHUNKS)"
            skipped.append(Skip(report.source, reason))
            continue
        kept.append(report)
        headings = tuple(dict.fromkeys(c.section[0] for c in pieces))
        first = first_row + len(chunks)
        entries.append(DocEntry.from_report(report, doc_hash(report, params), first, first + len(pieces), headings))
        chunks.extend(pieces)
        ledger += _ledger(report, pieces)
        parts = canonical_parts(headings, report.year)
        sections += [CANONICAL.index(canonical_section(c.section, report.year, parts[c.section[0]])) for c in pieces]

    texts = [indexed_text(c, prefix_sections=params.prefix_sections) for c in chunks]
    keys = [content_key(encoder.id, t) for t in texts]
    sent_spans = [sentence_spans(c.text) for c in chunks]
    t0 = time.perf_counter()
    if params.pooled_sentences and isinstance(encoder, SpanEncoder):
        # sentence vectors from the passage's own forward pass: a sentence's key is its passage's
        # key and its span, since its vector depends on the passage around it
        shift = [len(t) - len(c.text) for t, c in zip(texts, chunks, strict=True)]
        sent_keys = [
            content_key(encoder.id, f"span {a} {b}\n{k}")
            for k, spans in zip(keys, sent_spans, strict=True)
            for a, b in spans
        ]
        vectors, sent_vectors, todo = embed_pooled(
            encoder, encoder.dim, texts, keys, sent_spans, shift, sent_keys, reuse, progress
        )
        sent_todo = [i for i, k in enumerate(sent_keys) if k not in reuse]
    else:
        sent_texts = [c.text[a:b] for c, spans in zip(chunks, sent_spans, strict=True) for a, b in spans]
        sent_keys = [content_key(encoder.id, "sentence\n" + t) for t in sent_texts]
        vectors, todo = embed(encoder, texts, keys, reuse, progress)
        sent_vectors, sent_todo = embed(encoder, sent_texts, sent_keys, reuse, progress, stage="embedding sentences")
    seconds_embedding = time.perf_counter() - t0

    segmenter = Segmenter()
    lexical = LexicalIndex.build([segmenter.tokens(t) for t in texts])
    dense = DenseIndex.build(vectors, hnsw_threshold=params.hnsw_threshold)
    return Segment(
        ledger=ledger,
        sections=np.asarray(sections, dtype=np.int8),
        entries=entries,
        reports=kept,
        chunks=chunks,
        keys=keys,
        vectors=vectors,
        sentences=Sentences(sent_spans, sent_keys, sent_vectors),
        dense=dense,
        lexical=lexical,
        embedded=len(todo),
        sentences_embedded=len(sent_todo),
        seconds_embedding=seconds_embedding,
    )


def embed(
    encoder: Encoder,
    texts: list[str],
    keys: list[str],
    reuse: dict[str, npt.NDArray[np.float32]],
    progress: Progress | None,
    stage: str = "embedding passages",
) -> tuple[npt.NDArray[np.float32], list[int]]:
    """Vectors for texts, taking any whose key the previous index already holds; a text given twice
    (a sentence every town's report repeats) is embedded once (2.9% of the sentences of the
    development corpus; each text runs alone in the encoder, so its copy is the same vector)."""
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    todo = [i for i, k in enumerate(keys) if k not in reuse]
    for i, k in enumerate(keys):
        if k in reuse:
            vectors[i] = reuse[k]
    first: dict[str, int] = {}
    for i in todo:
        first.setdefault(keys[i], i)
    # similar lengths in one batch: less padding for encoders that pad
    todo_by_length = sorted(first.values(), key=lambda i: len(texts[i]))
    for b in range(0, len(todo_by_length), EMBED_BATCH):
        batch = todo_by_length[b : b + EMBED_BATCH]
        vectors[batch] = encoder.encode_passages([texts[i] for i in batch])
        if progress:
            progress(stage, min(b + EMBED_BATCH, len(todo_by_length)), len(todo_by_length))
    for i in todo:
        vectors[i] = vectors[first[keys[i]]]
    return vectors, todo


def embed_pooled(
    encoder: SpanEncoder,
    dim: int,
    texts: list[str],
    keys: list[str],
    spans: list[list[tuple[int, int]]],
    shift: list[int],
    sent_keys: list[str],
    reuse: dict[str, npt.NDArray[np.float32]],
    progress: Progress | None,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], list[int]]:
    """Passage and sentence vectors in one pass per passage; a passage whose vector and sentence
    vectors the previous index holds is not embedded again."""
    first = np.cumsum([0, *map(len, spans)])
    vectors = np.zeros((len(texts), dim), dtype=np.float32)
    sentences = np.zeros((int(first[-1]), dim), dtype=np.float32)
    todo: list[int] = []
    for i, k in enumerate(keys):
        held = k in reuse and all(sk in reuse for sk in sent_keys[first[i] : first[i + 1]])
        if held:
            vectors[i] = reuse[k]
            for j in range(first[i], first[i + 1]):
                sentences[j] = reuse[sent_keys[j]]
        else:
            todo.append(i)
    todo_by_length = sorted(todo, key=lambda i: len(texts[i]))
    for b in range(0, len(todo_by_length), EMBED_BATCH):
        batch = todo_by_length[b : b + EMBED_BATCH]
        shifted = [[(a + shift[i], e + shift[i]) for a, e in spans[i]] for i in batch]
        got, pooled = encoder.encode_passages_with_spans([texts[i] for i in batch], shifted)
        vectors[batch] = got
        for i, rows_ in zip(batch, pooled, strict=True):
            sentences[first[i] : first[i + 1]] = rows_
        if progress:
            progress("embedding passages", min(b + EMBED_BATCH, len(todo)), len(todo))
    return vectors, sentences, todo


def write_segment(folder: Path, seg: Segment) -> list[dict[str, Any]]:
    """The segment's files in `folder` (made here); its manifest entries, each with the byte offset of
    its report's text in the segment's reports.jsonl."""
    folder.mkdir(parents=True, exist_ok=True)
    offsets: list[int] = []
    with (folder / "reports.jsonl").open("wb") as fh:
        for r in seg.reports:
            offsets.append(fh.tell())
            fh.write(json.dumps({"doc_id": r.doc_id, "text": r.text}, ensure_ascii=False).encode() + b"\n")
    chunk_offsets: list[int] = []
    sent_row = 0
    with (folder / "chunks.jsonl").open("wb") as fh:
        for c, k, spans in zip(seg.chunks, seg.keys, seg.sentences.spans, strict=True):
            chunk_offsets.append(fh.tell())
            rec = {
                "sent_row": sent_row,
                "sentences": [list(sp) for sp in spans],
                "sent_keys": seg.sentences.keys[sent_row : sent_row + len(spans)],
                "chunk_id": c.chunk_id,
                "doc_id": c.doc_id,
                "section": list(c.section),
                "start": c.start,
                "end": c.end,
                "text": c.text,
                "key": k,
            }
            fh.write(json.dumps(rec, ensure_ascii=False).encode() + b"\n")
            sent_row += len(spans)
    np.save(folder / "chunks.offsets.npy", np.asarray(chunk_offsets, dtype=np.int64))
    # where each passage starts in its report's text: a ledger row's passage is found without reading
    np.save(folder / "chunks.starts.npy", np.asarray([c.start for c in seg.chunks], dtype=np.int64))
    np.save(folder / "vectors.npy", seg.vectors)
    np.save(folder / "sentences.npy", seg.sentences.vectors)
    np.save(folder / "sections.npy", seg.sections)
    seg.dense.save(folder / "dense.faiss")
    (folder / "lexical").mkdir()
    seg.lexical.save(folder / "lexical")
    columns.write(folder, [e.doc_id for e in seg.entries], seg.ledger)
    return [asdict(e) | {"offset": o} for e, o in zip(seg.entries, offsets, strict=True)]


def swap_in(tmp: Path, index_dir: Path, tag: str) -> None:
    """Put the finished folder `tmp` at the index's path with renames (the old one goes)."""
    if not replaceable(index_dir):  # checked before the build too; a folder may change meanwhile
        raise InputError(
            f"--index: {index_dir.name} holds files that are not an index of rag; nothing in it was touched"
        )
    if index_dir.exists():
        trash = sibling(index_dir, "old", tag)
        # a kill between these two renames leaves the complete new folder beside the path:
        # guard.recover puts it in place on the next open or build
        index_dir.rename(trash)
        tmp.rename(index_dir)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        tmp.rename(index_dir)
