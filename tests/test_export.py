"""Issue 28, export: a "which units" answer, a comparison, the ledger and the completeness matrix as
.xlsx and .csv from the CLI and the HTTP API; each file opened with openpyxl / csv and checked against
the JSON answer (real seed index, a real server)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import httpx
import openpyxl

from rag.export import Table, answer_table, encode
from tests.test_cli import rag

LIST_Q = "哪些单位主动公开了政府信息?"


def _xlsx_rows(data: bytes) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 Chinese only with the mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_list_exported_from_the_cli_holds_every_tier_with_its_quote(seed_index: Path, tmp_path: Path) -> None:
    answer = json.loads(rag("ask", LIST_Q, "--json", "--index", str(seed_index)).stdout)
    assert answer["kind"] == "aggregation" and answer["units"]
    out = rag("ask", LIST_Q, "--export", str(tmp_path / "list.xlsx"), "--index", str(seed_index))
    assert out.returncode == 0 and "exported" in out.stderr
    rows = _xlsx_rows((tmp_path / "list.xlsx").read_bytes())
    assert rows[0] == ("结论", "单位", "年度", "报告类型", "原文", "章节", "文件", "引用")
    qualify = [r for r in rows[1:] if r[0] == "符合条件"]
    cited = [c["unit"] for u in answer["units"] for c in answer["citations"] if c["unit"] == u]
    assert [r[1] for r in qualify] == cited
    for r in qualify + [r for r in rows[1:] if r[0] == "可能相关，请核对"]:
        cite = next(c for c in answer["citations"] if c["n"] == r[7])
        assert (r[1], r[2], r[4], r[5]) == (cite["unit"], cite["year"], cite["quote"], cite["section"])
        assert r[3] and r[6] == Path(cite["source"]).name
    assert {r[1] for r in rows[1:] if r[0] == "未提及"} == set(answer["silent"])
    rag("ask", LIST_Q, "--export", str(tmp_path / "list.csv"), "--index", str(seed_index))
    assert [r[:2] for r in _csv_rows((tmp_path / "list.csv").read_bytes())] == [[str(x) for x in r[:2]] for r in rows]


def test_the_ledger_and_the_matrix_export_as_filtered(seed_index: Path, tmp_path: Path) -> None:
    shown = json.loads(rag("ledger", "--indicator", "主动公开", "--json", "--index", str(seed_index)).stdout)
    rag("ledger", "--indicator", "主动公开", "--export", str(tmp_path / "l.xlsx"), "--index", str(seed_index))
    rows = _xlsx_rows((tmp_path / "l.xlsx").read_bytes())
    assert len(rows) == len(shown) + 1 and shown
    assert [(r[0], r[6]) for r in rows[1:]] == [(s["unit"], s["span"]) for s in shown]
    matrix = json.loads(rag("outline", "--json", "--index", str(seed_index)).stdout)
    rag("outline", "--export", str(tmp_path / "o.csv"), "--index", str(seed_index))
    got = _csv_rows((tmp_path / "o.csv").read_bytes())
    assert got[0][:3] == ["单位", "年度", "报告类型"] and [r[0] for r in got[1:]] == [m["unit"] for m in matrix]


def test_a_wrong_suffix_is_one_line(seed_index: Path, tmp_path: Path) -> None:
    out = rag("ask", LIST_Q, "--export", str(tmp_path / "list.pdf"), "--index", str(seed_index))
    assert out.returncode == 1 and out.stderr.strip() == "rag: --export: list.pdf must end in .xlsx or .csv"


def test_the_api_returns_the_same_tables_as_files(live_server: tuple) -> None:
    url = live_server[0]
    answer = httpx.post(f"{url}/api/ask", json={"question": LIST_Q}, timeout=60).json()
    got = httpx.post(f"{url}/api/ask?format=xlsx", json={"question": LIST_Q}, timeout=60)
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in got.headers["content-disposition"]
    rows = _xlsx_rows(got.content)
    assert list(dict.fromkeys(r[1] for r in rows[1:] if r[0] == "符合条件")) == answer["units"]
    ledger = httpx.get(f"{url}/api/ledger?indicator=主动公开&format=csv", timeout=60)
    assert ledger.status_code == 200 and _csv_rows(ledger.content)[0][0] == "单位"
    bad = httpx.get(f"{url}/api/outline?format=pdf", timeout=60)
    assert bad.status_code == 422 and "format" in bad.text


def test_the_outline_kind_parameter_filters_and_an_unknown_kind_is_a_400(live_server: tuple) -> None:
    url = live_server[0]
    every = httpx.get(f"{url}/api/outline", timeout=60).json()
    some = httpx.get(f"{url}/api/outline?kind=信息公开", timeout=60).json()
    assert every and len(some) < len(every) and all("信息公开" in r["kind"] for r in some)
    bad = httpx.get(f"{url}/api/outline?kind=天气预报", timeout=60)
    assert bad.status_code == 400 and "kind" in bad.json()["error"]


def test_cells_a_report_starts_with_a_formula_sign_stay_text() -> None:
    table = Table("t", ("单位", "原文"), (("=HYPERLINK(1)", "+1+1"), ("普通", 3)))
    rows = _xlsx_rows(encode(table, "xlsx"))
    assert rows[1] == ("'=HYPERLINK(1)", "'+1+1") and rows[2] == ("普通", 3)
    assert _csv_rows(encode(table, "csv"))[1] == ["'=HYPERLINK(1)", "'+1+1"]


def test_a_comparison_lists_its_ranked_citations_in_order() -> None:
    answer = {
        "kind": "comparison",
        "units": ["乙", "甲"],
        "silent": [],
        "citations": [
            {"n": 1, "unit": "乙", "year": 2024, "doc_id": "b", "quote": "40件", "section": "一", "source": "/x/b.txt"},
            {"n": 2, "unit": "甲", "year": 2024, "doc_id": "a", "quote": "30件", "section": "二", "source": "/x/a.txt"},
        ],
    }
    rows = answer_table(answer, []).rows
    assert [(r[0], r[1], r[6]) for r in rows] == [("排序 1", "乙", "b.txt"), ("排序 2", "甲", "a.txt")]


def test_a_report_is_removed_through_the_api_and_a_second_removal_is_one_line(index_copy: Path, e5: object) -> None:
    """Issue 28: reports are managed through the API as the UI shows them (doc_id or source)."""
    from fastapi.testclient import TestClient

    from rag.service import Service
    from ui.server import create_app

    service = Service(index_copy, encoder=e5)  # type: ignore[arg-type]
    client = TestClient(create_app(service))
    listed = client.get("/api/reports").json()
    target = next(r for r in listed if "霞山区" in r["unit"])
    done = client.post("/api/reports/remove", json={"reports": [target["doc_id"]]})
    assert done.status_code == 200 and done.json()["removed"][0]["unit"] == target["unit"]
    after = client.get("/api/reports").json()
    assert len(after) == len(listed) - 1 and all(r["doc_id"] != target["doc_id"] for r in after)
    again = client.post("/api/reports/remove", json={"reports": [target["doc_id"]]})
    assert again.status_code == 400 and "report" in again.json()["error"]
    assert client.post("/api/reports/remove", json={"reports": []}).status_code == 422
    answer = client.post("/api/ask", json={"question": "霞山区2025年主动公开了多少条政府信息?"}).json()
    assert answer["kind"] == "unanswerable"
