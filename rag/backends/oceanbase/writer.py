"""Writing an index into OceanBase: a full build, reports added (only they are embedded), reports
removed. Each is one transaction, serialised by a lock on the manifest's version row, so two app
servers uploading at once each see the other's reports and never a half-written one.

The reports are chunked, embedded and their ledger extracted exactly as for a folder
(rag.store.segment.make_segment); only where the rows go differs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from rag.backends.oceanbase.connect import Engine, connect, schema
from rag.backends.oceanbase.rows import delete, meta, settle, write
from rag.chunking import TokenCounter, default_token_counter
from rag.embedding import Encoder
from rag.errors import InputError
from rag.ingest import Correction, apply, write_corrections
from rag.records import REPORT_METADATA, Report
from rag.store import FORMAT_VERSION, BuildParams, BuildResult, DocEntry, IndexFiles
from rag.store.build import build_result, check_removable, collect_reports, nothing_to_index
from rag.store.identity import Draft, given_corrections, settle_identities
from rag.store.segment import Progress, Segment, doc_hash, make_segment

SETTLE_SHARE = 0.10
"""A write of more than this share of the passages waits for the engine's compaction (see _settle)."""


def build_engine(
    paths: Sequence[Path],
    engine: Engine,
    *,
    encoder: Encoder,
    params: BuildParams | None = None,
    add: bool = False,
    count_tokens: TokenCounter | None = None,
    progress: Progress | None = None,
    sources: dict[Path, str] | None = None,
    metadata: Path | None = None,
    remove: Sequence[str] = (),
    origin: IndexFiles | None = None,
) -> BuildResult:
    """rag.store.build_index's contract, into the engine: with add=True the indexed reports are kept
    (a report given again replaces its old rows only if it changed), `remove` drops reports by id.
    `origin`, a folder index, is copied in with its reports and their vectors (nothing is embedded
    again): how one machine's index moves to a shared engine."""
    started = time.perf_counter()
    params = params or BuildParams()
    conn = connect(engine, create=True)
    try:
        with conn.cursor() as cur:
            for ddl in schema(encoder.dim, engine.parser)[:3]:
                cur.execute(ddl)
            cur.execute("INSERT IGNORE INTO rag_meta (k, v) VALUES ('version', '0')")
        manifest = meta(conn, "manifest")
        stored = _stored_corrections(conn)
        corrections = dict(stored) | given_corrections(paths, metadata)
        indexed = _entries(conn) if manifest is not None else {}
        if remove:
            add = True
            check_removable(remove, list(indexed))
        draft = collect_reports(paths, sources, progress)
        if add and indexed:  # the same text is stored once; another file's namesake gets its own id
            settle_identities(draft, list(indexed.values()))
        draft.reports[:] = [apply(r, corrections) for r in draft.reports]
        counter = count_tokens or default_token_counter()
        same = manifest is not None and _same_build(manifest, encoder, params)
        if add and same and draft.reports and not remove and corrections == stored:
            fresh = [r for r in draft.reports if _changed(r, indexed, params)]
            if not fresh:  # every report given is indexed already, unchanged: nothing is written
                return build_result(None, draft, len(indexed), sum(d.last - d.first for d in indexed.values()), started)
            replaced = [r.doc_id for r in fresh if r.doc_id in indexed]
            seg = _segment(fresh, encoder, params, counter, _vectors(conn, replaced), progress, draft)
            totals = write(conn, engine, seg, encoder, params, corrections, replace_ids=replaced, full=False)
            settle(conn, wait=len(seg.chunks) > SETTLE_SHARE * totals[1], progress=progress)
            return build_result(seg, draft, totals[0], totals[1], started)
        if remove and not draft.reports and same and corrections == stored and origin is None:
            if set(remove) >= set(indexed):
                raise InputError("remove: that would leave the index empty; delete the index instead")
            totals = delete(conn, remove)  # only their rows go: nothing is re-read or re-embedded
            settle(conn, wait=False, progress=progress)
            return build_result(None, draft, totals[0], totals[1], started)
        kept = _kept_reports(conn, indexed, corrections) if add and indexed else []
        gone = {r.doc_id for r in draft.reports} | set(remove)
        if origin is not None:  # the folder's reports, as corrected there, then what is given here
            copied = [apply(r, corrections) for r in origin.verify() if r.doc_id not in gone]
            gone |= {r.doc_id for r in copied}
            draft.reports[:0] = copied
        reports = [r for r in kept if r.doc_id not in gone] + draft.reports
        if not reports and remove:
            raise InputError("remove: that would leave the index empty; delete the index instead")
        if not reports:
            raise InputError(nothing_to_index(paths, draft))
        reuse = _vectors(conn, None) if manifest is not None and manifest["encoder"]["id"] == encoder.id else {}
        if origin is not None and origin.encoder_id == encoder.id:
            reuse |= origin.vectors_by_key()
        seg = _segment(reports, encoder, params, counter, reuse, progress, draft)
        totals = write(conn, engine, seg, encoder, params, corrections, replace_ids=[], full=True)
        settle(conn, wait=True, progress=progress)
        return build_result(seg, draft, totals[0], totals[1], started)
    finally:
        conn.close()


