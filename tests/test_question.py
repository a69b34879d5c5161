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


def test_not_below_is_at_least_and_the_compound_is_the_topic() -> None:
    (c,) = _a("2024年一般公共预算收入增速不低于5%的省份有哪些?").constraints
    assert c.op == ">=" and c.value == 5.0 and "增长" in c.subject
    # the whole compound names what grew: 可支配收入 is not 一般公共预算收入
    assert "一般公共预算收入" in c.topic and "收入" not in c.topic


def test_a_gloss_offers_another_measure_and_wording() -> None:
    (c,) = _a("2024年完成的民生实事超过30件（项）的省份有哪些?").constraints
    assert (c.op, c.value, c.measure, c.also) == (">", 30.0, "件", ("项",))
    (review,) = _a("哪些单位一年内做的合法性审查（审核）超过100件?").constraints
    assert "合法性审查" in review.subject


def test_english_amounts_become_the_values_reports_state() -> None:
    (trade,) = _a("Which provinces report 2024 foreign trade of at least 1 trillion yuan?").constraints
    assert (trade.op, trade.value, trade.measure) == (">=", 1e12, "元") and "进出口" in trade.subject
    (firms,) = _a("Which provinces report having at least 30,000 high-tech enterprises?").constraints
    assert (firms.op, firms.value) == (">=", 30000.0) and "高新技术企业" in firms.subject
    assert not _a("Which provinces reported in 2024?").constraints  # a year is no count


def test_or_lower_is_a_bound_and_the_base_compared_with_is_no_term() -> None:
    a = _a("今年哪些地方把失业率目标压到了5%甚至更低，比一般省份定的5.5%更严?")
    assert a.kind == "aggregation"
    (c,) = a.constraints
    assert (c.op, c.value) == ("<=", 5.0) and "失业率" in c.subject
    assert all("省份" not in t.alternatives for t in a.terms)
    assert _a("Which provinces grew retail sales by 5% or more?").kind == "aggregation"


def test_a_frame_word_in_a_compound_is_not_required() -> None:
    a = _a("2024年城镇新增就业人数超过100万人的有哪些省份?")
    (jobs,) = [t for t in a.terms if "就业人数" in t.alternatives]
    assert jobs.found_in("城镇新增就业106万人")


def test_a_share_or_an_intensity_asks_a_rate() -> None:
    assert _a("哪个省份2024年全社会研发投入强度最高?").wants_percent
    assert _a("哪个省份的一般公共预算收入增长目标最高?").wants_percent
    assert not _a("哪个省份2024年5G基站最多?").wants_percent
    assert any("基站" in t.alternatives for t in _a("报告里给出5G基站总数的省份中，哪个省份的5G基站最多?").terms)


def test_a_count_named_by_its_measure_is_the_measure_asked_not_a_term() -> None:
    a = _a("按主动公开条数给各单位排序")
    assert a.kind == "comparison" and a.measure == "条"
    assert [t.alternatives[0] for t in a.terms] == ["主动公开"]
    assert _a("哪个单位办理的依申请公开件数最多?").measure == "件"
    assert _a("哪个省份的5G基站总数最多?").measure == ""  # 总数 is a total, not a measure


def test_a_quoted_name_takes_no_synonym_that_lacks_it() -> None:
    """一网通办 has the synonyms 网上办 and 线上 (rag/data/synonyms.tsv): quoted, the name itself is asked."""
    a = _a("哪些单位推行了“一网通办”?")
    (quoted,) = [t for t in a.terms if t.required]
    assert all("一网通办" in alt for alt in quoted.alternatives)
