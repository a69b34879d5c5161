"""The browser UI: a Gradio chat whose answers carry their sources, filters, uploads and a reports view.

Imports rag (service and records) only; never rag.cli. Everything it shows comes from Service, so the
UI and the HTTP API give the same answers.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no version check or telemetry at Blocks()

import gradio as gr
import pandas as pd

from rag.errors import RagError
from rag.export import answer_table
from rag.ingest import KINDS, SUPPORTED
from rag.service import Service
from ui import chinese, exports, manage, originals
from ui.render import answer_markdown, sources_html, value_frame
from ui.review import choice, md_text, picked, picked_year, review_tabs, said

ALL_UNITS = "全部单位"
ALL_YEARS = "全部年度"
ALL_KINDS = "全部类型"
KEEP = "（不改）"
EXAMPLES = [
    "霞山区2025年主动公开了多少条政府信息?",
    "哪些单位矛盾纠纷调解成功率达到100%?",
    "埔前镇和车站街道的法律顾问,谁审查的合同更多?",
    "which units trained 法律明白人?",
]
"""One of each kind a reviewer asks: a lookup, a which-units list, a comparison, an English question."""
REPORT_COLUMNS = ["待核对", "单位", "年度", "类型", "层级", "所在地区", "段落数", "文件", "依据", "提示"]
REPORT_TYPES: list[Literal["str", "number"]] = ["str", "str", "str", "str", "str", "str", "number", "str", "str", "str"]
FIELD_ZH = {"unit": "单位", "year": "年度", "kind": "类型"}
"""Plain text (never "markdown" or "html"): whatever a report calls itself is shown, not rendered."""


def _reports_frame(service: Service) -> pd.DataFrame:
    rows = []
    # reports whose unit, year or kind rests on a weak cue first: a reviewer corrects them before asking
    for r in sorted(service.reports(), key=lambda r: not r.get("uncertain")):
        cues = r["cues"]
        year = f"{r['year'] or '?'}" + (f"（标题 {r['title_year']}）" if r["title_year"] else "")
        basis = "；".join(
            f"{zh}：{chinese.cue(cues.get(en) or '-')}"
            for en, zh in (("unit", "单位"), ("year", "年度"), ("kind", "类型"))
        )
        rows.append(
            [
                "、".join(FIELD_ZH.get(f, f) for f in r.get("uncertain", {})),
                r["unit"],
                year,
                r["kind"],
                r["level"],
                " > ".join(r["place"]),
                r["chunks"],
                Path(r["source"]).name,
                basis,
                "；".join(chinese.warning(w) for w in r["warnings"]),
            ]
        )
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def _sources(service: Service) -> list[tuple[str, str]]:
    """(label, doc_id) of each report for the correction form: the file name users recognise, and an
    id that is no server path."""
    return [(f"{Path(r['source']).name} · {r['unit']}", str(r["doc_id"])) for r in service.reports()]


def _choices(service: Service) -> tuple[list[str], list[str]]:
    units = [ALL_UNITS, *service.retriever.units]
    years = [ALL_YEARS, *[str(y) for y in service.retriever.years]]
    return units, years


def _kinds(service: Service) -> list[str]:
    present = {d.kind for d in service.retriever.documents}
    return [ALL_KINDS, *[k for k in KINDS if k in present]]


def _keep(history: list[Any], kept: dict[str, Any] | None, request: gr.Request) -> dict[str, Any]:
    """The browser's conversations with this account's replaced (no login: one conversation)."""
    return {**(kept if isinstance(kept, dict) else {}), request.username or "": history}


def _cleared(kept: dict[str, Any] | None, request: gr.Request) -> tuple[list[Any], dict[str, Any], str]:
    return [], _keep([], kept, request), ""


def _restore(kept: dict[str, Any] | None, request: gr.Request) -> list[Any]:
    history = (kept if isinstance(kept, dict) else {}).get(request.username or "", [])
    return history if isinstance(history, list) else []


def inside_uploads(path: str) -> str | None:
    """The real path (symlinks followed) of a regular file inside Gradio's upload folder, else None
    (also for what is no path at all: a NUL byte, a name too long)."""
    from gradio.utils import get_upload_folder

    try:
        folder, real = os.path.realpath(get_upload_folder()), os.path.realpath(path)
        return real if real.startswith(folder + os.sep) and Path(real).is_file() else None
    except (ValueError, OSError):
        return None


def received_uploads(paths: Iterable[str], received: set[str]) -> tuple[list[tuple[str, Path]], list[str]]:
    """(name, path) of the files a client really uploaded, and the names of the rest. Whatever reached
    the handler (a request can name any path; Gradio mounted in FastAPI copies what it names into its
    cache first), only a regular file inside the upload folder that the upload route itself wrote
    (`received`, Gradio's upload_file_set) is read."""
    known = {os.path.realpath(k) for k in received}
    accepted, refused = [], []
    for p in paths:
        real = inside_uploads(p)
        if real is not None and real in known:
            accepted.append((Path(p).name, Path(real)))
        else:
            refused.append(Path(p).name)
    return accepted, refused


def discard_uploads(paths: Iterable[str], received: set[str]) -> None:
    """Delete uploaded files once handled (the index holds their text; a refused one is of no use):
    only files inside the upload folder, with their emptied hash folder."""
    for p in paths:
        real = inside_uploads(p)
        received.discard(p)
        if real is not None:
            Path(real).unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # another file is still in it
                Path(real).parent.rmdir()


def build_app(service: Service) -> gr.Blocks:
    """The UI. Nothing the index holds (units, years, kinds, reports, paths) is in the Blocks config:
    it is filled in by a load event, so the login page and its embedded API description show none."""
    with gr.Blocks(title="年度报告问答 · 引用来源", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            "## 政府年度报告问答\n每个回答都引用报告原文（单位 · 年度 · 章节）；"
            "“哪些单位”类问题会检索全部报告，并列出未提及的单位。[接口文档](/api/docs)"
        )
        last_question = gr.State("")
        # the conversation survives a reload: in this browser's storage, one per account logged in here
        saved = gr.BrowserState({}, storage_key="rag-conversations")
        with gr.Tab("问答"), gr.Row():
            with gr.Column(scale=3):
                with gr.Row():
                    unit_box = choice([ALL_UNITS], value=ALL_UNITS, label="单位", elem_id="unit-filter")
                    year_box = choice([ALL_YEARS], value=ALL_YEARS, label="年度", elem_id="year-filter")
                    kind_box = choice([ALL_KINDS], value=ALL_KINDS, label="报告类型", elem_id="kind-filter")
                chat = gr.Chatbot(
                    label="对话", height=380, buttons=["copy", "copy_all"], elem_id="chat", latex_delimiters=[]
                )
                with gr.Row():
                    message = gr.Textbox(
                        placeholder="输入问题，例如：哪些单位提到了法律明白人?",
                        label="问题",
                        show_label=False,
                        scale=5,
                        elem_id="question",
                        submit_btn=False,
                    )
                    send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                    clear = gr.Button("清空对话", scale=1, elem_id="clear-chat")
                with gr.Row():
                    export_xlsx = gr.DownloadButton(
                        "导出 Excel", visible=False, elem_id="export-answer-xlsx", size="sm"
                    )
                    export_csv = gr.DownloadButton("导出 CSV", visible=False, elem_id="export-answer-csv", size="sm")
                    copy = gr.Button("复制回答（含来源）", visible=False, elem_id="copy-answer", size="sm")
                plain = gr.Textbox(visible=False, elem_id="answer-plain")  # what 复制 puts on the clipboard
                # a comparison's table and chart right under the answer (1366×768: above the fold)
                table = gr.Dataframe(
                    visible=False,
                    label="各单位数值（按回答的排序；原文写法为报告原文）",
                    elem_id="value-table",
                    datatype=["str", "str", "number", "str"],
                )
                chart = gr.BarPlot(
                    visible=False, x="单位", y="数值", y_lim=[0, None], label="对比", elem_id="value-chart", sort="-y"
                )
                gr.Examples(EXAMPLES, inputs=[message], label="示例问题")
            with gr.Column(scale=2):
                sources = gr.HTML(sources_html(service, None), elem_id="sources-panel")
                pick = choice([], label="查看原文（选择一条来源）", elem_id="original-pick")
                original = gr.HTML(elem_id="original")
                page_image = gr.Image(visible=False, type="filepath", elem_id="original-page", interactive=False)
                original_file = gr.DownloadButton("下载原文件", visible=False, elem_id="original-file", size="sm")
        with gr.Tab("报告"):
            gr.Markdown(
                f"已索引的报告及其单位、年度、类型的依据。上传 {' / '.join(SUPPORTED)} 报告（每个文件不超过 20 MB）"
                "即可加入索引，已有报告不会重新计算。单位或年度不对时，在下方更正：更正会保存，之后每次重建都保留。"
            )
            empty = pd.DataFrame(columns=REPORT_COLUMNS)
            reports = gr.Dataframe(empty, interactive=False, elem_id="reports", wrap=True, datatype=REPORT_TYPES)
            files = gr.File(
                file_count="multiple",
                file_types=[*SUPPORTED, ".zip"],
                label="上传报告（可多选；一个文件夹请先压缩为 .zip）",
                elem_id="upload",
            )
            add = gr.Button("加入索引", elem_id="add-reports")
            status = gr.Markdown(elem_id="upload-status", latex_delimiters=[])
            with gr.Group():
                gr.Markdown("#### 更正报告信息")
                with gr.Row():
                    which = choice([], label="报告", elem_id="fix-report", scale=3)
                    fix_unit = gr.Textbox(
                        label="单位", placeholder="报告自称的单位全称，例如：××县人民政府", elem_id="fix-unit", scale=2
                    )
                    fix_year = gr.Textbox(label="年度（所报告的年份）", placeholder="例如：2024", elem_id="fix-year")
                    fix_kind = choice([KEEP, *KINDS], value=KEEP, label="类型", elem_id="fix-kind")
                save = gr.Button("保存更正", elem_id="save-fix")
                fix_status = gr.Markdown(elem_id="fix-status", latex_delimiters=[])
            remove_pick, remove_ask, remove_confirm, replace, remove_status = manage.removal_controls()

        review_tabs(service, demo)

        def fill() -> tuple[Any, ...]:
            units, years = _choices(service)
            return (
                gr.update(choices=units),
                gr.update(choices=years),
                gr.update(choices=_kinds(service)),
                _reports_frame(service),
                gr.update(choices=_sources(service)),
                gr.update(choices=_sources(service)),
            )

        def respond(
            text: str, history: list[dict[str, Any]], unit: str, year: str, kind: str, previous: str
        ) -> tuple[Any, ...]:
            history = list(history or [])
            text = (text or "").strip()
            if not text:
                return history, *(gr.update() for _ in range(3)), previous, "", *(gr.update() for _ in range(5))
            question = service.follow_up(previous, text)
            history.append({"role": "user", "content": md_text(text)})
            try:
                answer = service.ask(
                    question,
                    unit=picked(unit, ALL_UNITS, "单位"),
                    year=picked_year(year, ALL_YEARS),
                    kind=picked(kind, ALL_KINDS, "报告类型"),
                )
            except RagError as exc:
                history.append({"role": "assistant", "content": said(exc)})
                hidden = gr.update(visible=False)
                panel = sources_html(service, None)
                return history, panel, hidden, hidden, previous, "", hidden, hidden, gr.update(), hidden, ""
            aid = f"a{len(history)}"  # this answer's own anchors: [n] jumps to its sources, not a later answer's
            shown = originals.linked(answer_markdown(answer, text), aid) + "\n\n" + originals.sources_block(answer, aid)
            history.append({"role": "assistant", "content": shown})
            if answer.kind == "comparison" and answer.values:
                frame, note = value_frame(answer)
                fewest = "y" if frame["数值"].is_monotonic_increasing and len(frame) > 1 else "-y"
                table_update = gr.update(value=frame, visible=True)
                angle = -30 if len(frame) > 6 else 0  # many units: slanted labels that do not overlap
                look: dict[str, Any] = {"sort": fewest, "caption": note or None, "x_label_angle": angle}
                chart_update = gr.update(value=frame, visible=True, **look)
            else:
                table_update = chart_update = gr.update(visible=False)
            if answer.citations:  # the answer's units, candidates and silent reports, each with its quote
                sheet = answer_table(answer.to_dict(), service.retriever.documents)
                xlsx = gr.update(value=exports.save(sheet, "xlsx"), visible=True)
                csv_file = gr.update(value=exports.save(sheet, "csv"), visible=True)
            else:
                xlsx = csv_file = gr.update(visible=False)
            picks = gr.update(choices=originals.choices(answer), value=None)
            panel = sources_html(service, answer)
            copying = gr.update(visible=bool(answer.citations))
            text_out = originals.plain_text(answer)
            return history, panel, table_update, chart_update, question, "", xlsx, csv_file, picks, copying, text_out

        def upload(paths: list[str] | None) -> Iterator[tuple[Any, ...]]:
            if not paths:
                yield "请先选择文件。", *(gr.update() for _ in range(7))
                return
            accepted, refused = received_uploads(paths, demo.upload_file_set)
            outcome = None
            try:  # each file's state, and an estimate, while the upload runs
                for table, outcome in manage.watched(
                    lambda told: service.add_uploads(accepted, progress=told), len(accepted)
                ):
                    if outcome is None:
                        yield table, *(gr.update() for _ in range(7))
            finally:
                discard_uploads(paths, demo.upload_file_set)
            assert outcome is not None
            indexed = "、".join(md_text(n) for n in outcome.indexed)
            lines = [f"已加入索引 {len(outcome.indexed)} 份：{indexed}"] if outcome.indexed else []
            lines += [f"- 未能使用 {md_text(name)}：不是通过本页上传的文件" for name in refused]
            lines += [f"- 未能使用 {md_text(name)}：{chinese.reason(why)}" for name, why in outcome.skipped]
            lines += [f"- 已在索引中（内容相同，未重复加入）{md_text(n)}：即 {md_text(s)}" for n, s in outcome.reused]
            lines += [
                f"- 请核对 {md_text(Path(src).name)}：{md_text(chinese.warning(w))}" for src, w in outcome.warnings
            ]
            new_units, new_years = _choices(service)
            yield (
                "\n".join(lines) or "没有可用的文件。",
                _reports_frame(service),
                gr.update(choices=new_units),
                gr.update(choices=_sources(service)),
                gr.update(value=None),
                gr.update(choices=new_years),
                gr.update(choices=_kinds(service)),
                gr.update(choices=_sources(service)),
            )

        def correct(source: str | None, unit: str, year: str, kind: str) -> tuple[Any, ...]:
            if not source:
                return "请先选择报告。", *(gr.update() for _ in range(6))
            try:
                row = service.correct(
                    picked(source, "", "报告") or "",
                    unit=(unit or "").strip() or None,
                    year=picked_year(year, ""),
                    kind=picked(kind, KEEP, "类型"),
                )
            except RagError as exc:
                return said(exc), *(gr.update() for _ in range(6))
            new_units, new_years = _choices(service)
            fixed = f"{Path(str(row['source'])).name}：{row['unit']} · {row['year'] or '?'} · {row['kind']}"
            message = f"已更正 {md_text(fixed)}"
            lists = (gr.update(choices=new_units), gr.update(choices=_sources(service)))
            scope = (gr.update(choices=new_years), gr.update(choices=_kinds(service)))
            return message, _reports_frame(service), *lists, *scope, gr.update(choices=_sources(service))

        inputs = [message, chat, unit_box, year_box, kind_box, last_question]
        outputs = [chat, sources, table, chart, last_question, message, export_xlsx, export_csv, pick, copy, plain]
        copy.click(None, [plain], [], js=originals.COPY)
        demo.load(
            fill,
            [],
            [unit_box, year_box, kind_box, reports, which, remove_pick],
            api_name="index_choices",
            api_visibility="undocumented",
        )
        for asked in (send.click, message.submit):
            asked(respond, inputs, outputs).then(_keep, [chat, saved], [saved])

        def show_original(value: str | None) -> tuple[Any, ...]:
            path = originals.original_file(service, value or "")
            image, number = originals.original_page(service, value or "")  # a PDF: the page it stands on
            seen = gr.update(value=image, visible=image is not None, label=f"原文第 {number} 页" if number else None)
            return originals.original_html(service, value or ""), gr.update(value=path, visible=path is not None), seen

        shown_original = [original, original_file, page_image]
        pick.change(show_original, [pick], shown_original).then(None, js=originals.SCROLL)
        clear.click(_cleared, [saved], [chat, saved, last_question])
        demo.load(_restore, [saved], [chat])

        def remove(doc_id: str | None) -> tuple[Any, ...]:
            status, changed = manage.removed(service, doc_id)
            if not changed:
                return status, gr.update(visible=False), *(gr.update() for _ in range(6))
            lists = fill()  # every list of the page from the index as it now is
            return status, gr.update(visible=False), lists[3], lists[0], lists[1], lists[2], lists[4], lists[5]

        remove_ask.click(lambda d: manage.asked(service, d), [remove_pick], [remove_status, remove_confirm])
        lists = [reports, unit_box, year_box, kind_box, which, remove_pick]
        remove_confirm.click(remove, [remove_pick], [remove_status, remove_confirm, *lists])

        def swap(doc_id: str | None, paths: list[str] | None) -> tuple[Any, ...]:
            accepted, _ = received_uploads(paths or [], demo.upload_file_set)
            try:
                status, changed = manage.replaced(service, doc_id, accepted)
            finally:
                discard_uploads(paths or [], demo.upload_file_set)
            if not changed:
                return status, gr.update(), *(gr.update() for _ in range(6))
            now = fill()
            return status, gr.update(value=None), now[3], now[0], now[1], now[2], now[4], now[5]

        replace.click(swap, [remove_pick, files], [remove_status, files, *lists])
        add.click(upload, [files], [status, reports, unit_box, which, files, year_box, kind_box, remove_pick])
        save.click(
            correct,
            [which, fix_unit, fix_year, fix_kind],
            [fix_status, reports, unit_box, which, year_box, kind_box, remove_pick],
        )
    blocks: gr.Blocks = demo
    return blocks
