"""Results a reviewer hands on, as spreadsheets: a cited answer (the units that qualify, those to check,
the reports that say nothing), a comparison, the ledger as filtered, the completeness matrix.

One table per result (`Table`), written as .xlsx (openpyxl: a bold, frozen header, readable column
widths) or as .csv (UTF-8 with a byte-order mark, which Excel needs to read Chinese). Every cell a
report wrote passes `spreadsheet_safe`: a unit or quote starting with "=" never runs as a formula.
Used by the CLI (`--xlsx`/`--csv`), the HTTP API (`format=xlsx|csv`) and the browser's 导出 buttons.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.ingest import spreadsheet_safe
from rag.store import DocEntry

FORMATS = ("xlsx", "csv")
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
ANSWER_HEADERS = ("结论", "单位", "年度", "报告类型", "原文", "章节", "文件", "引用")
TIERS = {"units": "符合条件", "candidates": "可能相关，请核对", "silent": "未提及"}


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet: its name (≤ 31 characters, Excel's limit), the header row and the rows."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "headers": list(self.headers), "rows": [list(r) for r in self.rows]}


def answer_table(answer: dict[str, Any], documents: Sequence[DocEntry]) -> Table:
    """An answer (its JSON) as rows: for a list, each unit that qualifies, then each to check, each
    cited sentence a row; then each report of a unit that says nothing. For a comparison or a lookup,
    each cited sentence in the answer's order, its ranked place first."""
    kinds = {d.doc_id: d.kind for d in documents}
    cites = answer.get("citations", [])
    rows: list[tuple[Any, ...]] = []

    def cited(c: dict[str, Any], tier: str) -> tuple[Any, ...]:
        file = Path(str(c.get("source", ""))).name
        return (tier, c["unit"], c.get("year"), kinds.get(c["doc_id"], ""), c["quote"], c["section"], file, c["n"])

    if answer.get("kind") == "aggregation":
        for key in ("units", "candidates"):
            for unit in answer.get(key, []):
                rows += [cited(c, TIERS[key]) for c in cites if c["unit"] == unit]
        for unit in answer.get("silent", []):
            for d in documents:
                if d.unit == unit:
                    rows.append((TIERS["silent"], unit, d.year, d.kind, "", "", Path(d.source).name, ""))
    else:
        label = {"comparison": "排序", "lookup": "出处"}.get(str(answer.get("kind")), "出处")
        order = {u: i + 1 for i, u in enumerate(answer.get("units", []))}
        for c in cites:
            place = order.get(c["unit"])
            rows.append(cited(c, f"{label} {place}" if place and label == "排序" else label))
        for unit in answer.get("silent", []):
            said = [d for d in documents if d.unit == unit]
            rows += [("未提及", unit, d.year, d.kind, "", "", Path(d.source).name, "") for d in said]
    return Table("回答", ANSWER_HEADERS, tuple(rows))


LEDGER_HEADERS = ("单位", "年度", "指标", "数值", "单位（计量）", "原文写法", "原文")


def ledger_table(rows: Sequence[dict[str, Any]]) -> Table:
    """The ledger as filtered: each figure with the words the report wrote it in."""
    out = []
    for r in rows:
        written = f"{r.get('qualifier', '')}{_number(r.get('value'))}{r.get('measure', '')}"
        if r.get("qualifier") in ("余", "多", "以上"):
            written = f"{_number(r.get('value'))}{r.get('qualifier')}{r.get('measure', '')}"
        value = (r.get("value"), r.get("measure"), written, r.get("span"))
        out.append((r.get("unit"), r.get("year"), r.get("indicator"), *value))
    return Table("指标台账", LEDGER_HEADERS, tuple(out))


PART_MARK = {"present": "✓ 有专门章节", "mentioned": "~ 正文提及", "missing": "✗ 缺"}


def outline_table(rows: Sequence[dict[str, Any]]) -> Table:
    """The completeness matrix: a column per required part (of any kind listed), ✓ / ~ / ✗ per report."""
    parts: list[str] = []
    for r in rows:
        parts += [p for p in r.get("parts", {}) if p not in parts]
    headers = ("单位", "年度", "报告类型", "公开日期", "逾期", *parts)
    out = []
    for r in rows:
        late = "" if r.get("late") is None else ("是" if r["late"] else "否")
        marks = [PART_MARK.get(r.get("parts", {}).get(p, ""), "") for p in parts]
        out.append((r.get("unit"), r.get("year"), r.get("kind"), r.get("published") or "", late, *marks))
    return Table("报告完整性", headers, tuple(out))


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([spreadsheet_safe(v) for v in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = table.title[:31]
    sheet.append(list(table.headers))
    for row in table.rows:
        sheet.append([spreadsheet_safe(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, header in enumerate(table.headers, start=1):
        longest = max([len(str(header)), *(len(str(r[i - 1] or "")) for r in table.rows)])
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = min(60, 4 + 2 * longest)
        if longest > 30:
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encode(table: Table, fmt: str) -> bytes:
    """The table in `fmt` ("xlsx" or "csv")."""
    if fmt not in FORMATS:
        raise ValueError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    return to_xlsx(table) if fmt == "xlsx" else to_csv(table)
