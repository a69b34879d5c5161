"""The ledger on disk: ledger.jsonl, one figure per line, report by report, and ledger.columns.npz, its
columns for reading without parsing: where each report's rows start, each row's byte offset, its value
and its measure (as a code into the measures named).

Why columns: at 10,000 reports the ledger is 900,000 rows (450 MB of JSON). Held whole as objects it
took 13 s to load and gigabytes of memory; read per report it was parsed again by every question that
sets a number ("调解成功率达到100%": every report's rows, for the few that meet it). With the columns a
question finds the rows meeting its numbers with one vectorised comparison and parses only those.
Imports rag.ledger and rag.errors.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import orjson

from rag.errors import IndexStateError
from rag.ledger import LedgerRow

ROWS = "ledger.jsonl"
COLUMNS = "ledger.columns.npz"
Keep = Callable[[npt.NDArray[np.float64], npt.NDArray[np.int32], npt.NDArray[np.str_]], npt.NDArray[np.bool_]]
"""keep(values, measure codes, measure names) -> which rows to read."""


@dataclass(frozen=True)
class Columns:
    docs: npt.NDArray[np.int64]
    """The first row of each report, in the segment's order, and one past the last row."""
    offsets: npt.NDArray[np.int64]
    """Each row's byte offset in ledger.jsonl, and the file's size."""
    values: npt.NDArray[np.float64]
    codes: npt.NDArray[np.int32]
    names: npt.NDArray[np.str_]


def write(folder: Path, doc_ids: Sequence[str], rows: Sequence[LedgerRow]) -> None:
    """ledger.jsonl report by report (in `doc_ids` order) and its columns."""
    by_doc: dict[str, list[LedgerRow]] = {}
    for row in rows:
        by_doc.setdefault(row.doc_id, []).append(row)
    docs, offsets, values, measures = [0], [], [], []
    with (folder / ROWS).open("wb") as fh:
        for doc_id in doc_ids:
            for row in by_doc.get(doc_id, []):
                offsets.append(fh.tell())
                values.append(row.value)
                measures.append(row.measure)
                fh.write(orjson.dumps(row.to_dict()) + b"\n")
            docs.append(len(values))
        offsets.append(fh.tell())
    _save(folder, Columns(*_arrays(docs, offsets, values, measures)))


