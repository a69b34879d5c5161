"""Where an OceanBase (or seekdb) backend is and how to talk to it: the URL, the connections, the tables.

`oceanbase://user[:password]@host:port/database[?parser=space|ik]`. The password may come from
RAG_OCEANBASE_PASSWORD instead, so it stays out of shell history and rag.toml. The engine speaks the
MySQL protocol (PyMySQL); the same SQL runs on seekdb and on an OceanBase cluster.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from rag.errors import IndexStateError, InputError

SCHEME = "oceanbase://"
PARSERS = ("space", "ik")
"""space: jieba tokens written into the column, the same tokens the folder index's BM25 reads (measured
better on the seeds and real reports, docs/scaling.md); ik: the engine's own Chinese parser over the text."""
TIMEOUT_US = 3_600_000_000
"""Statement and transaction timeouts (µs) of our sessions: a full build inserts in one transaction,
which the engine's defaults (10 s a statement, 100 s a transaction) would cut off."""
HNSW = {"m": 16, "ef_construction": 200}
HNSW_EF_SEARCH = 512
"""As the folder index's HNSW (rag.dense): measured there to reach recall@10 0.987 at 302,580 chunks."""


@dataclass(frozen=True, slots=True)
class Engine:
    """A parsed backend URL."""

    host: str
    port: int
    user: str
    password: str
    database: str
    parser: str = "space"

    @property
    def shown(self) -> str:
        """The URL without its password, for messages and manifests."""
        tail = f"?parser={self.parser}" if self.parser != "space" else ""
        return f"{SCHEME}{self.user}@{self.host}:{self.port}/{self.database}{tail}"


def is_engine(location: object) -> bool:
    return isinstance(location, str) and location.startswith(SCHEME)


def parse(url: str) -> Engine:
    """InputError naming the field for a URL that cannot be one."""
    parts = urlsplit(url)
    if parts.scheme != "oceanbase":
        raise InputError(f"--backend: '{url}' is not an oceanbase:// URL")
    database = parts.path.lstrip("/")
    if not database or "/" in database or not database.replace("_", "").isalnum():
        raise InputError(f"--backend: '{url}' names no database (oceanbase://user@host:port/database)")
    try:
        port = parts.port or 2881
    except ValueError as exc:
        raise InputError(f"--backend: '{url}' has a bad port") from exc
    parser = parse_qs(parts.query).get("parser", ["space"])[0]
    if parser not in PARSERS:
        raise InputError(f"--backend: parser '{parser}' is none of {', '.join(PARSERS)}")
    password = unquote(parts.password) if parts.password else os.environ.get("RAG_OCEANBASE_PASSWORD", "")
    return Engine(parts.hostname or "127.0.0.1", port, unquote(parts.username or "root"), password, database, parser)


def connect(engine: Engine, *, create: bool = False) -> Any:
    """A new connection with our session settings; `create` makes the database if it is missing.
    One line naming the URL when the engine cannot be reached (never a driver traceback)."""
    import pymysql

    try:
        conn = pymysql.connect(
            host=engine.host,
            port=engine.port,
            user=engine.user,
            password=engine.password,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=10,
        )
        with conn.cursor() as cur:
            if create:
                cur.execute(f"CREATE DATABASE IF NOT EXISTS `{engine.database}`")
            cur.execute(f"USE `{engine.database}`")
            cur.execute(f"SET ob_query_timeout = {TIMEOUT_US}, ob_trx_timeout = {TIMEOUT_US}")
            cur.execute(f"SET ob_hnsw_ef_search = {HNSW_EF_SEARCH}")
    except pymysql.err.OperationalError as exc:
        code, message = (*exc.args, "")[:2]
        if code == 1049:
            raise IndexStateError(f"{engine.shown}: no index there; build one with `rag build --backend ...`") from exc
        raise InputError(f"--backend: cannot reach {engine.shown} ({message})") from exc
    return conn


class Connections:
    """One connection per thread (a PyMySQL connection is not safe to share), opened on first use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def get(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.engine)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def query(self, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
        conn = self.get()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return list(cur.fetchall())
        except Exception as exc:
            # a dropped connection is opened again on the next query, never reused broken
            self._local.conn = None
            raise IndexStateError(f"{self.engine.shown}: {_said(exc)}") from exc

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(Exception):  # a dead connection has nothing to report
                    conn.close()
            self._all.clear()


def _said(exc: Exception) -> str:
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    return str(args[1]) if len(args) > 1 else str(exc)


def schema(dim: int, parser: str) -> list[str]:
    """The tables: one row per passage (its vector, its tokens, its record and its sentences' vectors
    as float32 bytes), per report (its manifest entry and text), per ledger figure, and the manifest."""
    fulltext = (
        "FULLTEXT INDEX ft_tokens(tokens) WITH PARSER space PARSER_PROPERTIES=(min_token_size=1)"
        if parser == "space"
        else "FULLTEXT INDEX ft_tokens(tokens) WITH PARSER ik"
    )
    hnsw = ", ".join(f"{k}={v}" for k, v in HNSW.items())
    return [
        "CREATE TABLE IF NOT EXISTS rag_meta (k VARCHAR(64) PRIMARY KEY, v LONGTEXT)",
        "CREATE TABLE IF NOT EXISTS rag_docs (doc_id VARCHAR(512) PRIMARY KEY, first_row BIGINT, "
        "entry LONGTEXT, report LONGTEXT)",
        "CREATE TABLE IF NOT EXISTS rag_ledger (doc_id VARCHAR(512), n INT, indicator VARCHAR(512), "
        "rec LONGTEXT, PRIMARY KEY (doc_id, n))",
        f"CREATE TABLE IF NOT EXISTS rag_chunks (row_id BIGINT PRIMARY KEY, doc_id VARCHAR(512), "
        f"section_code TINYINT, ckey VARCHAR(64), tokens LONGTEXT, embedding VECTOR({dim}), rec LONGTEXT, "
        f"sentences LONGBLOB, INDEX idx_doc(doc_id), {fulltext}, "
        f"VECTOR INDEX vec_embedding(embedding) WITH (distance=cosine, type=hnsw, lib=vsag, {hnsw}))",
    ]
