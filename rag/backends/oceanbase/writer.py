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
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from rag.backends.oceanbase.connect import Engine, connect, schema
from rag.backends.oceanbase.reader import engine_token, vector_literal
from rag.chunking import TokenCounter, default_token_counter
from rag.embedding import Encoder
from rag.errors import IndexStateError, InputError
from rag.ingest import Correction, apply, beside, read_corrections, write_corrections
from rag.records import REPORT_METADATA, Report
from rag.segmentation import Segmenter
from rag.store import FORMAT_VERSION, BuildParams, BuildResult, DocEntry, indexed_text
from rag.store.build import Draft, build_result, check_removable, collect_reports, manifest_of, nothing_to_index
from rag.store.segment import Progress, Segment, doc_hash, make_segment

BATCH = 200
"""Passages per INSERT: each carries a 384-float vector literal and its sentences' vectors."""


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
) -> BuildResult:
    """rag.store.build_index's contract, into the engine: with add=True the indexed reports are kept
    (a report given again replaces its old rows only if it changed), `remove` drops reports by id."""
    started = time.perf_counter()
    params = params or BuildParams()
    conn = connect(engine, create=True)
    try:
        with conn.cursor() as cur:
            for ddl in schema(encoder.dim, engine.parser)[:3]:
                cur.execute(ddl)
            cur.execute("INSERT IGNORE INTO rag_meta (k, v) VALUES ('version', '0')")
        manifest = _meta(conn, "manifest")
        stored = _stored_corrections(conn)
        corrections = dict(stored)
        for path in beside(list(paths)):
            corrections.update(read_corrections(path))
        if metadata is not None:
            if not metadata.is_file():
                raise InputError(f"--metadata: {metadata}: no such file")
            corrections.update(read_corrections(metadata))
        indexed = _entries(conn) if manifest is not None else {}
        if remove:
            add = True
            check_removable(remove, list(indexed))
        draft = collect_reports(paths, sources, progress)
        draft.reports[:] = [apply(r, corrections) for r in draft.reports]
        counter = count_tokens or default_token_counter()
        same = manifest is not None and _same_build(manifest, encoder, params)
        if add and same and draft.reports and not remove and corrections == stored:
            fresh = [r for r in draft.reports if _changed(r, indexed, params)]
            if not fresh:  # every report given is indexed already, unchanged: nothing is written
                return build_result(None, draft, len(indexed), sum(d.last - d.first for d in indexed.values()), started)
            replaced = [r.doc_id for r in fresh if r.doc_id in indexed]
            seg = _segment(fresh, encoder, params, counter, _vectors(conn, replaced), progress, draft)
            totals = _write(conn, engine, seg, encoder, params, corrections, replace_ids=replaced, full=False)
            return build_result(seg, draft, totals[0], totals[1], started)
        kept = _kept_reports(conn, indexed, corrections) if add and indexed else []
        gone = {r.doc_id for r in draft.reports} | set(remove)
        reports = [r for r in kept if r.doc_id not in gone] + draft.reports
        if not reports and remove:
            raise InputError("remove: that would leave the index empty; delete the index instead")
        if not reports:
            raise InputError(nothing_to_index(paths, draft))
        reuse = _vectors(conn, None) if manifest is not None and manifest["encoder"]["id"] == encoder.id else {}
        seg = _segment(reports, encoder, params, counter, reuse, progress, draft)
        totals = _write(conn, engine, seg, encoder, params, corrections, replace_ids=[], full=True)
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


def _meta(conn: Any, key: str) -> dict[str, Any] | None:
    with conn.cursor() as cur:
        cur.execute("SELECT v FROM rag_meta WHERE k = %s", (key,))
        row = cur.fetchone()
    try:
        return json.loads(row[0]) if row else None
    except ValueError as exc:
        raise IndexStateError(f"rag_meta.{key}: corrupt; rebuild with `rag build` (without --add)") from exc


def _stored_corrections(conn: Any) -> dict[str, Correction]:
    raw = _meta(conn, "corrections") or {}
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


