"""Reports managed in the browser (issue 28): removal with a confirmation, and each uploaded file's
state while an upload runs. The report to remove is picked from the index's own list (doc ids, never a
path) and removed by rag.service, under the index's write lock."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from rag.errors import RagError
from rag.service import Service
from ui import chinese
from ui.review import choice, md_text, said

T = TypeVar("T")


def removal_controls() -> tuple[gr.Dropdown, gr.Button, gr.Button, gr.Button, gr.Markdown]:
    """The picker, 删除 (which only asks), 确认删除 (shown once asked), 替换 (the file chosen for upload
    above takes the picked report's place) and the status line."""
    with gr.Group():
        gr.Markdown("#### 删除或替换报告")
        with gr.Row():
            pick = choice([], label="要删除或替换的报告", elem_id="remove-report", scale=3)
            ask = gr.Button("删除…", elem_id="remove-ask", scale=1)
            confirm = gr.Button("确认删除", variant="stop", visible=False, elem_id="remove-confirm", scale=1)
            replace = gr.Button("用上方选择的文件替换", elem_id="replace-report", scale=1)
        status = gr.Markdown(elem_id="remove-status", latex_delimiters=[])
    return pick, ask, confirm, replace, status


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


FILE_STAGE = re.compile(r"^file (\d+)/(\d+) (.+?): (.*)$")
"""How rag.service names one upload's stage: "file 2/5 名称: embedding passages"."""


class Watch:
    """Each uploaded file's state as the service reports it, and an overall estimate, as a Markdown
    table the page shows while the upload runs (a file is 排队 until its stage is heard, 完成 after)."""

    def __init__(self, total: int) -> None:
        self.total, self.started = total, time.monotonic()
        self.states: dict[str, str] = {}
        self.order: list[str] = []
        self.lock = threading.Lock()

    def heard(self, stage: str, done: int, of: int) -> None:
        m = FILE_STAGE.match(stage)
        if m is None:
            return
        name, what = m.group(3), m.group(4)
        with self.lock:
            if name not in self.states:  # files are indexed one at a time: the ones before are done
                for earlier in self.order:
                    self.states[earlier] = "完成"
                self.order.append(name)
            self.states[name] = chinese.stage(what) + (f" {done}/{of}" if of > 1 else "")
            self.total = max(self.total, int(m.group(2)))

    def table(self) -> str:
        with self.lock:
            rows = [(name, self.states[name]) for name in self.order]
        started = len(rows)
        lines = ["| 文件 | 状态 |", "|---|---|", *(f"| {md_text(n)} | {s} |" for n, s in rows)]
        if self.total > started:
            lines.append(f"| （另有 {self.total - started} 个文件排队） | 排队 |")
        elapsed = time.monotonic() - self.started
        if started > 1:  # the files before the current one took this long each
            left = (elapsed / (started - 1)) * (self.total - started + 1)
            lines.append(f"\n已用 {elapsed:.0f} 秒，预计还需约 {max(1, round(left))} 秒")
        else:
            lines.append(f"\n已用 {elapsed:.0f} 秒")
        return "\n".join(lines)


def watched(run: Callable[[Callable[[str, int, int], None]], T], total: int) -> Iterator[tuple[str, T | None]]:
    """(status table, None) twice a second while `run(progress)` works in a thread, then ("", result);
    an exception of `run` is raised here, as if it had run in the caller."""
    watch = Watch(total)
    done: dict[str, Any] = {}

    def work() -> None:
        try:
            done["result"] = run(watch.heard)
        except BaseException as exc:  # handed to the caller below
            done["error"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while thread.is_alive():
        yield watch.table(), None
        thread.join(0.5)
    if "error" in done:
        raise done["error"]
    yield "", done["result"]


def replaced(service: Service, doc_id: str | None, files: list[tuple[str, Path]]) -> tuple[str, bool]:
    """(status line, whether the index changed): the one file given is indexed, then the picked report
    removed; nothing is removed unless the new report is in."""
    if not doc_id:
        return "请先选择要替换的报告。", False
    if len(files) != 1:
        return "替换时请在上方只选择一个文件。", False
    old = next((d for d in service.retriever.documents if d.doc_id == doc_id), None)
    if old is None:
        return "这份报告已不在索引中。", False
    try:
        outcome = service.add_uploads(files)
    except RagError as exc:
        return said(exc), False
    if not outcome.indexed:
        why = "；".join(chinese.reason(w) for _, w in outcome.skipped) or "内容与已索引的报告相同"
        return f"未替换：新文件未能加入索引（{md_text(why)}）。", bool(outcome.reused)
    status, _ = removed(service, doc_id)
    return f"已替换：{md_text(old.unit)} → {md_text(outcome.indexed[0])}（{status}）", True
