"""Chinese word segmentation for BM25: jieba with the domain user dictionary (rag/data/userdict.txt).

Imports only rag.text. Terms such as 法律明白人 or 三重一大 must stay whole tokens, or BM25
matches their fragments (法律, 明白) all over the corpus.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import jieba
import numpy as np
import numpy.typing as npt

from rag.text import normalize
from rag.usercache import cache_path, read_owned, write_private

STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "是",
        "在",
        "对",
        "等",
        "为",
        "将",
        "把",
        "被",
        "以",
        "于",
        "其",
        "并",
        "或",
        "也",
        "都",
        "而",
        "中",
        "上",
        "下",
        "这",
        "那",
        "有",
        "个",
        "哪些",
        "哪个",
        "什么",
        "多少",
        "怎么",
        "如何",
        "是否",
        "吗",
        "呢",
        "谁",
        "请问",
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "what",
        "which",
        "how",
        "many",
        "much",
        "did",
        "does",
        "do",
        "by",
    ]
)
"""Words that carry no evidence; kept out of both the indexed and the query tokens."""


class TagTable(dict[str, str]):
    """jieba's word -> part-of-speech table, looked up in sorted arrays instead of built as a dict.

    Why: importing jieba.posseg builds a 350,000-entry dict from dict.txt (0.2-0.35 s), and a marshal
    cache of it loads no faster (0.30 s: the cost is making the dict). A question needs the tags of a
    dozen words, so the table is two arrays, sorted, read from this user's cache in 0.02 s and
    searched per word. Entries added later (our user dictionary's tags) live in the dict itself."""

    def __init__(self, words: npt.NDArray[np.str_], tags: npt.NDArray[np.str_]) -> None:
        super().__init__()
        self._words = words
        self._tags = tags

    def get(self, word: str, default: Any = None) -> Any:
        own = dict.get(self, word)
        if own is not None:
            return own
        i = int(np.searchsorted(self._words, word))
        if i < len(self._words) and self._words[i] == word:
            return str(self._tags[i])
        return default

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.get(word) is not None

    def __missing__(self, word: str) -> str:
        got = self.get(word)
        if got is None:
            raise KeyError(word)
        return str(got)


def _tag_arrays(fh: BinaryIO) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_]] | None:
    with np.load(fh, allow_pickle=False) as arrays:
        words, tags = arrays["words"], arrays["tags"]
    ok = words.dtype.kind == tags.dtype.kind == "U" and words.shape == tags.shape and len(words) > 1000
    return (words, tags) if ok else None


def tag_table() -> TagTable:
    """jieba's word-tag table, from this user's cache (rag.usercache), parsed from dict.txt when absent."""
    source = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)
    cache = cache_path("jieba-tags", source, ".npz")
    arrays = read_owned(cache, _tag_arrays)
    if arrays is None:
        table: dict[str, str] = {}
        with source.open("rb") as fh:
            for line in fh:
                parts = line.strip().decode("utf-8").split(" ")
                if len(parts) == 3:
                    table[parts[0]] = parts[2]
        order = sorted(table)
        arrays = (np.asarray(order, dtype=np.str_), np.asarray([table[w] for w in order], dtype=np.str_))
        write_private(cache, lambda fh: np.savez(fh, words=arrays[0], tags=arrays[1]))
    return TagTable(*arrays)


_posseg_lock = threading.Lock()


def _posseg() -> Any:
    """jieba.posseg, imported without building its default tokenizer's tag table: while it is imported
    jieba's dictionary reads as empty, then its table is the TagTable (so its own jieba.posseg.cut tags
    as before, for anyone in this process). Already imported elsewhere: used as it is."""
    with _posseg_lock:
        loaded = sys.modules.get("jieba.posseg")
        if loaded is not None:
            return loaded
        jieba.dt.get_dict_file = lambda: io.BytesIO()
        try:
            import jieba.posseg as posseg
        finally:
            del jieba.dt.get_dict_file
        posseg.dt.word_tag_tab = tag_table()
        return posseg


def _pos_tokenizer(tok: jieba.Tokenizer) -> Any:
    """A part-of-speech tokenizer over our own tokenizer, its tags those of jieba's table (read once,
    shared) plus our user dictionary's own."""
    posseg = _posseg()
    default = posseg.dt
    if tok.dictionary != default.tokenizer.dictionary:  # another main dictionary: its own table
        return posseg.POSTokenizer(tok)
    pos = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    pos.tokenizer = tok
    table = default.word_tag_tab
    if isinstance(table, TagTable):
        pos.word_tag_tab = TagTable(table._words, table._tags)  # the arrays shared, the additions ours
    else:
        pos.word_tag_tab = dict(table)
    return pos


class Segmenter:
    """A jieba tokenizer of our own (not jieba's global one), loaded on first use.

    Loading the dictionary costs ~0.5 s, so it happens once per process that needs it,
    and the lock keeps concurrent UI requests from initialising it twice.
    """

    def __init__(self) -> None:
        self._tokenizer: jieba.Tokenizer | None = None
        self._pos: Any = None
        self._lock = threading.Lock()

    def _ready(self) -> jieba.Tokenizer:
        with self._lock:
            if self._tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                path = resources.files("rag") / "data" / "userdict.txt"
                with resources.as_file(path) as p, p.open("rb") as fh:
                    tok.load_userdict(fh)  # a file jieba opens itself it leaves open
                self._tokenizer = tok
            return self._tokenizer

    def tokens(self, text: str) -> list[str]:
        """Search-mode tokens (long words plus their sub-words), normalised, without stopwords."""
        tok = self._ready()
        out: list[str] = []
        for word in tok.cut_for_search(normalize(text)):
            w = word.strip()
            if w and w not in STOPWORDS and any(ch.isalnum() for ch in w):
                out.append(w)
        return out

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """(word, part-of-speech flag) in precise mode, e.g. ("结婚证", "n"), ("共有", "v")."""

        tok = self._ready()
        with self._lock:
            if self._pos is None:
                self._pos = _pos_tokenizer(tok)
            pos = self._pos
        return [(p.word.strip(), p.flag) for p in pos.lcut(normalize(text)) if p.word.strip()]

    def words(self, text: str) -> list[str]:
        """Precise-mode words (each span once), normalised, for reading a question's terms."""
        tok = self._ready()
        return [w.strip() for w in tok.lcut(normalize(text)) if w.strip()]
