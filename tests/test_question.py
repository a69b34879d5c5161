"""What a question asks, read from its words (rag.question): number kinds, synonyms, quoted names."""

from __future__ import annotations

from rag.question import Analysis, Glossary, analyse
from rag.segmentation import Segmenter


def _a(question: str) -> Analysis:
    return analyse(question, segmenter=Segmenter(), glossary=Glossary(), unit_aliases=set())


def test_a_phone_number_is_a_code_not_a_count() -> None:
    assert not _a("长通街道办事处办公室的咨询电话是多少?").wants_number
    assert _a("长通街道主动公开政府信息多少条?").wants_number


def test_a_change_accepts_a_count_or_a_rate() -> None:
    a = _a("内蒙古2024年上访的数量比上年少了多少?")
    assert a.either_number and a.wants_number and not a.wants_percent


def test_colloquial_words_match_the_reports_words() -> None:
    a = _a("辽宁省政府2024年处理完了多少件行政复议案子?")
    alternatives = {alt for t in a.terms for alt in t.alternatives}
    assert {"办结", "案件"} <= alternatives


def test_frame_words_are_not_terms() -> None:
    a = _a("绥阳县小关乡政府的微信公众号叫什么名字?")
    assert all("名字" not in t.alternatives for t in a.terms)


def test_a_quoted_name_is_one_required_term_with_its_synonyms() -> None:
    a = _a("哪些政府信息公开年报提到落实“三审三校”制度?")
    (quoted,) = [t for t in a.terms if t.required]
    assert quoted.words == ("三审三校",) and "三审三校制度" in quoted.alternatives


def test_an_english_questions_chinese_gloss_is_a_required_term() -> None:
    a = _a("Which provinces report how many legal aid cases (法律援助案件) they handled in 2024?")
    assert [t.words for t in a.terms if t.required] == [("法律援助案件",)]
    a = _a("Which provinces say their flood response ended with zero casualties (零伤亡 / 无伤亡)?")
    assert [t.words for t in a.terms if t.required] == [("零伤亡", "无伤亡")]


def test_a_gloss_of_the_kind_of_report_or_a_single_character_is_not_a_term() -> None:
    a = _a(
        "Which townships (镇 or 乡) in their information disclosure annual reports (政府信息公开工作年度报告) say so?"
    )
    assert not [t for t in a.terms if t.required]


def test_at_least_is_a_constraint_not_a_ranking() -> None:
    assert _a("Which units disclosed at least 2000 items?").kind == "aggregation"
    assert _a("Which unit disclosed the most items?").kind == "comparison"


def test_a_frame_word_in_a_compound_subject_gives_way_to_its_topic() -> None:
    (c,) = _a("哪些省份城镇新增就业人数超过100万人?").constraints
    assert "就业" in c.subject and c.op == ">"