def _arrays(
    docs: list[int], offsets: list[int], values: list[float], measures: list[str]
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int32], npt.NDArray[np.str_]
]:
    names, codes = np.unique(np.asarray(measures, dtype=np.str_), return_inverse=True)
    return (
        np.asarray(docs, dtype=np.int64),
        np.asarray(offsets, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        codes.astype(np.int32),
        names.astype(np.str_),
    )


def _save(folder: Path, c: Columns) -> None:
    with (folder / COLUMNS).open("wb") as fh:
        np.savez(fh, docs=c.docs, offsets=c.offsets, values=c.values, codes=c.codes, names=c.names)


def read(folder: Path, doc_ids: Sequence[str]) -> Columns:
    """A segment's columns, checked against its reports; an index written before they were kept has
    them made by one pass over its ledger (line by line, nothing kept but the columns)."""
    if not (folder / ROWS).exists():
        raise IndexStateError(f"{folder}: built without a ledger; rebuild it with `rag build`")
    try:
        with np.load(folder / COLUMNS, allow_pickle=False) as z:
            c = Columns(z["docs"], z["offsets"], z["values"], z["codes"], z["names"])
    except FileNotFoundError:
        c = _scan(folder / ROWS, doc_ids)
    except Exception as exc:  # a damaged archive raises zipfile's, numpy's or the OS's errors
        raise IndexStateError(f"{folder / COLUMNS}: corrupt; rebuild with `rag build`") from exc
    n = len(c.values)
    fits = (
        c.docs.shape == (len(doc_ids) + 1,)
        and c.offsets.shape == (n + 1,)
        and c.codes.shape == (n,)
        and c.names.dtype.kind == "U"
        and (n == 0 or (c.docs[0] == 0 and c.docs[-1] == n and int(c.codes.max()) < len(c.names)))
        and bool(np.all(np.diff(c.docs) >= 0))
        and bool(np.all(np.diff(c.offsets) > 0))
    )
    if not fits:
        raise IndexStateError(f"{folder / COLUMNS}: does not match the manifest; rebuild with `rag build`")
    return c


def index(folder: Path, doc_ids: Sequence[str]) -> None:
    """The columns of a ledger.jsonl written report by report elsewhere (a benchmark's grown copy)."""
    _save(folder, _scan(folder / ROWS, doc_ids))


def _scan(path: Path, doc_ids: Sequence[str]) -> Columns:
    runs: dict[str, tuple[int, int]] = {}
    offsets: list[int] = []
    values: list[float] = []
    measures: list[str] = []
    at = 0
    try:
        with path.open("rb") as fh:
            for line in fh:
                rec = orjson.loads(line)
                start, _ = runs.get(rec["doc_id"], (len(values), 0))
                runs[str(rec["doc_id"])] = (start, len(values) + 1)
                offsets.append(at)
                values.append(float(rec["value"]))
                measures.append(str(rec["measure"]))
                at += len(line)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexStateError(f"{path}: corrupt; rebuild with `rag build`") from exc
    docs = [0]
    for doc_id in doc_ids:
        start, end = runs.get(doc_id, (docs[-1], docs[-1]))
        if start != docs[-1]:
            raise IndexStateError(f"{path}: not in report order; rebuild with `rag build`")
        docs.append(end)
    return Columns(*_arrays(docs, [*offsets, at], values, measures))


class LedgerFiles:
    """The ledger of an index folder's segments, read through the folder's open descriptors."""

    def __init__(self, folder: Path, order: dict[str, list[str]], fd: Callable[[str], int]) -> None:
        """order: each segment's reports, in the order its files hold them."""
        self._folder = folder
        self._order = order
        self._fd = fd
        self._place = {doc_id: (seg, n) for seg, ids in order.items() for n, doc_id in enumerate(ids)}
        self._columns: dict[str, Columns] = {}
        self._lock = threading.Lock()

    def of(self, doc_id: str) -> list[LedgerRow]:
        seg, n = self._place[doc_id]
        c = self._segment(seg)
        return parse(self._fd(f"{seg}{ROWS}"), c, int(c.docs[n]), int(c.docs[n + 1]), self._folder / seg / ROWS)

    def where(self, keep: Keep) -> dict[str, list[LedgerRow]]:
        out: dict[str, list[LedgerRow]] = {}
        for seg in self._order:
            c = self._segment(seg)
            picked = np.flatnonzero(keep(c.values, c.codes, c.names))
            for row in parse_rows(self._fd(f"{seg}{ROWS}"), c, picked, self._folder / seg / ROWS):
                out.setdefault(row.doc_id, []).append(row)
        return out

    def _segment(self, seg: str) -> Columns:
        with self._lock:
            if seg not in self._columns:
                self._columns[seg] = read(self._folder / seg, self._order[seg])
            return self._columns[seg]


def parse(fd: int, c: Columns, first: int, last: int, path: Path) -> list[LedgerRow]:
    """Rows first..last-1 (consecutive), read with one pread."""
    if last <= first:
        return []
    lo, hi = int(c.offsets[first]), int(c.offsets[last])
    try:
        data = os.pread(fd, hi - lo, lo)
        return [LedgerRow(**orjson.loads(line)) for line in data.splitlines()]
    except (OSError, ValueError, TypeError) as exc:
        raise IndexStateError(f"{path}: corrupt; rebuild with `rag build`") from exc


def parse_rows(fd: int, c: Columns, rows: npt.NDArray[np.int64], path: Path) -> list[LedgerRow]:
    """The rows asked (ascending), each read with its own pread."""
    return [row for i in rows.tolist() for row in parse(fd, c, i, i + 1, path)]
