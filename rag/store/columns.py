"""The ledger on disk: ledger.jsonl, one figure per line, report by report, and ledger.columns.npz, its
columns for reading without parsing: where each report's rows start, each row's byte offset, its value
and its measure (as a code into the measures named).

Why columns: at 10,000 reports the ledger is 900,000 rows (450 MB of JSON). Held whole as objects it
took 13 s to load and gigabytes of memory; read per report it was parsed again by every question that
sets a number ("调解成功率达到100%": every report's rows, for the few that meet it). With the columns a
question finds the rows meeting its numbers with one vectorised comparison and parses only those, and
a comparison the rows whose indicator or span holds a piece of its terms, searched in ledger.names.txt
(each row's indicator and span on one line) with one regular expression, block by block.
Imports rag.ledger and rag.errors.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import orjson

from rag.errors import IndexStateError
from rag.ledger import LedgerRow

ROWS = "ledger.jsonl"
COLUMNS = "ledger.columns.npz"
NAMES = "ledger.names.txt"
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
    named: npt.NDArray[np.int64] | None = None
    """Each row's byte offset in ledger.names.txt, and its size; None for an index written before."""


def _naming(row: LedgerRow) -> bytes:
    """A row's line of ledger.names.txt: its indicator and span (a word of a question holds no tab or
    line break, so it is found in the line exactly where it is in one of the two)."""
    return f"{row.indicator}\t{row.span}".replace("\n", " ").replace("\r", " ").encode() + b"\n"


def write(folder: Path, doc_ids: Sequence[str], rows: Sequence[LedgerRow]) -> None:
    """ledger.jsonl report by report (in `doc_ids` order) and its columns."""
    by_doc: dict[str, list[LedgerRow]] = {}
    for row in rows:
        by_doc.setdefault(row.doc_id, []).append(row)
    docs, offsets, values, measures, named = [0], [], [], [], []
    with (folder / ROWS).open("wb") as fh, (folder / NAMES).open("wb") as names:
        for doc_id in doc_ids:
            for row in by_doc.get(doc_id, []):
                offsets.append(fh.tell())
                named.append(names.tell())
                values.append(row.value)
                measures.append(row.measure)
                fh.write(orjson.dumps(row.to_dict()) + b"\n")
                names.write(_naming(row))
            docs.append(len(values))
        offsets.append(fh.tell())
        named.append(names.tell())
    _save(folder, Columns(*_arrays(docs, offsets, values, measures), np.asarray(named, dtype=np.int64)))


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
    arrays: dict[str, Any] = {"docs": c.docs, "offsets": c.offsets, "values": c.values, "codes": c.codes}
    arrays |= {"names": c.names} | ({} if c.named is None else {"named": c.named})
    with (folder / COLUMNS).open("wb") as fh:
        np.savez(fh, **arrays)


def read(folder: Path, doc_ids: Sequence[str]) -> Columns:
    """A segment's columns, checked against its reports; an index written before they were kept has
    them made by one pass over its ledger (line by line, nothing kept but the columns)."""
    if not (folder / ROWS).exists():
        raise IndexStateError(f"{folder}: built without a ledger; rebuild it with `rag build`")
    try:
        with np.load(folder / COLUMNS, allow_pickle=False) as z:
            named = z["named"] if "named" in z.files and (folder / NAMES).is_file() else None
            c = Columns(z["docs"], z["offsets"], z["values"], z["codes"], z["names"], named)
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
        and (c.named is None or (c.named.shape == (n + 1,) and bool(np.all(np.diff(c.named) > 0))))
    )
    if not fits:
        raise IndexStateError(f"{folder / COLUMNS}: does not match the manifest; rebuild with `rag build`")
    return c


def index(folder: Path, doc_ids: Sequence[str]) -> None:
    """The columns (and names) of a ledger.jsonl written report by report elsewhere (a benchmark's
    grown copy)."""
    with (folder / NAMES).open("wb") as names:
        _save(folder, _scan(folder / ROWS, doc_ids, names))


def _scan(path: Path, doc_ids: Sequence[str], names: BinaryIO | None = None) -> Columns:
    runs: dict[str, tuple[int, int]] = {}
    offsets: list[int] = []
    values: list[float] = []
    measures: list[str] = []
    named: list[int] = []
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
                if names is not None:
                    named.append(names.tell())
                    names.write(_naming(LedgerRow(**rec)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexStateError(f"{path}: corrupt; rebuild with `rag build`") from exc
    docs = [0]
    for doc_id in doc_ids:
        start, end = runs.get(doc_id, (docs[-1], docs[-1]))
        if start != docs[-1]:
            raise IndexStateError(f"{path}: not in report order; rebuild with `rag build`")
        docs.append(end)
    ends = None if names is None else np.asarray([*named, names.tell()], dtype=np.int64)
    return Columns(*_arrays(docs, [*offsets, at], values, measures), ends)


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

    def where(self, keep: Keep, holding: Sequence[str] | None = None) -> dict[str, list[LedgerRow]]:
        """Rows `keep` picks and, when `holding` is given, whose indicator or span holds one of its
        words (an index written before the names: every row `keep` picks)."""
        out: dict[str, list[LedgerRow]] = {}
        for seg in self._order:
            c = self._segment(seg)
            mask = keep(c.values, c.codes, c.names)
            fd, path = self._fd(f"{seg}{ROWS}"), self._folder / seg / ROWS
            if holding is not None and c.named is not None:  # (an index written before: all rows)
                mask &= _holding(self._fd(f"{seg}{NAMES}"), c, holding, self._folder / seg / NAMES)
            for row in parse_rows(fd, c, np.flatnonzero(mask), path):
                out.setdefault(row.doc_id, []).append(row)
        return out

    def _segment(self, seg: str) -> Columns:
        with self._lock:
            if seg not in self._columns:
                self._columns[seg] = read(self._folder / seg, self._order[seg])
            return self._columns[seg]


BLOCK = 8 << 20
"""Bytes of ledger.names.txt searched at a time."""


def _holding(fd: int, c: Columns, words: Sequence[str], path: Path) -> npt.NDArray[np.bool_]:
    """Which rows' indicator or span holds one of the words, searched in ledger.names.txt a block at
    a time with one regular expression: no row is parsed, memory stays one block."""
    found = np.zeros(len(c.values), dtype=bool)
    words = [w for w in words if w and "\t" not in w and "\n" not in w]
    if c.named is None or not words or not len(c.values):
        return found
    pattern = re.compile(b"|".join(re.escape(w.encode()) for w in sorted(words, key=len, reverse=True)))
    first = 0
    while first < len(c.values):
        last = int(np.searchsorted(c.named, c.named[first] + BLOCK, side="right")) - 1
        last = min(max(last, first + 1), len(c.values))  # at least one line, however long
        lo = int(c.named[first])
        try:
            block = os.pread(fd, int(c.named[last]) - lo, lo)
        except OSError as exc:
            raise IndexStateError(f"{path}: unreadable; rebuild with `rag build`") from exc
        if len(block) != int(c.named[last]) - lo:
            raise IndexStateError(f"{path}: shorter than its columns; rebuild with `rag build`")
        at = np.asarray([m.start() for m in pattern.finditer(block)], dtype=np.int64)
        if len(at):
            found[first + np.searchsorted(c.named[first:last] - lo, at, side="right") - 1] = True
        first = last
    return found


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