def _segment(
    reports: list[Report],
    encoder: Encoder,
    params: BuildParams,
    counter: TokenCounter,
    reuse: dict[str, npt.NDArray[np.float32]],
    progress: Progress | None,
    draft: Draft,
) -> Segment:
    new_ids = {r.doc_id for r in draft.reports}
    seg = make_segment(
        reports,
        first_row=0,
        encoder=encoder,
        params=params,
        counter=counter,
        reuse=reuse,
        progress=progress,
        new_ids=new_ids,
        skipped=draft.skipped,
    )
    kept = {e.doc_id for e in seg.entries}
    draft.reports[:] = [r for r in draft.reports if r.doc_id in kept]
    if not seg.entries:
        raise InputError(nothing_to_index([], draft))
    return seg


def _changed(report: Report, indexed: dict[str, DocEntry], params: BuildParams) -> bool:
    return report.doc_id not in indexed or indexed[report.doc_id].hash != doc_hash(report, params)


def _same_build(manifest: dict[str, Any], encoder: Encoder, params: BuildParams) -> bool:
    return (
        manifest.get("format") == FORMAT_VERSION
        and manifest.get("encoder", {}).get("id") == encoder.id
        and manifest.get("params") == asdict(params)
    )


def _stored_corrections(conn: Any) -> dict[str, Correction]:
    raw = meta(conn, "corrections") or {}
    return {file: Correction(**fields) for file, fields in raw.items()}


def stored_corrections(engine: Engine) -> dict[str, Correction]:
    """The corrections (file, unit, year, kind) an engine's index keeps: what reports.csv is to a folder."""
    conn = connect(engine)
    try:
        return _stored_corrections(conn)
    finally:
        conn.close()


def corrections_file(table: dict[str, Correction], folder: Path) -> Path:
    """The table as a reports.csv, for `metadata=` of a build."""
    path = folder / "reports.csv"
    write_corrections(path, table)
    return path


def _entries(conn: Any) -> dict[str, DocEntry]:
    with conn.cursor() as cur:
        cur.execute("SELECT entry FROM rag_docs ORDER BY first_row")
        entries = [DocEntry.from_json(json.loads(e)) for (e,) in cur.fetchall()]
    return {e.doc_id: e for e in entries}


def _kept_reports(conn: Any, indexed: dict[str, DocEntry], corrections: dict[str, Correction]) -> list[Report]:
    """Every indexed report, read back whole: --add and remove keep them, so none may be missing."""
    with conn.cursor() as cur:
        cur.execute("SELECT doc_id, report FROM rag_docs")
        texts = dict(cur.fetchall())
    missing = [d for d in indexed if d not in texts]
    if missing:
        raise InputError(f"--add: the index lacks the text of {missing[0]}; nothing was changed. Rebuild it")
    out = []
    for d in indexed.values():
        out.append(apply(Report(**{n: getattr(d, n) for n in REPORT_METADATA}, text=texts[d.doc_id]), corrections))
    return out


def _vectors(conn: Any, doc_ids: Sequence[str] | None) -> dict[str, npt.NDArray[np.float32]]:
    """Passage and sentence vectors by content key, of these reports (None: all), for reuse."""
    if doc_ids is not None and not doc_ids:
        return {}
    sql = "SELECT ckey, embedding, rec, sentences FROM rag_chunks"
    args: Any = None
    if doc_ids is not None:
        sql += f" WHERE doc_id IN ({','.join(['%s'] * len(doc_ids))})"
        args = tuple(doc_ids)
    out: dict[str, npt.NDArray[np.float32]] = {}
    with conn.cursor() as cur:
        cur.execute(sql, args)
        for key, embedding, rec_text, blob in cur.fetchall():
            vec = np.asarray(json.loads(embedding), dtype=np.float32)
            out[key] = vec
            keys = orjson.loads(rec_text)["sent_keys"]
            sent = np.frombuffer(blob or b"", dtype=np.float32).reshape(len(keys), vec.shape[0])
            out.update(zip(keys, sent, strict=True))
    return out
