"""`--add` on a large index without rewriting it: the added reports become a delta segment.

Rewriting a 10,000-report index for one more report costs minutes (HNSW alone took 150 s at 300k
passages; BM25 10 s; 4 GB of files copied). Instead the base segment's files are hard-linked, unchanged,
into the new folder, and every report added since the last full build forms `delta/`: its own chunks,
vectors, flat FAISS and BM25, rebuilt whole on each add (it stays small; its vectors are reused by key).
rag.store.files reads both as one index; rag.lexical.JoinedLexical gives BM25 its idf over both.
A full build (`rag build` without --add, or an --add the delta cannot take) merges them again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rag.chunking import TokenCounter
from rag.embedding import Encoder
from rag.errors import IndexStateError, InputError
from rag.ingest import METADATA_FILE, Correction, apply, lookup, read_corrections, write_corrections
from rag.records import Report
from rag.store.entries import FORMAT_VERSION, BuildParams, DocEntry
from rag.store.files import IndexFiles
from rag.store.guard import make_sibling
from rag.store.segment import Progress, Segment, Skip, doc_hash, make_segment, swap_in, write_segment

DELTA = "delta/"
DELTA_MIN_BASE = 5_000
"""Base rows below which a full rebuild is about as quick (it then takes seconds), so no delta is kept."""
DELTA_MAX_SHARE = 0.10
"""The delta's share of the base's rows past which the add is a full rebuild, which merges it: its
BM25 length normalisation and its exact (flat) FAISS search stay cheap and close to a full build's."""
BASE_FILES = (
    "chunks.jsonl",
    "chunks.offsets.npy",
    "chunks.starts.npy",
    "reports.jsonl",
    "vectors.npy",
    "sentences.npy",
    "dense.faiss",
    "ledger.jsonl",
    "ledger.columns.npz",
    "ledger.names.txt",
    "sections.npy",
)


@dataclass(frozen=True, slots=True)
class Added:
    segment: Segment | None
    """None when every report given is already in the base, unchanged: nothing is written."""
    documents: int
    chunks: int


def add_as_delta(
    previous: IndexFiles,
    new: Sequence[Report],
    corrections: dict[str, Correction],
    encoder: Encoder,
    params: BuildParams,
    counter: TokenCounter,
    progress: Progress | None,
) -> Added | None:
    """The index with `new` added as its delta segment, written and swapped in; None when this add
    must be a full build: a small index, another encoder or parameters, a report of the base replaced
    or its metadata corrected, a delta grown past its share, or a base that does not read back."""
    base_rows = previous.segment_rows[0]
    if (
        base_rows < DELTA_MIN_BASE
        or previous.encoder_id != encoder.id
        or previous.params != params
        or previous.format != FORMAT_VERSION
        or not _base_intact(previous)
    ):
        return None
    base_docs = [d for d in previous.documents if d.first < base_rows]
    base_by_id = {d.doc_id: d for d in base_docs}
    fresh: list[Report] = []
    for r in new:
        held = base_by_id.get(r.doc_id)
        if held is None:
            fresh.append(r)
        elif held.hash != doc_hash(r, params):
            return None  # a report of the base changed: only a full build replaces it
    if _corrects_the_base(previous, corrections, base_docs):
        return None
    if not fresh and not _changed(previous, corrections):
        return Added(None, len(previous.documents), previous.size)  # re-adding what is indexed: no rebuild
    fresh_ids = {r.doc_id for r in fresh}
    delta_docs = [d for d in previous.documents if d.doc_id not in base_by_id and d.doc_id not in fresh_ids]
    try:
        kept = [apply(previous.report(d.doc_id), corrections) for d in delta_docs]
    except (IndexStateError, KeyError, TypeError):
        return None  # an unreadable delta: the full build's own checks say what is wrong
    reports = kept + fresh
    if not fresh or not reports:
        return None
    reuse = previous.vectors_by_key(only=previous.segments[1:])
    skipped: list[Skip] = []
    seg = make_segment(
        reports,
        first_row=base_rows,
        encoder=encoder,
        params=params,
        counter=counter,
        reuse=reuse,
        progress=progress,
        new_ids=fresh_ids,
        skipped=skipped,
    )
    if skipped or len(seg.chunks) > DELTA_MAX_SHARE * base_rows:
        return None  # the full build says what it skips, and merges a delta grown large
    _write(previous, seg, base_docs, corrections)
    return Added(seg, len(base_docs) + len(seg.entries), base_rows + len(seg.chunks))


def _base_intact(previous: IndexFiles) -> bool:
    """The base's files are there and agree with the manifest (read from their headers, not whole):
    linking a damaged file into the new index would lose nothing, but the full build reports it."""
    folder, rows = previous.folder, previous.segment_rows[0]
    try:
        vectors: npt.NDArray[np.float32] = np.load(folder / "vectors.npy", mmap_mode="r")
        sentences: npt.NDArray[np.float32] = np.load(folder / "sentences.npy", mmap_mode="r")
        lexical_rows = int((folder / "lexical" / "rows.txt").read_text(encoding="utf-8"))
    except (OSError, ValueError, EOFError):
        return False
    return (
        vectors.shape == (rows, previous.dim)
        and sentences.ndim == 2
        and lexical_rows == rows
        and all((folder / name).is_file() for name in BASE_FILES)
    )


def _changed(previous: IndexFiles, corrections: dict[str, Correction]) -> bool:
    table = previous.folder / METADATA_FILE
    try:
        stored = read_corrections(table) if table.exists() else {}
    except InputError:
        return True
    return stored != corrections


def _corrects_the_base(previous: IndexFiles, corrections: dict[str, Correction], base_docs: list[DocEntry]) -> bool:
    """Whether a correction not yet applied at the last build names a report of the base."""
    table = previous.folder / METADATA_FILE
    try:
        stored = read_corrections(table) if table.exists() else {}
    except InputError:  # an unreadable stored table: the full build decides
        return True
    changed = {k: c for k, c in corrections.items() if stored.get(k) != c}
    return bool(changed) and any(lookup(d, changed) is not None for d in base_docs)


def _write(previous: IndexFiles, seg: Segment, base_docs: list[DocEntry], corrections: dict[str, Correction]) -> None:
    """The new folder: the base's files linked (no copy), the delta written, the manifest last."""
    index_dir = previous.folder.resolve()
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = make_sibling(index_dir, "tmp", tag)
    try:
        for name in BASE_FILES:
            _link(index_dir / name, tmp / name)
        (tmp / "lexical").mkdir()
        for part in (index_dir / "lexical").iterdir():
            _link(part, tmp / "lexical" / part.name)
        documents = [asdict(d) for d in base_docs] + write_segment(tmp / DELTA, seg)
        if corrections:
            write_corrections(tmp / METADATA_FILE, corrections)
        manifest = dict(previous.manifest)
        manifest |= {
            "segments": ["", DELTA],
            "documents": documents,
            "counts": {"documents": len(documents), "chunks": previous.segment_rows[0] + len(seg.chunks)},
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        swap_in(tmp, index_dir, tag)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _link(source: Path, target: Path) -> None:
    """A hard link (instant, and the old folder's removal leaves it intact); a copy where the file
    system has none."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
