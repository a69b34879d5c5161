"""The reviewer's tables: the indicator ledger (every figure of every report, filtered, sortable, charted
per indicator) and the completeness matrix (which report lacks a part the rules ask for, which came late).

Imports rag (service) only. Both read what the HTTP API's /api/ledger and /api/outline return.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Literal

import gradio as gr
import pandas as pd

from rag.api import scrub
from rag.errors import InputError, RagError
from rag.export import ledger_table, outline_table
from rag.quantities import same_measure
from rag.service import Service
from ui.exports import save

ANY = "全部"
LEDGER_COLUMNS = ["单位", "年度", "指标", "数值", "量词", "限定", "原文", "章节", "文件"]
LEDGER_TYPES: list[Literal["str", "number"]] = ["str", "str", "str", "number", "str", "str", "str", "str", "str"]
MD_MARK = re.compile(
    r"[\\`*_{}\[\]()#+\-!|~:@$=]"  # every Markdown mark but the dot, which only counts in "www." and "1."
    r"|(?<=www)\.|(?<=^\d)\.|(?<=^\d\d)\.|(?<=^\d{3})\.|(?<=^\d{4})\.",
    re.I | re.M,
)
MARK = {"present": "✓ 有", "mentioned": "~ 仅提及", "missing": "✗ 缺"}


def md_text(text: str) -> str:
    """Markdown that shows exactly `text`: HTML-escaped and every Markdown mark backslashed, so what a
    report says (`<img src=…>`, `![](…)`, `[a](…)`, a bare URL, `**`) is shown as text, never rendered,
    linked or fetched. Everything from a report, a file name or a user goes through this (or
    html.escape for HTML) before Gradio renders it."""
    return MD_MARK.sub(lambda m: "\\" + m.group(0), html.escape(text, quote=False))


def said(exc: Exception) -> str:
    """A RagError for the browser: one Markdown-safe line with no absolute server path."""
    return "⚠️ " + md_text(scrub(str(exc)))


def choice(choices: list[Any], **kwargs: Any) -> gr.Dropdown:
    """A Dropdown that also takes typed values (a short unit name, a kind's part), which the service
    checks: Gradio's own check of a value it does not offer names the value and prints it with a
    traceback, so one request could write a megabyte into the server log."""
    return gr.Dropdown(choices, allow_custom_value=True, **kwargs)


def picked(value: Any, every: str, field: str) -> str | None:
    """A dropdown's value for the service: None for `every` ("all"), else its text; an over-long one
    is refused in one line that does not repeat it."""
    if value in (None, "", every):
        return None
    text = str(value).strip()
    if len(text) > 200:
        raise InputError(f"{field}：不是可选的值")
    return text or None


def picked_year(value: Any, every: str) -> int | None:
    year = picked(value, every, "年度")
    if year is not None and not (year.isdigit() and len(year) == 4):
        raise InputError("年度：应为四位数字，例如 2024")
    return int(year) if year else None


def ledger_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One line per figure, each with its verbatim span and where it stands (the citation)."""
    return pd.DataFrame(
        [
            [
                r["unit"],
                r["year"],
                r["indicator"],
                r["value"],
                r["measure"],
                r["qualifier"],
                r["span"],
                r["section"],
                Path(r["source"]).name,
            ]
            for r in rows
        ],
        columns=LEDGER_COLUMNS,
    )


def chart_frame(rows: list[dict[str, Any]]) -> pd.DataFrame | None:
    """Values to chart when the rows are one indicator counted in one measure (条 and 篇 count the same
    documents): per unit and year, so a unit's years side by side show how it changed."""
    if not rows or len({r["indicator"] for r in rows}) != 1:
        return None
    if not all(same_measure(r["measure"], rows[0]["measure"]) for r in rows):
        return None
    return pd.DataFrame([[f"{r['unit']}·{r['year'] or '?'}", r["value"]] for r in rows], columns=["单位·年度", "数值"])


def outline_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One column per part any listed kind requires (法治: four; 信息公开: the template's six); a part
    another kind does not require is shown as "—"."""
    required = list(dict.fromkeys(p for r in rows for p in r["parts"]))
    columns = ["单位", "年度", "类型", *required, "发布日期", "是否逾期"]
    late = {True: "逾期", False: "按时", None: "未知"}
    return pd.DataFrame(
        [
            [
                r["unit"],
                r["year"],
                r["kind"],
                *(MARK.get(r["parts"].get(p, ""), "—") for p in required),
                r["published"] or "",
                late[r["late"]],
            ]
            for r in rows
        ],
        columns=columns,
    )


def review_tabs(service: Service, demo: gr.Blocks) -> None:
    """The two tabs, inside the caller's gr.Blocks; their unit and year choices come with the page's
    load event (the Blocks config, shown before login, holds nothing about the index). Tables are
    plain-text Dataframes (datatype "str"), so a report's `<img …>` is shown, never rendered."""
    with gr.Tab("指标台账"):
        gr.Markdown("报告中陈述的每一个数字（指标、数值、原文）。选定一个指标可按单位与年度作图；点击表头排序。")
        with gr.Row():
            indicator = gr.Textbox(
                label="指标（或其一部分）", placeholder="例如：主动公开政府信息", elem_id="ledger-indicator"
            )
            unit = choice([ANY], value=ANY, label="单位", elem_id="ledger-unit")
            year = choice([ANY], value=ANY, label="年度", elem_id="ledger-year")
            show = gr.Button("查询", variant="primary", elem_id="ledger-show")
        status = gr.Markdown(elem_id="ledger-status", latex_delimiters=[])
        table = gr.Dataframe(interactive=False, wrap=True, elem_id="ledger-table", datatype=LEDGER_TYPES)
        with gr.Row():
            ledger_xlsx = gr.DownloadButton("导出 Excel", visible=False, elem_id="export-ledger-xlsx", size="sm")
            ledger_csv = gr.DownloadButton("导出 CSV", visible=False, elem_id="export-ledger-csv", size="sm")
        chart = gr.BarPlot(
            visible=False, x="单位·年度", y="数值", y_lim=[0, None], label="按单位与年度", elem_id="ledger-chart"
        )

        def query(text: str, who: str, when: str) -> tuple[Any, ...]:
            try:
                rows = service.ledger(
                    indicator=(text or "").strip() or None,
                    unit=picked(who, ANY, "单位"),
                    year=picked_year(when, ANY),
                )
            except RagError as exc:
                hidden = gr.update(visible=False)
                return said(exc), gr.update(), hidden, hidden, hidden
            plot = chart_frame(rows)
            chart_update = gr.update(value=plot, visible=True) if plot is not None else gr.update(visible=False)
            sheet = ledger_table(rows)  # the rows as filtered, with the words each report wrote
            files = [gr.update(value=save(sheet, fmt), visible=bool(rows)) for fmt in ("xlsx", "csv")]
            return f"共 {len(rows)} 个数字", ledger_frame(rows), chart_update, *files

        def choices() -> tuple[Any, ...]:
            years = [str(y) for y in service.retriever.years]
            return gr.update(choices=[ANY, *service.retriever.units]), gr.update(choices=[ANY, *years])

        demo.load(choices, [], [unit, year], api_name="ledger_choices", api_visibility="undocumented")
        shown = [status, table, chart, ledger_xlsx, ledger_csv]
        show.click(query, [indicator, unit, year], shown)
        indicator.submit(query, [indicator, unit, year], shown)

    with gr.Tab("报告完整性") as outline_tab:
        gr.Markdown(
            "每份报告是否具备其类型规定的部分：法治政府建设年度报告（举措成效、第一责任人履职、存在不足、"
            "下一年度安排），政府信息公开工作年度报告（国家模板的六部分）；其他类型只列出其章节。"
            "✓ 有专门章节，~ 仅在正文中提及，✗ 缺，— 该类型不要求。法治政府建设年度报告应于次年4月1日前公开。"
        )
        with gr.Row():
            outline_kind = choice([ANY], value=ANY, label="报告类型", elem_id="outline-kind")
            refresh = gr.Button("刷新", elem_id="outline-refresh")
        summary = gr.Markdown(elem_id="outline-summary", latex_delimiters=[])
        matrix = gr.Dataframe(interactive=False, wrap=True, elem_id="outline-table", datatype="str")
        with gr.Row():
            outline_xlsx = gr.DownloadButton("导出 Excel", visible=False, elem_id="export-outline-xlsx", size="sm")
            outline_csv = gr.DownloadButton("导出 CSV", visible=False, elem_id="export-outline-csv", size="sm")

        def load(kind: str | None = None) -> tuple[Any, ...]:
            try:
                rows = service.outline(kind=picked(kind or ANY, ANY, "报告类型"))
            except RagError as exc:
                return said(exc), gr.update(), gr.update(), gr.update()
            complete = sum(r["complete"] for r in rows)
            late = sum(bool(r["late"]) for r in rows)
            files = [gr.update(value=save(outline_table(rows), fmt), visible=bool(rows)) for fmt in ("xlsx", "csv")]
            return f"{len(rows)} 份报告：{complete} 份各部分齐全，{late} 份逾期公开。", outline_frame(rows), *files

        shown = [summary, matrix, outline_xlsx, outline_csv]
        refresh.click(load, [outline_kind], shown)
        outline_kind.change(load, [outline_kind], shown)
        outline_tab.select(load, [outline_kind], shown)

        def kinds() -> Any:
            return gr.update(choices=[ANY, *dict.fromkeys(d.kind for d in service.retriever.documents)])

        demo.load(kinds, [], [outline_kind], api_name="outline_kinds", api_visibility="undocumented")