def _write(
    conn: Any,
    engine: Engine,
    seg: Segment,
    encoder: Encoder,
    params: BuildParams,
    corrections: dict[str, Correction],
    *,
    replace_ids: Sequence[str],
    full: bool,
) -> tuple[int, int]:
    """The segment's rows in one transaction; (reports, passages) in the index afterwards."""
    tokens = _fulltext([indexed_text(c, prefix_sections=params.prefix_sections) for c in seg.chunks], engine.parser)
    before = _meta(conn, "manifest")
    with conn.cursor() as cur:
        if before is not None and before.get("encoder", {}).get("dim") != encoder.dim:
            # the vector column's width is the encoder's: another encoder needs the table anew (DDL is
            # outside any transaction, so this one step is not atomic; the new rows are ready by now)
            cur.execute("DROP TABLE IF EXISTS rag_chunks")
        cur.execute(schema(encoder.dim, engine.parser)[3])
    conn.begin()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT v FROM rag_meta WHERE k = 'version' FOR UPDATE")  # one writer at a time
            version = int(cur.fetchone()[0])
            if full:
                for table in ("rag_chunks", "rag_docs", "rag_ledger"):
                    cur.execute(f"DELETE FROM {table}")
            elif replace_ids:
                marks = ",".join(["%s"] * len(replace_ids))
                for table in ("rag_chunks", "rag_docs", "rag_ledger"):
                    cur.execute(f"DELETE FROM {table} WHERE doc_id IN ({marks})", tuple(replace_ids))
            cur.execute("SELECT COALESCE(MAX(row_id) + 1, 0) FROM rag_chunks")
            base = int(cur.fetchone()[0])
            _insert(cur, seg, base, tokens)
            cur.execute("SELECT COUNT(*) FROM rag_docs")
            documents = int(cur.fetchone()[0])
            cur.execute("SELECT COUNT(*) FROM rag_chunks")
            chunks = int(cur.fetchone()[0])
            manifest = manifest_of(seg, encoder, params) | {
                "counts": {"documents": documents, "chunks": chunks},
                "backend": engine.shown,
            }
            for key, value in (
                ("manifest", json.dumps(manifest, ensure_ascii=False)),
                ("corrections", json.dumps({f: asdict(c) for f, c in corrections.items()}, ensure_ascii=False)),
                ("version", str(version + 1)),
            ):
                cur.execute("REPLACE INTO rag_meta (k, v) VALUES (%s, %s)", (key, value))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return documents, chunks


def _fulltext(texts: list[str], parser: str) -> list[str]:
    """The FULLTEXT column: jieba's tokens (as the folder index's BM25 reads them) for the space parser,
    the text itself for the engine's own Chinese parser (ik)."""
    if parser != "space":
        return texts
    segmenter = Segmenter()
    return [" ".join(map(engine_token, segmenter.tokens(t))) for t in texts]


def _insert(cur: Any, seg: Segment, base: int, tokens: list[str]) -> None:
    entries = [replace(e, first=e.first + base, last=e.last + base) for e in seg.entries]
    texts = {r.doc_id: r.text for r in seg.reports}
    cur.executemany(
        "INSERT INTO rag_docs (doc_id, first_row, entry, report) VALUES (%s, %s, %s, %s)",
        [(e.doc_id, e.first, json.dumps(asdict(e), ensure_ascii=False), texts[e.doc_id]) for e in entries],
    )
    rows = []
    sent_row = 0
    for i, (c, key, spans) in enumerate(zip(seg.chunks, seg.keys, seg.sentences.spans, strict=True)):
        rec = {
            "chunk_id": c.chunk_id,
            "section": list(c.section),
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "sentences": [list(sp) for sp in spans],
            "sent_keys": seg.sentences.keys[sent_row : sent_row + len(spans)],
        }
        blob = np.ascontiguousarray(seg.sentences.vectors[sent_row : sent_row + len(spans)], dtype=np.float32)
        sent_row += len(spans)
        rows.append(
            (
                base + i,
                c.doc_id,
                int(seg.sections[i]),
                key,
                tokens[i],
                vector_literal(seg.vectors[i]),
                json.dumps(rec, ensure_ascii=False),
                blob.tobytes(),
            )
        )
    for b in range(0, len(rows), BATCH):
        cur.executemany(
            "INSERT INTO rag_chunks (row_id, doc_id, section_code, ckey, tokens, embedding, rec, sentences) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows[b : b + BATCH],
        )
    counts: dict[str, int] = {}
    ledger = []
    for row in seg.ledger:
        n = counts.get(row.doc_id, 0)
        counts[row.doc_id] = n + 1
        ledger.append((row.doc_id, n, row.indicator[:500], json.dumps(row.to_dict(), ensure_ascii=False)))
    for b in range(0, len(ledger), 500):
        cur.executemany(
            "INSERT INTO rag_ledger (doc_id, n, indicator, rec) VALUES (%s, %s, %s, %s)", ledger[b : b + 500]
        )
