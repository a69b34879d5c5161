"""ask() over a real index of the seeds: every kind, in Chinese and English, and honest 'not found'."""

from __future__ import annotations

import pytest

from rag.answer import COVERAGE_PREFIXES, NOTE_PREFIXES, REPORT_YEAR, ask
from rag.errors import InputError
from rag.quantities import numbers_in
from rag.records import Answer
from rag.retrieve import Retriever

PUQIAN = "河源市源城区埔前镇人民政府"
CHEZHAN = "浈江区车站街道办事处"
HEDONG = "河东区政府办公室"
XIASHAN = "霞山区人民政府办公室"

MIX = [
    "哪些单位矛盾纠纷调解成功率达到100%?",
    "which units reported 100% mediation success?",
    "哪些单位提到了法律明白人?",
    "which units trained 法律明白人?",
    "霞山区2025年主动公开了多少条政府信息?",
    "How many administrative law enforcement inspections did Chezhan subdistrict carry out in 2025?",
    "哪个单位主动公开的政府信息最多?",
    "埔前镇和车站街道的法律顾问,谁审查的合同更多?",
    "哪些单位报告了环境污染罚款金额?",
    "2025年源城区发放了多少张结婚证?",
    "河东区2024年作出行政许可决定多少件?",
    "源城区累计授信农户数是多少?",
]


@pytest.fixture(scope="module")
def answers(retriever: Retriever) -> dict[str, Answer]:
    return {q: ask(retriever, q) for q in MIX}


class TestAggregation:
    def test_mediation_rate_lists_only_the_unit_that_states_it(self, answers: dict[str, Answer]) -> None:
        a = answers["哪些单位矛盾纠纷调解成功率达到100%?"]
        assert a.kind == "aggregation" and a.units == (PUQIAN,)
        assert any(c.chunk.unit == PUQIAN and "成功率达100%" in c.quote for c in a.citations)

    def test_completion_rate_is_shown_only_as_related(self, answers: dict[str, Answer]) -> None:
        a = answers["哪些单位矛盾纠纷调解成功率达到100%?"]
        assert CHEZHAN not in a.units
        related = a.text.split("可能相关，请核对")[1]
        assert CHEZHAN in related and "办结率均达100%" in related
        assert CHEZHAN in a.candidates and CHEZHAN not in a.units

    def test_coverage_line_names_the_silent_reports(self, answers: dict[str, Answer]) -> None:
        last = answers["哪些单位矛盾纠纷调解成功率达到100%?"].text.splitlines()[-1]
        assert last.startswith("检索范围：共检索5份报告，1份符合")
        assert XIASHAN in last and HEDONG in last

    def test_english_question_gets_the_same_units(self, answers: dict[str, Answer]) -> None:
        a = answers["which units reported 100% mediation success?"]
        assert a.kind == "aggregation" and a.units == (PUQIAN,)
        assert a.text.splitlines()[-1].startswith("Coverage: searched 5 reports, 1 qualify")

    def test_mention_question_lists_every_unit_that_mentions_the_term(self, answers: dict[str, Answer]) -> None:
        a = answers["哪些单位提到了法律明白人?"]
        assert set(a.units) == {PUQIAN, CHEZHAN}
        assert all("法律明白人" in c.quote for c in a.citations)

    def test_training_question_needs_training_in_the_evidence(self, answers: dict[str, Answer]) -> None:
        a = answers["which units trained 法律明白人?"]
        # 车站街道 (法律明白人 without 培训) is listed too at the calibrated qualify_coverage 0.55: a known
        # false positive, traded for recall on real reports (eval/README.md)
        assert PUQIAN in a.units
        assert any(c.chunk.unit == PUQIAN and "培训" in c.quote for c in a.citations)

    def test_year_filter_limits_the_reports_searched(self, retriever: Retriever) -> None:
        a = ask(retriever, "哪些单位提到了法律明白人?", year=2024)
        assert a.units == (PUQIAN,) and "共检索2份报告" in a.text


class TestEachUnit:
    def test_each_units_figures_are_listed_with_their_sentences(self, retriever: Retriever) -> None:
        a = ask(retriever, "各单位分别划分了多少个网格、配备了多少名网格员?")
        assert a.kind == "aggregation" and set(a.units) == {PUQIAN, CHEZHAN}
        assert any(c.chunk.unit == PUQIAN and "74个网格" in c.quote for c in a.citations)

    def test_a_town_named_with_ge_is_not_each_town(self, retriever: Retriever) -> None:
        from rag.question import Glossary, analyse

        a = analyse(
            "下各镇2023年收到多少件申请?", segmenter=retriever.segmenter, glossary=Glossary(), unit_aliases={"下各镇"}
        )
        assert a.kind == "lookup"


