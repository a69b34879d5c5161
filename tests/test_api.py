"""The HTTP API and the shared Service, against the real server on loopback."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi.testclient import TestClient

from rag.service import Service, safe_name
from tests.conftest import SMALL_REPORT, write_report

HIT_KEYS = {"rank", "score", "chunk_id", "doc_id", "unit", "year", "title", "section", "text", "source"}


class TestRoutes:
    def test_health(self, live_server: tuple) -> None:
        data = httpx.get(f"{live_server[0]}/api/health").json()
        assert data["status"] == "ok" and data["documents"] >= 5

    def test_search_returns_the_cli_contract(self, live_server: tuple) -> None:
        r = httpx.get(f"{live_server[0]}/api/search", params={"q": "法律明白人", "k": 2, "unit": "埔前镇"})
        assert r.status_code == 200
        data = r.json()
        assert data["query"] == "法律明白人" and len(data["hits"]) == 2
        assert set(data["hits"][0]) == HIT_KEYS and data["hits"][0]["unit"] == "河源市源城区埔前镇人民政府"

    def test_ask_returns_the_cli_contract(self, live_server: tuple) -> None:
        r = httpx.post(f"{live_server[0]}/api/ask", json={"question": "哪些单位矛盾纠纷调解成功率达到100%?"})
        data = r.json()
        assert r.status_code == 200 and set(data) == {
            "question",
            "kind",
            "answer",
            "units",
            "candidates",
            "silent",
            "citations",
            "notices",
        }
        assert data["units"] == ["河源市源城区埔前镇人民政府"]
        # the cited rate checked against its own counts reaches an HTTP client too
        assert any("81/81 = 100.0% ✓" in n for n in data["notices"])

    def test_reports_list_kind_place_and_the_cue_behind_each_field(self, live_server: tuple) -> None:
        rows = httpx.get(f"{live_server[0]}/api/reports").json()
        town = next(d for d in rows if d["unit"] == "河源市源城区埔前镇人民政府")
        assert town["kind"] == "法治政府建设年度报告" and town["place"][:2] == ["广东省", "河源市"]
        assert town["cues"]["year"] == "title" and town["chunks"] > 0

    def test_search_filters_by_kind_and_region(self, live_server: tuple) -> None:
        url = f"{live_server[0]}/api/search"
        none = httpx.get(url, params={"q": "主动公开", "kind": "政府工作报告"}).json()
        assert none["hits"] == []
        hits = httpx.get(url, params={"q": "主动公开", "k": 10, "region": "湛江市"}).json()["hits"]
        assert hits and {h["unit"] for h in hits} == {"霞山区人民政府办公室"}
        bad = httpx.get(url, params={"q": "主动公开", "kind": "报纸"})
        assert bad.status_code == 400 and bad.json()["error"].startswith("--kind: '报纸' is not a kind of report")

    def test_correcting_an_unknown_report_is_a_400_naming_it(self, live_server: tuple) -> None:
        r = httpx.post(f"{live_server[0]}/api/reports/correct", json={"report": "nope.txt", "unit": "甲镇"})
        assert r.status_code == 400 and r.json() == {"error": "report: no indexed report 'nope.txt'"}
        r = httpx.post(f"{live_server[0]}/api/reports/correct", json={"report": "x", "year": 1800})
        assert r.status_code == 422 and r.json()["error"].startswith("year:")

    def test_openapi_schema_lists_the_routes(self, live_server: tuple) -> None:
        paths = httpx.get(f"{live_server[0]}/api/openapi.json").json()["paths"]
        assert {"/api/search", "/api/ask", "/api/health"} <= set(paths)

    @pytest.mark.parametrize(
        ("method", "path", "kwargs", "status", "field"),
        [
            ("GET", "/api/search", {}, 422, "q"),
            ("GET", "/api/search", {"params": {"q": "x", "k": "abc"}}, 422, "k"),
            ("GET", "/api/search", {"params": {"q": "x", "k": 0}}, 422, "k"),
            ("GET", "/api/search", {"params": {"q": "x", "unit": "福田区"}}, 400, "--unit"),
            ("POST", "/api/ask", {"content": b"{bad json", "headers": {"content-type": "application/json"}}, 422, ""),
            (
                "POST",
                "/api/ask",
                {"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}},
                400,
                "parsing the body",
            ),
            ("POST", "/api/ask", {"json": {"question": ""}}, 422, "question"),
            ("POST", "/api/ask", {"json": {"question": "x", "year": "soon"}}, 422, "year"),
        ],
    )
    def test_malformed_requests_get_a_json_4xx(
        self, live_server: tuple, method: str, path: str, kwargs: dict, status: int, field: str
    ) -> None:
        r = httpx.request(method, f"{live_server[0]}{path}", **kwargs)
        assert r.status_code == status
        assert field in r.json()["error"] and "\\xff" not in r.text


class TestConcurrency:
    CASES: ClassVar[list[tuple[str, str]]] = [
        ("霞山区2025年主动公开了多少条政府信息?", "3522"),
        ("源城区累计授信农户数是多少?", "4.37万户"),
        ("哪些单位矛盾纠纷调解成功率达到100%?", "埔前镇"),
        ("埔前镇和车站街道的法律顾问,谁审查的合同更多?", "73份"),
        ("车站街道2025年开展行政执法检查多少次?", "433次"),
        ("河东区2024年作出行政许可决定多少件?", "24778件"),
        ("哪些单位提到了法律明白人?", "法律明白人"),
        ("2025年源城区发放了多少张结婚证?", "未在已索引的报告中找到"),
    ]

    def test_eight_clients_at_once_get_their_own_answers(self, live_server: tuple) -> None:
        def one(case: tuple[str, str]) -> tuple[str, dict]:
            r = httpx.post(f"{live_server[0]}/api/ask", json={"question": case[0]}, timeout=60)
            return case[1], r.json()

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(one, self.CASES))
        for (question, _), (expected, data) in zip(self.CASES, results, strict=True):
            assert data["question"] == question and expected in data["answer"], (question, data["answer"][:80])


class TestLogin:
    def test_api_requires_the_login_when_one_is_set(self, live_server: tuple) -> None:
        from ui.server import create_app

        client = TestClient(create_app(live_server[1], auth=("reviewer", "s3cret")))
        assert client.get("/api/health").status_code == 401
        assert client.get("/api/health", auth=("reviewer", "s3cret")).status_code == 200
        assert client.get("/api/health", auth=("reviewer", "wrong")).status_code == 401


class TestService:
    def test_follow_up_reuses_the_previous_subject(self, live_server: tuple) -> None:
        service: Service = live_server[1]
        prev = "霞山区2025年主动公开了多少条政府信息?"
        # 河东区 has only a 2024 report: the carried year yields to it, in the question shown
        assert service.follow_up(prev, "那河东区呢?") == "河东区2024年主动公开了多少条政府信息?"
        assert service.follow_up(prev, "那源城区呢?") == "源城区2025年主动公开了多少条政府信息?"
        assert service.follow_up(prev, "2024年呢?") == "霞山区2024年主动公开了多少条政府信息?"
        other = "埔前镇和车站街道的法律顾问,谁审查的合同更多?"
        assert service.follow_up(prev, other) == other

    @pytest.mark.parametrize(
        ("name", "safe"),
        [
            ("../../etc/passwd.txt", "passwd.txt"),
            ("..\\x\\.hidden.md", "hidden.md"),
            ("报告 2025.pdf", "报告 2025.pdf"),  # the name as saved (issue 28)
            ("下载 (3).txt", "下载 (3).txt"),
            ("  a\tb  \n.txt", "a_b _.txt"),
            (" .hidden .txt", "hidden .txt"),
        ],
    )
    def test_upload_names_cannot_leave_the_staging_folder(self, name: str, safe: str) -> None:
        assert safe_name(name) == safe

    def test_upload_route_indexes_files_and_lists_bad_ones(self, index_copy: Path, tmp_path: Path, e5: object) -> None:
        from tests.conftest import serving

        service = Service(index_copy, encoder=e5)  # type: ignore[arg-type]
        good = write_report(tmp_path, "good.txt", SMALL_REPORT)
        with serving(service) as url, good.open("rb") as fh:
            sent = httpx.post(
                f"{url}/api/reports/upload",
                files=[("files", ("../good.txt", fh)), ("files", ("x.exe", b"MZ"))],
                timeout=300,
            )
            assert sent.status_code == 200, sent.text
            assert sent.json()["indexed"] == ["good.txt"] and "unsupported" in dict(sent.json()["skipped"])["x.exe"]
            found = httpx.get(f"{url}/api/search", params={"q": "测试区主动公开政府信息", "k": 1}, timeout=60).json()
            assert found["hits"][0]["source"] == "uploads/good.txt"
            empty = httpx.post(f"{url}/api/reports/upload", timeout=60)  # no files: a 4xx naming the field
            assert empty.status_code == 422 and "files" in empty.json()["error"]

    def test_uploads_are_indexed_incrementally_and_bad_ones_listed(
        self, index_copy: Path, tmp_path: Path, e5: object
    ) -> None:
        service = Service(index_copy, encoder=e5, max_upload_bytes=4096)  # type: ignore[arg-type]
        good = write_report(tmp_path, "good.txt", SMALL_REPORT)
        big = write_report(tmp_path, "big.txt", SMALL_REPORT * 20)
        (tmp_path / "x.exe").write_bytes(b"MZ")
        (tmp_path / "empty.txt").write_bytes(b"")
        before = {p.name for p in index_copy.parent.iterdir()}
        outcome = service.add_uploads(
            [
                ("../../good.txt", good),
                ("big.txt", big),
                ("x.exe", tmp_path / "x.exe"),
                ("empty.txt", tmp_path / "empty.txt"),
            ]
        )
        assert outcome.indexed == ("good.txt",)
        reasons = dict(outcome.skipped)
        assert "larger than" in reasons["big.txt"] and "unsupported" in reasons["x.exe"]
        assert "empty" in reasons["empty.txt"]
        # staging removed, nothing written beside but the write lock's file (kept: see rag.store.guard)
        assert {p.name for p in index_copy.parent.iterdir()} - {f".{index_copy.name}.lock"} == before
        assert len(service.retriever.documents) == 6
        assert "1234条" in service.ask("测试区主动公开了多少条政府信息?").text
        assert any(r["source"] == "uploads/good.txt" for r in service.reports())
