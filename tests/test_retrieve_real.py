"""Unit names as reviewers type them, on an index of real report pages (tests/data/real)."""

from __future__ import annotations

import pytest

from rag.answer import ask
from rag.embedding import OnnxE5Encoder
from rag.retrieve import Retriever
from rag.store import build_index
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "real" / "fazhi-web"
FILES = [
    "page-07.txt",  # 西城区, 2023, no title line
    "北京市西城区人民政府2024年法治政府建设年度情况报告.txt",
    "pnidpv992314.txt",  # 西城区司法局, 2025
    "永安市小陶镇人民政府2024年法治政府建设情况报告.txt",
    "下载 (1).txt",  # 获嘉县, named only in its first sentence
    "下载.txt",  # 東城區, Traditional Chinese
]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, e5: OnnxE5Encoder) -> Retriever:
    index = tmp_path_factory.mktemp("real") / "index"
    build_index([REAL / f for f in FILES], index, encoder=e5)
    return Retriever.open(index, encoder=e5)


def test_district_name_finds_both_of_its_reports_and_its_bureau_kept_apart(real: Retriever) -> None:
    assert set(real.resolve_unit("西城区")) == {"西城区", "北京市西城区人民政府", "西城区司法局"}
    assert real.resolve_unit("西城区司法局") == ["西城区司法局"]
    hits = real.search("法治政府建设主要举措", k=10, unit="西城区", year=2025)
    assert hits and {h.chunk.unit for h in hits} == {"西城区司法局"}


def test_town_short_name_finds_the_full_name(real: Retriever) -> None:
    hits = real.search("法治政府建设", k=5, unit="小陶镇")
    assert hits and {h.chunk.unit for h in hits} == {"永安市小陶镇人民政府"}


def test_county_named_only_in_its_first_sentence_is_found(real: Retriever) -> None:
    hits = real.search("获嘉县政务服务事项一网通办率", k=3)
    assert hits[0].chunk.unit == "获嘉县" and "2474项政务服务事项" in hits[0].chunk.text


def test_traditional_page_is_found_by_a_simplified_query(real: Retriever) -> None:
    hits = real.search("东城区保留了几支行政执法队伍", k=3)
    assert hits[0].chunk.unit == "东城区" and "保留5支行政执法队伍" in hits[0].chunk.text


def test_answer_cites_the_name_the_report_gives(real: Retriever) -> None:
    answer = ask(real, "东城区保留了几支行政执法队伍?", region="北京市")
    assert answer.kind == "lookup" and answer.citations[0].chunk.unit == "东城区"
    assert "保留5支行政执法队伍" in answer.citations[0].quote


def test_a_higher_division_named_in_a_list_question_restricts_it(real: Retriever) -> None:
    # 西城区 (2 reports) and 東城區 lie in 北京市; 小陶镇 and 获嘉县 do not; 西城区司法局 is a bureau, not a 区
    for question in (
        "北京市的哪些区提到了法治政府建设?",
        "Which Beijing districts mention rule of law government building?",
    ):
        a = ask(real, question)
        assert a.kind in ("aggregation", "unanswerable")
        assert "3份报告" in a.text or "3 reports" in a.text, a.text
