"""Chinese word segmentation for BM25: jieba with the domain user dictionary (rag/data/userdict.txt).

Imports rag.text and its own tables.py (jieba's dictionary and tags from this user's cache, via
rag.usercache). Terms such as 法律明白人 or 三重一大 must stay whole tokens, or BM25 matches their
fragments (法律, 明白) all over the corpus.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources
from typing import Any

import jieba

from rag.segmentation.tables import ArrayTable, dictionary, posseg
from rag.text import normalize

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


def _pos_tokenizer(tok: jieba.Tokenizer) -> Any:
    """A part-of-speech tokenizer over our own tokenizer: jieba's tags (rag.segmentation.tables, read
    once and shared) plus our user dictionary's own."""
    module = posseg()
    default = module.dt
    if tok.dictionary != default.tokenizer.dictionary:  # another main dictionary: its own table
        return module.POSTokenizer(tok)
    pos = module.POSTokenizer.__new__(module.POSTokenizer)
    pos.tokenizer = tok
    table = default.word_tag_tab
    pos.word_tag_tab = table.fresh() if isinstance(table, ArrayTable) else dict(table)
    return pos


class Segmenter:
    """A jieba tokenizer of our own (not jieba's global one), loaded on first use, once per process
    (the lock keeps concurrent UI requests from loading it twice).

    questions: this segmenter reads questions and terms, not a corpus, so jieba's dictionary is
    searched in sorted arrays (0.02 s to open) instead of made a dict (0.13 s from the same cache;
    jieba's own load took 0.43 s). The tokens are the same either way (tested).
    """

    def __init__(self, *, questions: bool = False) -> None:
        self._questions = questions
        self._tokenizer: jieba.Tokenizer | None = None
        self._pos: Any = None
        self._lock = threading.Lock()

    def _ready(self) -> jieba.Tokenizer:
        with self._lock:
            if self._tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.FREQ, tok.total = dictionary(searched=self._questions)
                tok.initialized = True  # what Tokenizer.initialize() leaves, from our cache, not /tmp/jieba.cache
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
