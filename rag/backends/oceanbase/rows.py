"""The engine's rows of a build: a segment written (one transaction, serialised by a lock on the
manifest's version row), reports deleted, and the compaction that settles the full-text statistics.

Used by writer.py, which decides what is written; this file knows the tables (connect.schema).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from rag.backends.oceanbase.connect import Engine, schema
from rag.backends.oceanbase.reader import engine_token, vector_literal
from rag.embedding import Encoder
from rag.errors import IndexStateError
from rag.ingest import Correction
from rag.segmentation import Segmenter
from rag.store import BuildParams, indexed_text
from rag.store.build import manifest_of
from rag.store.segment import Progress, Segment


def meta(conn: Any, key: str) -> dict[str, Any] | None:
    with conn.cursor() as cur:
        cur.execute("SELECT v FROM rag_meta WHERE k = %s", (key,))
        row = cur.fetchone()
    try:
        return json.loads(row[0]) if row else None
    except ValueError as exc:
        raise IndexStateError(f"rag_meta.{key}: corrupt; rebuild with `rag build` (without --add)") from exc


BATCH = 200
"""Passages per INSERT: each carries a 384-float vector literal and its sentences' vectors."""
SETTLE_SECONDS = 300
FREEZE_AGAIN = 5
"""Seconds an idle engine may show an older compaction before the freeze is issued again."""


def write(
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
    tokens = fulltext([indexed_text(c, prefix_sections=params.prefix_sections) for c in seg.chunks], engine.parser)
    before = meta(conn, "manifest")
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
            insert(cur, seg, base, tokens)
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


def delete(conn: Any, doc_ids: Sequence[str]) -> tuple[int, int]:
    """The reports' rows out, in one transaction under the writers' lock; (reports, passages) left."""
    marks = ",".join(["%s"] * len(doc_ids))
    conn.begin()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT v FROM rag_meta WHERE k = 'version' FOR UPDATE")
            version = int(cur.fetchone()[0])
            for table in ("rag_chunks", "rag_docs", "rag_ledger"):
                cur.execute(f"DELETE FROM {table} WHERE doc_id IN ({marks})", tuple(doc_ids))
            cur.execute("SELECT COUNT(*) FROM rag_docs")
            documents = int(cur.fetchone()[0])
            cur.execute("SELECT COUNT(*) FROM rag_chunks")
            chunks = int(cur.fetchone()[0])
            cur.execute("SELECT v FROM rag_meta WHERE k = 'manifest'")
            manifest = json.loads(cur.fetchone()[0]) | {"counts": {"documents": documents, "chunks": chunks}}
            shown = json.dumps(manifest, ensure_ascii=False)
            cur.execute("REPLACE INTO rag_meta (k, v) VALUES ('manifest', %s)", (shown,))
            cur.execute("REPLACE INTO rag_meta (k, v) VALUES ('version', %s)", (str(version + 1),))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return documents, chunks


def insert(cur: Any, seg: Segment, base: int, tokens: list[str]) -> None:
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


def fulltext(texts: list[str], parser: str) -> list[str]:
    """The FULLTEXT column: jieba's tokens (as the folder index's BM25 reads them) for the space parser,
    the text itself for the engine's own Chinese parser (ik)."""
    if parser != "space":
        return texts
    segmenter = Segmenter()
    return [" ".join(map(engine_token, segmenter.tokens(t))) for t in texts]


def settle(conn: Any, *, wait: bool, progress: Progress | None) -> None:
    """Ask the engine to compact, and for a large write wait until it has. Measured on seekdb 1.4: right
    after a bulk insert MATCH ... AGAINST scores with statistics that leave out the rows still in
    memory (a real-corpus copy: lexical R@1 0.46 instead of 0.66), until a major compaction (about
    15 s here) folds them in. A small add to a compacted table barely moves the statistics, so it
    does not wait. Without the privilege to freeze (a cluster's ordinary user), the scores settle at
    the engine's own next compaction."""
    import pymysql

    try:
        with conn.cursor() as cur:
            # the engine's SCN is its clock in nanoseconds: a compaction frozen at or after this moment
            # holds every row written before it. The compaction view itself lags a freeze by a moment,
            # so "frozen later than what the view showed before" could be another session's freeze,
            # issued before these rows were written (the likely cause of one real-corpus copy in CI
            # scoring R@1 0.66 instead of 0.77, after another test's freeze)
            cur.execute("SELECT CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS UNSIGNED)")
            written = int(cur.fetchone()[0]) * 1000
            cur.execute("ALTER SYSTEM MAJOR FREEZE")
    except pymysql.err.MySQLError:  # no privilege, or an engine without the view: nothing to wait for
        return
    deadline = time.monotonic() + SETTLE_SECONDS
    waited = 0
    while wait and time.monotonic() < deadline:
        with conn.cursor() as cur:
            cur.execute("SELECT FROZEN_SCN, LAST_SCN, STATUS FROM oceanbase.DBA_OB_MAJOR_COMPACTION")
            frozen, last, status = cur.fetchone()
            if status == "IDLE" and int(last) >= int(frozen):
                if int(frozen) >= written:
                    return
                if waited and waited % FREEZE_AGAIN == 0:
                    # the last compaction began before these rows were written: freeze again once it
                    # is over (not at once: the view may not show the freeze just issued yet)
                    cur.execute("ALTER SYSTEM MAJOR FREEZE")
        if progress:
            progress("engine compacting", waited, SETTLE_SECONDS)
        time.sleep(1)
        waited += 1
