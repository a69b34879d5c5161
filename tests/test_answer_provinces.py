"""Issue 26 on provincial 政府工作报告 (tests/data/real/docx-provinces-2025, MANIFEST rows beside them):
scopes reviewers name as groups, compounds jieba splits, Latin letters, names joined by 或, words about
the report rather than its content, and a share that is not the growth asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer import ask
from rag.answer.compare import other_kind
from rag.answer.evidence import Context, default_glossary
from rag.embedding import OnnxE5Encoder
from rag.quantities import quantities_in
from rag.retrieve import Retriever
from rag.store import build_index
from tests.conftest import ROOT

PROVINCES = ROOT / "tests" / "data" / "real" / "docx-provinces-2025"
ALL = ("北京市", "浙江省", "贵州省", "辽宁省", "黑龙江省", "吉林省", "广西", "安徽省", "新疆")


@pytest.fixture(scope="module")
def provinces(tmp_path_factory: pytest.TempPathFactory, e5: OnnxE5Encoder) -> Retriever:
    index = tmp_path_factory.mktemp("provinces") / "index"
    build_index([PROVINCES / f"2025年{p}政府工作报告.docx" for p in ALL], index, encoder=e5)
    return Retriever.open(index, encoder=e5)


def _text(retriever: Retriever, unit: str) -> str:
    doc = next(d for d in retriever.documents if d.unit == unit)
    return retriever.report(doc.doc_id).text


def _listed(retriever: Retriever, question: str) -> tuple[set[str], set[str]]:
    a = ask(retriever, question)
    assert a.kind == "aggregation", a.text
    return set(a.units), set(a.candidates)


class TestGroupsOfProvinces:
    def test_the_municipalities_are_the_four(self, provinces: Retriever) -> None:
        units, candidates = _listed(provinces, "四个直辖市的2025年政府工作报告里,哪几个提到了“一网通办”?")
        assert "一网通办" in _text(provinces, "北京市人民政府")
        assert units == {"北京市人民政府"}, (units, candidates)

    @pytest.mark.parametrize("group", ["东北三省", "东三省"])
    def test_the_northeast_is_its_three_provinces(self, provinces: Retriever, group: str) -> None:
        units, candidates = _listed(provinces, f"{group}哪几个提到了中欧班列?")
        northeast = {"辽宁省人民政府", "黑龙江省人民政府", "吉林省人民政府"}
        said = {u for u in northeast if "中欧班列" in _text(provinces, u)}
        assert said and units == said, (units, candidates)
        assert not (units | candidates) - northeast


class TestTermsAsWritten:
    def test_a_compound_with_a_generic_head_is_not_its_head_alone(self, provinces: Retriever) -> None:
        """低空经济 asked: 北京's 首发经济、冰雪经济、银发经济 is not it (jieba splits 低空 + 经济)."""
        assert "低空经济" not in _text(provinces, "北京市人民政府")
        units, _ = _listed(provinces, "哪些省份的政府工作报告提到了低空经济?")
        said = {d.unit for d in provinces.documents if "低空经济" in _text(provinces, d.unit)}
        assert said and units <= said and "北京市人民政府" not in units, units

    def test_latin_letters_in_a_quoted_name_match_as_the_report_writes_them(self, provinces: Retriever) -> None:
        units, _ = _listed(provinces, "哪些省份提到了“村BA”?")
        said = {d.unit for d in provinces.documents if "村BA" in _text(provinces, d.unit)}
        assert said == {"浙江省人民政府", "贵州省人民政府"} and units == said

    def test_quoted_names_joined_by_or_are_either(self, provinces: Retriever) -> None:
        question = "哪些省份在推进“无证明城市”或“无证明省份”建设?"
        a = Context(provinces, question, provinces.segmenter, default_glossary()).a
        required = [t for t in a.terms if t.required]
        assert len(required) == 1 and {"无证明城市", "无证明省份"} <= set(required[0].alternatives)
        units, candidates = _listed(provinces, question)
        assert "安徽省人民政府" in units | candidates  # 全面推进“无证明城市”建设

    @pytest.mark.parametrize("frame", ["原文提到了", "写明了", "里写到"])
    def test_words_about_the_report_are_no_terms(self, provinces: Retriever, frame: str) -> None:
        units, _ = _listed(provinces, f"哪些报告{frame}“东数西算”?")
        said = {d.unit for d in provinces.documents if "东数西算" in _text(provinces, d.unit)}
        assert said and units == said

    def test_a_title_in_book_marks_must_be_in_the_sentence(self, provinces: Retriever) -> None:
        """《民营经济促进法》 asked: 新疆 names it; 经济 alone (or GDP, its synonym) is no match."""
        question = "哪些省份的报告提到要落实或宣传《民营经济促进法》?"
        a = Context(provinces, question, provinces.segmenter, default_glossary()).a
        assert [t.alternatives[0] for t in a.terms if t.required] == ["民营经济促进法"]
        units, _ = _listed(provinces, question)
        said = {d.unit for d in provinces.documents if "民营经济促进法" in _text(provinces, d.unit)}
        assert "新疆维吾尔自治区人民政府" in said and units == said

    def test_a_name_asked_with_an_ascii_colon_matches_the_full_width_one(self, provinces: Retriever) -> None:
        assert "《黑神话：悟空》" in _text(provinces, "浙江省人民政府")
        units, candidates = _listed(provinces, "哪几个省的政府工作报告里提到了《黑神话:悟空》?")
        assert "浙江省人民政府" in units | candidates


class TestValuesAsked:
    def test_a_contribution_share_is_not_the_growth_asked(self) -> None:
        quote = "规模以上工业增加值增长7.5%，工业对GDP增长贡献率45%，新产业新产品对工业增长贡献率超50%。"
        q45 = next(q for q in quantities_in(quote) if q.value == 45)
        q75 = next(q for q in quantities_in(quote) if q.value == 7.5)
        assert other_kind("哪个省份2024年地区生产总值增速最高?", quote, q45)
        assert not other_kind("哪个省份2024年地区生产总值增速最高?", quote, q75)
        assert not other_kind("哪个省份GDP增长贡献率最高?", quote, q45)

    def test_the_fastest_growth_is_a_growth_figure(self, provinces: Retriever) -> None:
        a = ask(provinces, "哪个省份2024年地区生产总值增速最高?")
        assert a.kind == "comparison" and "45%" not in a.text.splitlines()[0], a.text


def test_every_file_here_has_its_manifest_row() -> None:
    rows = (ROOT / "tests" / "data" / "real" / "MANIFEST.tsv").read_text(encoding="utf-8")
    for p in ALL:
        assert f"docx-provinces-2025/2025年{p}政府工作报告.docx\t" in rows, p
    assert all(Path(PROVINCES / f"2025年{p}政府工作报告.docx").exists() for p in ALL)
