"""jieba's two big tables, its dictionary (word -> frequency, with every word's prefixes) and its
part-of-speech tags (word -> tag), read from this user's cache as sorted arrays.

Why: jieba builds each as a Python dict in every process: the dictionary 0.43 s (from its own marshal
cache; 498,113 entries), the tags 0.2-0.35 s (350,000 lines of dict.txt, at `import jieba.posseg`). A
marshal cache of a dict loads no faster, since the cost is making the dict. The same tables as two
sorted arrays load in 0.02 s; a process that tokenizes questions searches them per word (1.2 µs a
lookup), and a build, which looks words up millions of times, makes its dict from them (0.13 s).
Entries added later (the product's user dictionary) live in the dict part of an ArrayTable itself.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import jieba
import numpy as np
import numpy.typing as npt

from rag.usercache import cache_path, read_owned, write_private

Arrays = tuple[npt.NDArray[np.str_], npt.NDArray[Any]]


class ArrayTable(dict[str, Any]):
    """A dict whose entries are sorted arrays searched on demand, plus any set in it since. It answers
    the calls jieba makes of its tables: `in`, `[...]`, `.get`, and assignment (by the dict itself)."""

    def __init__(self, keys: npt.NDArray[np.str_], values: npt.NDArray[Any]) -> None:
        super().__init__()
        self.keys_array = keys
        self.values_array = values

    def get(self, key: str, default: Any = None) -> Any:
        own = dict.get(self, key)
        if own is not None:
            return own
        i = int(np.searchsorted(self.keys_array, key))
        if i < len(self.keys_array) and self.keys_array[i] == key:
            return self.values_array[i].item()
        return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __missing__(self, key: str) -> Any:
        got = self.get(key)
        if got is None:
            raise KeyError(key)
        return got

    def fresh(self) -> ArrayTable:
        """Another table over the same arrays, without this one's additions."""
        return ArrayTable(self.keys_array, self.values_array)


def _dictionary_file() -> Path:
    return Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)


def _read(fh: BinaryIO) -> Arrays | None:
    keys = np.load(fh, allow_pickle=False)  # two arrays, one after the other in the file
    values = np.load(fh, allow_pickle=False)
    ok = keys.dtype.kind == "U" and keys.shape == values.shape and keys.ndim == 1 and len(keys) > 1000
    return (keys, values) if ok and bool(np.all(keys[:-1] < keys[1:])) else None


def _cached(kind: str, parse: Callable[[], dict[str, Any]]) -> Arrays:
    cache = cache_path(kind, _dictionary_file(), ".npy")
    arrays = read_owned(cache, _read)
    if arrays is None:
        table = parse()
        keys = sorted(table)
        arrays = (np.asarray(keys, dtype=np.str_), np.asarray([table[k] for k in keys]))

        def write(fh: BinaryIO) -> None:
            np.save(fh, arrays[0])
            np.save(fh, arrays[1])

        write_private(cache, write)
    return arrays


_lock = threading.Lock()
_tables: dict[str, Arrays] = {}


def _arrays(kind: str) -> Arrays:
    with _lock:
        if kind not in _tables:
            _tables[kind] = _cached(kind, _parse_frequencies if kind == "jieba-dict" else _parse_tags)
        return _tables[kind]


def _parse_frequencies() -> dict[str, int]:
    """jieba's own parse of its dictionary (every word and each of its prefixes), without its cache."""
    frequencies, _ = jieba.Tokenizer().gen_pfdict(_dictionary_file().open("rb"))
    return dict(frequencies)


def _parse_tags() -> dict[str, str]:
    table: dict[str, str] = {}
    with _dictionary_file().open("rb") as fh:
        for line in fh:
            parts = line.strip().decode("utf-8").split(" ")
            if len(parts) == 3:
                table[parts[0]] = parts[2]
    return table


def dictionary(*, searched: bool) -> tuple[dict[str, int], int]:
    """jieba's dictionary and its total frequency: searched in the arrays (a process that tokenizes
    questions) or made a dict (one that tokenizes a corpus)."""
    keys, values = _arrays("jieba-dict")
    total = int(values.sum())  # jieba's total: the sum over words; a prefix alone counts 0
    if searched:
        return ArrayTable(keys, values), total
    return dict(zip(keys.tolist(), values.tolist(), strict=True)), total


def tag_table() -> ArrayTable:
    """jieba's word-tag table, from this user's cache, parsed from dict.txt when absent."""
    return ArrayTable(*_arrays("jieba-tags"))


_posseg_lock = threading.Lock()


def posseg() -> Any:
    """jieba.posseg, imported without building its default tokenizer's tag table: while it is imported
    jieba's dictionary reads as empty, then its table is the ArrayTable (so its own jieba.posseg.cut
    tags as before, for anyone in this process). Already imported elsewhere: used as it is."""
    with _posseg_lock:
        loaded = sys.modules.get("jieba.posseg")
        if loaded is not None:
            return loaded
        jieba.dt.get_dict_file = lambda: io.BytesIO()
        try:
            import jieba.posseg as module
        finally:
            del jieba.dt.get_dict_file
        module.dt.word_tag_tab = tag_table()
        return module
