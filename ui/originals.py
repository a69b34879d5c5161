"""Citations that lead somewhere: each answer in the chat carries its own sources, `[n]` jumps to its
source, and 查看原文 shows the whole report with the cited sentence marked and scrolled into view, with
the original file to download where the server still has it (issue 28).

The report is found by the doc_id the index holds and the cited span by offsets checked against its
text; a value from the browser never names a file. Everything a report says is escaped.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from rag.errors import InputError
from rag.records import Answer
from rag.service import Service
from ui.review import md_text

CITE = re.compile(r"\\\[(\d{1,3})\\\]")
"""`[n]` as md_text writes it (brackets backslashed)."""
SCROLL = (
    "() => { const hit = document.querySelector('#original mark#hit');"
    " if (hit) hit.scrollIntoView({block: 'center'}); }"
)
"""Run after the original is shown: the cited sentence in view (Gradio's HTML runs no scripts itself)."""


COPY = "(text) => { navigator.clipboard.writeText(text); }"
"""复制回答（含来源）: the answer's plain text with its sources, onto the clipboard (never HTML)."""


def plain_text(answer: Answer) -> str:
    """The answer as a reviewer pastes it into a document: its text, then each source with unit, year,
    section, file and the quoted sentence."""
    lines = [answer.text, "", "来源："] if answer.citations else [answer.text]
    for c in answer.citations:
        ch = c.chunk
        where = f"{ch.unit} · {ch.year or '?'} · {ch.section_path} · {Path(ch.source).name}"
        lines.append(f"[{c.n}] {where}：“{c.quote}”")
    return "\n".join(lines)


def linked(markdown: str, aid: str) -> str:
    """`[n]` in an answer's Markdown as a link to that answer's own source n."""
    return CITE.sub(lambda m: f'<a href="#{aid}-s{m.group(1)}">[{m.group(1)}]</a>', markdown)


def sources_block(answer: Answer, aid: str) -> str:
    """The answer's own sources, folded under it in the chat: an earlier answer keeps its sources."""
    if not answer.citations:
        return ""
    items = []
    for c in answer.citations:
        ch = c.chunk
        head = md_text(f"[{c.n}] {ch.unit} · {ch.year or '?'} · {ch.section_path} · {Path(ch.source).name}")
        items.append(f'<p id="{aid}-s{c.n}">{head}<br>“{md_text(c.quote)}”</p>')
    return f"<details><summary>来源（{len(answer.citations)}）</summary>{''.join(items)}</details>"


def choices(answer: Answer) -> list[tuple[str, str]]:
    """(label, value) of each citation for the 查看原文 picker: value = doc_id, start and length of the
    quote in the report's text."""
    out = []
    for c in answer.citations:
        ch = c.chunk
        start = ch.start + ch.text.find(c.quote)
        out.append((f"[{c.n}] {ch.unit} · {ch.year or '?'}", f"{ch.doc_id}\t{start}\t{len(c.quote)}"))
    return out


def _span(service: Service, value: str) -> tuple[str, str, int, int]:
    parts = (value or "").split("\t")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        raise InputError("请先在“查看原文”中选择一条来源")
    doc_id, start, length = parts[0], int(parts[1]), int(parts[2])
    if doc_id not in {d.doc_id for d in service.retriever.documents}:
        raise InputError("这份报告已不在索引中，请重新提问")
    text = service.retriever.report(doc_id).text
    if start + length > len(text):
        raise InputError("这份报告已更新，请重新提问")
    return doc_id, text, start, length


def original_html(service: Service, value: str) -> str:
    """The whole report, escaped, the cited sentence marked (`mark#hit`) in a scrolling frame."""
    try:
        doc_id, text, start, length = _span(service, value)
    except InputError as exc:
        return f"<p>{html.escape(str(exc))}</p>"
    doc = next(d for d in service.retriever.documents if d.doc_id == doc_id)
    head = html.escape(f"{doc.unit} · {doc.year or '?'} · {doc.kind} · {Path(doc.source).name}")
    body = (
        html.escape(text[:start])
        + f"<mark id='hit'>{html.escape(text[start : start + length])}</mark>"
        + html.escape(text[start + length :])
    )
    return f"<div class='original-head'>{head}</div><div class='original-text'>{body}</div>"


def original_file(service: Service, value: str) -> str | None:
    """The report's own file, where the server still has it (an upload's is deleted once indexed):
    the path the index recorded, never one the browser gave."""
    try:
        doc_id, *_ = _span(service, value)
    except InputError:
        return None
    source = Path(next(d.source for d in service.retriever.documents if d.doc_id == doc_id))
    return str(source) if source.is_file() else None


def original_page(service: Service, value: str) -> tuple[str | None, int | None]:
    """For a cited PDF the server still has: (the cited page as a PNG, its number); (None, None) for
    any other report, a scanned PDF whose text is OCR's, or a page that cannot be rendered."""
    from rag.ingest.pdf import page_of, render_page
    from ui.exports import folder

    try:
        doc_id, text, start, length = _span(service, value)
    except InputError:
        return None, None
    source = Path(next(d.source for d in service.retriever.documents if d.doc_id == doc_id))
    if source.suffix.lower() != ".pdf" or not source.is_file():
        return None, None
    try:
        number = page_of(source, text[start : start + length])
        if number is None:
            return None, None
        return str(render_page(source, number, folder() / f"page-{number}")), number
    except InputError:
        return None, None
