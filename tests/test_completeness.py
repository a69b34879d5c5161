"""Issue 15, part 4: the canonical outline. Top-level sections mapped to the parts the rules ask for,
`--section` filtering search and answers, and the completeness matrix in the CLI and the API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from rag.answer import ask
from rag.errors import InputError
from rag.outline import REQUIRED, canonical_parts, canonical_section, completeness, published_late
from rag.retrieve import Retriever

ROOT = Path(__file__).resolve().parents[1]


class TestMapping:
    def test_a_fazhi_reports_parts(self) -> None:
        parts = canonical_parts(
            [
                "一、2024年推进法治政府建设的主要举措和成效",
                "二、党政主要负责人履行推进法治建设第一责任人职责情况",
                "三、存在的不足和原因",
                "四、2025年推进法治政府建设的主要安排",
                "五、其他需要报告的情况",
            ],
            2024,
        )
        assert list(parts.values()) == ["举措成效", "第一责任人履职", "存在不足", "下一年度安排", "其他"]

    def test_a_work_reports_plan_part_runs_on(self) -> None:
        parts = canonical_parts(
            ["导语", "一、2024年工作回顾", "二、2025年主要任务", "三、全面提升政府治理现代化水平"], 2024
        )
        assert list(parts.values()) == ["其他", "举措成效", "下一年度安排", "下一年度安排"]

    def test_a_subsection_says_its_own_part(self) -> None:
        assert canonical_section(("二、2025年度推进法治政府建设的情况", "(二)存在不足"), 2025, "举措成效") == "存在不足"
        assert canonical_section(("二、2025年度推进法治政府建设的情况", "(一)主要举措"), 2025, "举措成效") == "举措成效"

    def test_present_mentioned_missing(self) -> None:
        got = completeness({"举措成效", "存在不足"}, "严格落实第一责任人职责。")
        assert got == {
            "举措成效": "present",
            "第一责任人履职": "mentioned",
            "存在不足": "present",
            "下一年度安排": "missing",
        }

    @pytest.mark.parametrize(
        ("published", "year", "late"),
        [("2025-03-31", 2024, False), ("2025-04-02", 2024, True), (None, 2024, None), ("2025-02-01", None, None)],
    )
    def test_published_after_the_first_of_april_is_late(
        self, published: str | None, year: int | None, late: bool | None
    ) -> None:
        assert published_late(published, year) is late


class TestSectionFilter:
    def test_search_keeps_to_the_part(self, retriever: Retriever) -> None:
        hits = retriever.search("法治建设", k=8, section="第一责任人")
        assert hits and all("第一责任人" in "".join(h.chunk.section) for h in hits)

    def test_ask_reads_only_that_part(self, retriever: Retriever) -> None:
        answer = ask(retriever, "存在哪些不足?", unit="霞山区", section="存在不足")
        assert answer.citations and all("不足" in c.chunk.section_path for c in answer.citations)

    def test_a_which_units_question_reads_that_part_of_every_report(self, retriever: Retriever) -> None:
        anywhere = ask(retriever, "哪些单位开展了法律明白人培训?")
        in_plans = ask(retriever, "哪些单位开展了法律明白人培训?", section="下一年度安排")
        assert set(in_plans.units) <= set(anywhere.units) | set(anywhere.candidates)
        assert in_plans.citations
        plan_rows = retriever.section_rows("下一年度安排")
        for c in in_plans.citations:  # every quote is from a passage in a plan part
            first = next(d.first for d in retriever.documents if d.doc_id == c.chunk.doc_id)
            assert plan_rows[first + int(c.chunk.chunk_id.rsplit("#", 1)[1])]

    def test_an_unknown_part_is_a_one_line_error(self, retriever: Retriever) -> None:
        with pytest.raises(InputError, match="--section: '附录' is none of"):
            retriever.search("法治", section="附录")


def test_rag_outline_json(seed_index: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "outline", "--index", str(seed_index), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    rows = {r["unit"]: r for r in json.loads(done.stdout)}
    assert len(rows) == 5 and all(set(r["parts"]) == set(REQUIRED) for r in rows.values())
    assert rows["河东区政府办公室"]["complete"] is True
    assert rows["源城区人民政府办公室"]["parts"]["第一责任人履职"] == "mentioned"  # said in 举措成效, no heading
    assert all(r["late"] is False for r in rows.values())


def test_api_outline_and_ledger(live_server: tuple) -> None:  # type: ignore[type-arg]
    outline = httpx.get(f"{live_server[0]}/api/outline").json()
    assert {r["unit"] for r in outline} >= {"河东区政府办公室"} and "parts" in outline[0]
    rows = httpx.get(f"{live_server[0]}/api/ledger", params={"indicator": "主动公开政府信息"}).json()
    assert {r["value"] for r in rows} >= {3522.0, 3576.0}
    bad = httpx.get(f"{live_server[0]}/api/ledger", params={"unit": "不存在的单位"})
    assert bad.status_code == 400 and "unit" in bad.json()["error"]
    hits = httpx.get(f"{live_server[0]}/api/search", params={"q": "不足", "section": "存在不足", "k": 3}).json()["hits"]
    assert hits and all("不足" in h["section"] or "问题" in h["section"] for h in hits)
