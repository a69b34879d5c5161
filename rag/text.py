"""Stdlib-only text rules shared by chunking, indexing and answering.

Normalisation applies to what is indexed and compared, never to the text that is shown or cited.
"""

from __future__ import annotations

import re
import unicodedata

SENTENCE_END = re.compile(r"[。；！？;!?]+[”’」』)）]*|\n+")
"""Where a sentence ends: Chinese/ASCII stops (with any closing quotes after them) or a line break."""

SOFT_BREAKS = (re.compile(r"[,，:：]"), re.compile(r"[、]"))
"""Where a sentence that alone exceeds the budget may be cut: commas first, enumeration commas after."""

CJK = re.compile(r"[\u3400-\u9fff]")


def normalize(text: str) -> str:
    """NFKC + lower case: full-width digits and brackets (１００％, （一）) compare equal to ASCII."""
    return unicodedata.normalize("NFKC", text).lower()


def has_chinese(text: str) -> bool:
    return CJK.search(text) is not None


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of sentences in text[start:end], trimmed of surrounding white space.

    Every non-space character of the range is inside exactly one span, so packing spans
    into chunks can never drop text.
    """
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in SENTENCE_END.finditer(text, start, stop):
        _add_trimmed(text, pos, m.end(), spans)
        pos = m.end()
    _add_trimmed(text, pos, stop, spans)
    return spans


def _add_trimmed(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a < b:
        out.append((a, b))


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


HEADING_LEVELS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^[一二三四五六七八九十]{1,3}\s*、"),  # 一、
    re.compile(r"^[(（]\s*[一二三四五六七八九十]{1,3}\s*[)）]"),  # (一) and （一） are the same level
    re.compile(r"^\d{1,2}\s*[.．、](?!\d)"),  # 1. / 1、 but not 1.5
    re.compile(r"^[(（]\s*\d{1,2}\s*[)）]"),  # (1) / （1）
)
"""Heading markers of Chinese official documents, outermost first; index = nesting level."""

LABEL_END = re.compile(r"[。；;！？!?]|[一二三四五六七八九十]是")
"""A heading paragraph's label ends at its first full stop or at an inline 一是/二是 list."""


def heading_level(line: str) -> int | None:
    s = line.lstrip()
    for level, pattern in enumerate(HEADING_LEVELS):
        if pattern.match(s):
            return level
    return None


def heading_label(line: str, limit: int = 40) -> str:
    """ "(一)深化理论武装,筑牢法治思想根基。始终…" -> "(一)深化理论武装,筑牢法治思想根基"."""
    s = line.strip()
    m = LABEL_END.search(s, 2)
    label = s[: m.start()] if m else s
    return label if len(label) <= limit else label[:limit] + "…"