class TestLookup:
    def test_lookup_quotes_the_sentence_with_the_number(self, answers: dict[str, Answer]) -> None:
        a = answers["霞山区2025年主动公开了多少条政府信息?"]
        assert a.kind == "lookup" and a.units == (XIASHAN,)
        assert "3522篇" in a.citations[0].quote

    def test_english_lookup(self, answers: dict[str, Answer]) -> None:
        a = answers["How many administrative law enforcement inspections did Chezhan subdistrict carry out in 2025?"]
        assert a.kind == "lookup" and "433次" in a.text and a.citations[0].chunk.unit == CHEZHAN

    def test_unit_filter_applies_to_answers(self, retriever: Retriever) -> None:
        a = ask(retriever, "全年主动公开了多少条政府信息?", unit="源城区")
        assert a.units == ("源城区人民政府办公室",) and "3576条" in a.text

    def test_ten_thousand_is_read_as_a_number(self, answers: dict[str, Answer]) -> None:
        assert "4.37万户" in answers["源城区累计授信农户数是多少?"].text


class TestComparison:
    def test_most_disclosed_information(self, answers: dict[str, Answer]) -> None:
        a = answers["哪个单位主动公开的政府信息最多?"]
        assert a.kind == "comparison" and a.units[0] == HEDONG
        assert a.text.startswith(f"{HEDONG}最多：10369条[1]")
        assert len(a.citations) == len(a.units)

    def test_two_named_units_are_compared_with_cited_values(self, answers: dict[str, Answer]) -> None:
        a = answers["埔前镇和车站街道的法律顾问,谁审查的合同更多?"]
        assert a.units == (PUQIAN, CHEZHAN)
        assert "73份" in a.citations[0].quote and "21份" in a.citations[1].quote

    def test_each_value_shows_its_report_year_and_mixed_years_are_flagged(self, answers: dict[str, Answer]) -> None:
        a = answers["哪个单位主动公开的政府信息最多?"]
        values = [line for line in a.text.splitlines() if line.startswith("- ")]
        assert values and all("年报告）" in line for line in values)
        # 河东区 reports 2024, the others 2025 (seeds): the reader is told
        assert "来自不同年份（2024、2025年）" in a.text

    def test_pian_is_ranked_with_tiao_only_with_a_note(self, answers: dict[str, Answer]) -> None:
        a = answers["哪个单位主动公开的政府信息最多?"]
        assert {m for _, _, m in a.values} == {"条", "篇"}
        assert "计量单位不同（条、篇）" in a.text

    def test_the_measure_the_question_names_is_the_one_ranked(self, retriever: Retriever) -> None:
        a = ask(retriever, "埔前镇和车站街道,哪个单位培训执法人员的人次更多?")
        assert a.kind == "comparison" and all(m == "人次" for _, _, m in a.values)


class TestUnanswerable:
    @pytest.mark.parametrize("q", ["哪些单位报告了环境污染罚款金额?", "2025年源城区发放了多少张结婚证?"])
    def test_missing_fact_is_not_found_with_no_citation(self, answers: dict[str, Answer], q: str) -> None:
        a = answers[q]
        assert a.kind == "unanswerable" and a.citations == () and a.units == ()
        assert "未在已索引的报告中找到" in a.text

    def test_unit_not_in_the_corpus_is_not_found(self, retriever: Retriever) -> None:
        a = ask(retriever, "福田区2025年主动公开了多少条政府信息?")
        assert a.kind == "unanswerable" and "福田区" in a.text and not a.citations

    def test_empty_question_is_an_error(self, retriever: Retriever) -> None:
        with pytest.raises(InputError, match="question: must not be empty"):
            ask(retriever, "  ")


class TestFaithfulness:
    def test_every_quote_is_verbatim_in_its_passage_and_report(
        self, answers: dict[str, Answer], retriever: Retriever
    ) -> None:
        for a in answers.values():
            for c in a.citations:
                assert c.quote in c.chunk.text
                assert c.quote in retriever.report(c.chunk.doc_id).text

    def test_every_number_in_an_answer_is_in_a_cited_quote(self, answers: dict[str, Answer]) -> None:
        for a in answers.values():
            quoted = set().union(*(numbers_in(c.quote) for c in a.citations)) if a.citations else set()
            for line in a.text.splitlines():
                if line.startswith(COVERAGE_PREFIXES + NOTE_PREFIXES):
                    continue
                # the year label of a value's report comes from the index, like its unit name
                for c in a.citations:
                    line = line.replace(c.chunk.unit, " ")
                assert numbers_in(REPORT_YEAR.sub(" ", line)) <= quoted, (a.question, line)

    def test_every_claim_line_ends_with_a_citation(self, answers: dict[str, Answer]) -> None:
        for a in answers.values():
            if a.kind == "unanswerable":
                continue
            for line in a.text.splitlines():
                if line.startswith(("-", "据", "According")):
                    assert line.rstrip("。.").endswith("]"), line


class TestNearMisses:
    def test_a_year_the_unit_has_no_report_for_is_refused_with_the_years_it_has(self, retriever: Retriever) -> None:
        # 埔前镇 is indexed for 2024 only (seeds/004)
        a = ask(retriever, "埔前镇2022年共受理矛盾纠纷多少宗?")
        assert a.kind == "unanswerable" and "2022" in a.text and "2024年" in a.text

    def test_a_count_in_another_measure_word_answers_when_it_counts_the_asked_thing(self, retriever: Retriever) -> None:
        a = ask(retriever, "河东区为给基层减负,定期报表只留下了几张?")
        assert a.kind == "lookup" and "两项关键报表" in a.citations[0].quote
