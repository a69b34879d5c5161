"""How an answer is drawn in the browser: its Markdown in the chat and its sources' cards, every word
a report says escaped (md_text, html.escape) before Gradio renders it."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from rag.records import Answer
from rag.service import Service
from ui.review import md_text

CSS = """
body, .gradio-container, button, input, textarea {
  font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif !important;
}
.source-card { border: 1px solid #d9dee7; border-radius: 8px; padding: 10px 12px; margin-bottom: 10px;
  background: #fafbfc; }
.source-head { font-weight: 600; color: #1f3b63; margin-bottom: 4px; }
.source-meta { color: #5b6675; font-size: 0.85em; margin-bottom: 6px; }
.source-card mark { background: #ffe58a; padding: 0 2px; }
.source-card details summary { cursor: pointer; color: #2458a6; margin-top: 6px; }
.source-context { white-space: pre-wrap; font-size: 0.92em; line-height: 1.6; border-left: 3px solid #c9d6ea;
  padding-left: 8px; margin-top: 6px; }
.coverage { color: #5b6675; font-size: 0.9em; }
.original-head { font-weight: 600; color: #1f3b63; margin-bottom: 6px; }
.original-text { white-space: pre-wrap; line-height: 1.7; max-height: 520px; overflow: auto; border: 1px solid #d9dee7;
  padding: 8px 10px; }
.original-text mark { background: #ffe58a; }
"""


def _highlight(text: str, quote: str) -> str:
    """Escaped text with the quoted sentence marked; the quote is a verbatim substring by construction."""
    i = text.find(quote)
    if i < 0 or not quote:
        return html.escape(text)
    return html.escape(text[:i]) + "<mark>" + html.escape(quote) + "</mark>" + html.escape(text[i + len(quote) :])


def sources_html(service: Service, answer: Answer | None) -> str:
    if answer is None or not answer.citations:
        note = "" if answer is None else "<p>没有可引用的来源：已索引的报告中未找到支持这个回答的内容。</p>"
        return f"<div id='sources'><h3>来源</h3>{note}</div>"
    cards = []
    for c in answer.citations:
        ch = c.chunk
        context = service.section_context(ch)
        cards.append(
            f"<div class='source-card' id='source-{c.n}'>"
            f"<div class='source-head'>[{c.n}] {html.escape(ch.unit)} · {ch.year or '?'}</div>"
            f"<div class='source-meta'>{html.escape(ch.section_path)} · {html.escape(Path(ch.source).name)}</div>"
            f"<div class='source-passage'>{_highlight(ch.text, c.quote)}</div>"
            f"<details><summary>查看整节原文</summary>"
            f"<div class='source-context'>{_highlight(context, c.quote)}</div></details>"
            "</div>"
        )
    return "<div id='sources'><h3>来源</h3>" + "".join(cards) + "</div>"


def answer_markdown(answer: Answer, asked: str) -> str:
    """The answer as Markdown: its own structure (list items, the coverage line, notices in italics)
    around text that is all md_text, since every line quotes a report."""
    lines = []
    if asked.strip() != answer.question.strip():
        lines.append(f"*（按上文理解为：{md_text(answer.question)}）*")
    for line in answer.text.splitlines():
        if line.startswith(("检索范围", "Coverage")):
            lines.append(f"<span class='coverage'>{md_text(line)}</span>")
        elif line.startswith("- "):
            lines.append("- " + md_text(line[2:]))
        else:
            lines.append(md_text(line))
    lines += [f"*{md_text(n)}*" for n in answer.notices]
    # list items stay one list; every other line is its own paragraph (so headings never join a list)
    out: list[str] = []
    for line in lines:
        if out and not (line.startswith("- ") and out[-1].startswith("- ")):
            out.append("")
        out.append(line)
    return "\n".join(out)


def value_frame(answer: Answer) -> tuple[Any, str]:
    """A comparison's values for its table and chart, ranked as the answer ranks them: each as the
    report writes it (14万亿元, 10369余条), the number only for the bars; and a note when the values
    span two orders of magnitude or more (the small bars would read as none)."""
    import pandas as pd

    from rag.quantities import quantities_in

    written: dict[tuple[str, float, str], str] = {}
    for c in answer.citations:
        for q in quantities_in(c.quote):
            written.setdefault((c.chunk.unit, q.value, q.measure), q.raw)
    rows = [[u, written.get((u, v, m), f"{v:g}{m}"), v, m] for u, v, m in answer.values]
    frame = pd.DataFrame(rows, columns=["单位", "原文写法", "数值", "单位量词"])
    positive = [v for _, v, _ in answer.values if v > 0]
    note = ""
    if positive and max(positive) / min(positive) >= 100:
        note = "各单位数值相差两个数量级以上，图中较小的柱几乎看不见，请以表格为准。"
    return frame, note
