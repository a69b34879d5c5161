"""Reports managed in the browser: removal with a confirmation (issue 28). The report is picked from
the index's own list (doc ids, never a path) and removed by rag.service, under the index's write lock."""

from __future__ import annotations

from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.service import Service
from ui.review import choice, md_text, said


def removal_controls() -> tuple[gr.Dropdown, gr.Button, gr.Button, gr.Markdown]:
    """The picker, 删除 (which only asks), 确认删除 (shown once asked) and the status line."""
    with gr.Group():
        gr.Markdown("#### 删除报告")
        with gr.Row():
            pick = choice([], label="要删除的报告", elem_id="remove-report", scale=3)
            ask = gr.Button("删除…", elem_id="remove-ask", scale=1)
            confirm = gr.Button("确认删除", variant="stop", visible=False, elem_id="remove-confirm", scale=1)
        status = gr.Markdown(elem_id="remove-status", latex_delimiters=[])
    return pick, ask, confirm, status


def asked(service: Service, doc_id: str | None) -> tuple[Any, Any]:
    """The question before anything is removed: which report, and that its passages go with it."""
    if not doc_id:
        return "请先选择要删除的报告。", gr.update(visible=False)
    match = [d for d in service.retriever.documents if d.doc_id == doc_id]
    if not match:
        return "这份报告已不在索引中。", gr.update(visible=False)
    d = match[0]
    what = md_text(f"{d.unit} · {d.year or '?'} · {d.kind}")
    return f"确定从索引中删除 **{what}** 吗？它的段落与数字将不再被检索。点“确认删除”继续。", gr.update(visible=True)


def removed(service: Service, doc_id: str | None) -> tuple[str, bool]:
    """(status line, whether the index changed)."""
    if not doc_id:
        return "请先选择要删除的报告。", False
    try:
        done = service.remove([doc_id])["removed"]
    except RagError as exc:
        return said(exc), False
    return "已删除：" + "、".join(md_text(f"{r['unit']}") for r in done), True
