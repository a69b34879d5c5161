"""Issue 26: the question's scope as reviewers write it is read, never guessed into a refusal.

Real seed index (广东: 河源市 源城区 and 埔前镇, 湛江市 霞山区, 韶关市 车站街道, and 河东区 without a place).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answer import ask
from rag.answer.compare import other_kind
from rag.answer.reach import divisions_named
from rag.embedding import OnnxE5Encoder
from rag.quantities import quantities_in
from rag.question.scope import scope_of
from rag.retrieve import Retriever
from rag.store import build_index
from tests.conftest import SMALL_REPORT, write_report


class TestYears:
    @pytest.mark.parametrize(
        ("question", "field", "value"),
        [
            ("在8个省市的2026年政府工作报告中，哪个省GDP增长最快?", "title_year", 2026),
            ("2025年的省政府工作报告里哪些省提到了低空经济?", "title_year", 2025),
            ("Which provinces' 2025 government work reports mention AI?", "title_year", 2025),
            ("2020年及以后哪些单位开展了培训?", "span", (2020, None)),
            ("2021年以来哪些单位开展了培训?", "span", (2021, None)),
            ("Which units since 2022 trained officials?", "span", (2022, None)),
            ("2022—2024年哪些单位开展了培训?", "span", (2022, 2024)),
            ("2022-2024年哪些单位开展了培训?", "span", (2022, 2024)),
            ("2022年至2024年哪些单位开展了培训?", "span", (2022, 2024)),
            ("2023年以前哪些单位开展了培训?", "span", (None, 2023)),
            ("近三年哪些单位开展了培训?", "recent", 3),
            ("最近两年哪些单位开展了培训?", "recent", 2),
            ("in the last three years which units trained officials?", "recent", 3),
            ("2024年哪些单位开展了培训?", "year", 2024),
            ("2024年度哪些单位开展了培训?", "year", 2024),
        ],
    )
    def test_a_year_form_is_read(self, question: str, field: str, value: object) -> None:
        scope = scope_of(question)
        assert getattr(scope, field) == value
        others = {"title_year", "span", "recent", "year"} - {field}
        assert all(getattr(scope, f) is None for f in others)

    def test_two_years_are_a_question_across_years(self) -> None:
        assert scope_of("2023年和2024年哪一年公开的多?").year is None


class TestLevels:
    @pytest.mark.parametrize(
        ("question", "levels"),
        [
            ("广州各区主动公开了多少条政府信息?", ("区",)),
            ("各乡镇哪个调解成功率最高?", ("镇", "乡")),
            ("哪几个区提到了网格员?", ("区",)),
            ("区县一级有哪些单位提到了网格员?", ("县", "区")),
            ("广东各市哪个主动公开最多?", ("市",)),
        ],
    )
    def test_each_and_which_name_the_level(self, question: str, levels: tuple[str, ...]) -> None:
        assert scope_of(question).levels == levels

    @pytest.mark.parametrize("question", ["要求各乡镇落实网格化管理的单位有哪些?", "哪些市场主体获得了贷款?"])
    def test_a_task_or_a_compound_is_no_level(self, question: str) -> None:
        assert scope_of(question).levels == ()


class TestPlaces:
    @pytest.mark.parametrize(
        ("question", "division"),
        [
            ("河源哪些单位主动公开了政府信息?", "河源市"),
            ("河源市的哪些单位主动公开了政府信息?", "河源市"),
            ("河源各单位主动公开了多少?", "河源市"),
            ("广东、福建等省份哪些单位提到了网格?", "广东省"),
            ("在江西、陕西、福建三个省市的单位中，哪些单位提到了网格?", "福建省"),  # the last of a list
        ],
    )
    def test_a_division_is_named_with_or_without_its_suffix(self, question: str, division: str) -> None:
        assert division in [name for name, _ in divisions_named(question, set())]

    @pytest.mark.parametrize(
        "question",
        [
            "在8个省市的报告中哪些单位提到网格?",
            "哪几个区提到了网格员?",
            "长安汽车的产量超过多少的单位有哪些?",
            "城区哪些单位开展了普法?",
        ],
    )
    def test_words_that_only_look_like_places_name_none(self, question: str) -> None:
        assert divisions_named(question, set()) == []

    @pytest.mark.parametrize(
        "question",
        [
            "河源哪些单位主动公开了政府信息?",
            "河源市哪些单位主动公开了政府信息?",
            "河源市的哪些单位主动公开了政府信息?",
            "河源各单位主动公开政府信息的情况?",
            "在河源的报告中，哪些单位主动公开了政府信息?",
        ],
    )
    def test_a_region_keeps_its_units_and_is_never_refused(self, retriever: Retriever, question: str) -> None:
        a = ask(retriever, question)
        assert a.kind == "aggregation", a.text
        listed = set(a.units) | set(a.candidates)
        assert listed and listed <= {"源城区人民政府办公室", "河源市源城区埔前镇人民政府"}

    @pytest.mark.parametrize(
        "question",
        [
            "在8个省市的报告中，哪些单位主动公开了政府信息?",
            "哪几个单位主动公开了政府信息?",
            "请列出主动公开了政府信息的单位，谢谢",
            "个省市里哪些单位主动公开了政府信息?",
        ],
    )
    def test_an_unknown_phrase_is_never_a_refusal(self, retriever: Retriever, question: str) -> None:
        a = ask(retriever, question)
        assert a.kind == "aggregation" and len(a.units) + len(a.candidates) >= 4, a.text

    def test_a_division_truly_not_indexed_is_a_near_miss_naming_the_closest(self, retriever: Retriever) -> None:
        a = ask(retriever, "深圳市哪些单位主动公开了政府信息?")
        assert a.kind == "unanswerable" and "没有深圳市的报告" in a.text
        assert "最近的已索引单位" in a.text and "源城区人民政府办公室" in a.text  # 广东 units are the closest

    def test_a_divisions_office_is_a_unit_not_the_region_below_it(self, retriever: Retriever) -> None:
        """河源市人民政府 is not indexed; 源城区 and 埔前镇 lie in 河源市 but are other governments."""
        office = ask(retriever, "河源市人民政府2025年主动公开了多少条政府信息?")
        assert office.kind == "unanswerable" and "河源市" in office.text
        region = ask(retriever, "河源哪些单位主动公开了政府信息?")
        assert region.kind == "aggregation" and region.units

    def test_a_missing_division_beside_an_indexed_one_is_said_and_the_rest_answered(self, retriever: Retriever) -> None:
        a = ask(retriever, "河源、深圳等地哪些单位主动公开了政府信息?")
        assert a.kind == "aggregation" and any("深圳市" in n for n in a.notices)


class TestScopeThatSelectsNothing:
    def test_a_level_no_report_has_is_dropped_with_a_notice(self, retriever: Retriever) -> None:
        a = ask(retriever, "哪些乡主动公开了政府信息?")
        assert a.kind == "aggregation" and a.units
        assert any("没有乡一级的报告" in n for n in a.notices)

    def test_a_year_not_indexed_is_a_near_miss(self, retriever: Retriever) -> None:
        a = ask(retriever, "2019年哪些单位主动公开了政府信息?")
        assert a.kind == "unanswerable" and "2019" in a.text

    def test_a_span_reads_the_years_in_it(self, retriever: Retriever) -> None:
        a = ask(retriever, "2025年及以后哪些单位主动公开了政府信息?")
        docs = {d.unit: d.year for d in retriever.documents}
        assert a.units and all(docs[u] == 2025 for u in (*a.units, *a.candidates))
        none = ask(retriever, "2010—2015年哪些单位主动公开了政府信息?")
        assert none.kind == "unanswerable" and "2010" in none.text


class TestNotShared:
    @pytest.mark.parametrize(
        "sentence",
        [
            # 浙江 2025 政府工作报告: 分别 pairs its values with its own clause; 人均 is no adverb
            "全省生产总值增长5.5%，一般公共预算收入增长1.2%，城乡居民人均可支配收入分别增长4.3%、6.1%，十方面民生实事圆满完成。",
            # 北京 2025 政府工作报告
            "预计全市地区生产总值增长5.2%左右，一般公共预算收入增长3.1%，居民人均可支配收入增长4.5%左右，居民消费价格涨幅0.1%。",
        ],
    )
    def test_a_growth_of_another_measure_is_not_the_growth_asked(self, retriever: Retriever, sentence: str) -> None:
        from rag.answer.evidence import Context, default_glossary
        from rag.judge import numbers

        ctx = Context(retriever, "哪些省份2024年地区生产总值增速低于5%?", retriever.segmenter, default_glossary())
        assert not numbers.meets(ctx.a, sentence)


class TestOneLinePerUnit:
    def test_a_unit_with_reports_of_two_years_is_one_line_citing_each_year(
        self, tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        folder = tmp_path / "in"
        folder.mkdir()
        write_report(folder, "测试区2025.txt", SMALL_REPORT)
        older = SMALL_REPORT.replace("2025年", "2024年").replace("1234条", "987条").replace("2026-01-05", "2025-01-06")
        write_report(folder, "测试区2024.txt", older)
        build_index([folder], tmp_path / "ix", encoder=e5)
        r = Retriever.open(tmp_path / "ix", encoder=e5)
        assert sorted(d.year for d in r.documents) == [2024, 2025]
        a = ask(r, "哪些单位主动公开了政府信息?")
        assert a.units == ("测试区人民政府办公室",)
        line = next(ln for ln in a.text.splitlines() if ln.startswith("- 测试区人民政府办公室"))
        assert "（2024年）" in line and "（2025年）" in line and "[1]" in line and "[2]" in line
        assert sum(ln.startswith("- ") for ln in a.text.splitlines()) == 1


class TestSharedSubject:
    def test_a_clause_after_a_semicolon_keeps_the_subject_it_shares(self, retriever: Retriever) -> None:
        """源城区: "人大代表建议85件;市、区政协委员提案41件,…,办复率均为100%" (a real seed sentence)."""
        a = ask(retriever, "哪些单位的人大代表建议办复率达到100%?")
        assert a.units == ("源城区人民政府办公室",)
        assert "人大代表建议85件;" in a.citations[0].quote and "办复率均为100%" in a.citations[0].quote

    def test_the_shared_subject_meets_a_lower_bound_but_not_another_measure(self, retriever: Retriever) -> None:
        a = ask(retriever, "哪些单位的人大代表建议办复率达到90%?")
        assert "源城区人民政府办公室" in a.units  # 100% meets 90% too; the subject still reaches back
        b = ask(retriever, "哪些单位的法律顾问审查合同的审查率达到100%?")
        assert "源城区人民政府办公室" not in b.units


class TestShortfalls:
    def test_shortfalls_quote_the_points_of_that_part_not_its_heading(self, retriever: Retriever) -> None:
        a = ask(retriever, "霞山区存在哪些不足?")
        assert a.kind == "lookup" and len(a.citations) >= 2
        assert all(c.chunk.section[-1].startswith("(二)存在不足") for c in a.citations)
        assert all(c.quote.strip("。") != "(二)存在不足" for c in a.citations)


class TestValuesAsked:
    """Real sentences: 广东 2025 政府工作报告, 长延堡街道 2025 and 仁和镇 2024 法治政府建设报告."""

    @pytest.mark.parametrize(
        ("question", "quote", "other"),
        [
            ("哪个单位办理的行政执法案件最多?", "推动修订法律援助条例，办理法律援助案件27万件。", True),
            ("哪个单位办理的行政执法案件最多?", "全年办理行政执法案件13件", False),
            ("哪个单位办理的法律援助案件最多?", "推动修订法律援助条例，办理法律援助案件27万件。", False),
            ("哪个单位办理的案件最多?", "推动修订法律援助条例，办理法律援助案件27万件。", False),  # no kind named
            ("哪个单位受理的行政复议申请最多?", "受理政府信息公开申请12件", True),
        ],
    )
    def test_a_count_of_another_kind_is_not_the_count_asked(self, question: str, quote: str, other: bool) -> None:
        q = next(q for q in quantities_in(quote) if q.measure)
        assert other_kind(question, quote, q) is other

    def test_a_number_inside_a_quoted_name_is_no_value(self, retriever: Retriever) -> None:
        a = ask(retriever, "哪个单位落实行政执法“三项制度”的项数最多?")
        assert not any(v == 3 and m == "项" for _, v, m in a.values)

    def test_another_kind_is_shown_to_check_never_ranked(self, retriever: Retriever) -> None:
        a = ask(retriever, "哪个单位办理的行政复议案件最多?")
        ranked = " ".join(c.quote for c in a.citations[: len(a.units)])
        assert "法律援助" not in ranked and "信息公开申请" not in ranked


class TestUnsettledPlace:
    """河东区政府办公室's place is not settled (天津's 河东区 or 临沂's): a region that may hold it reads
    it, shown to check and said; one that cannot (广东) does not."""

    @pytest.mark.parametrize("question", ["天津哪些区主动公开了政府信息?", "山东省的哪些单位主动公开了政府信息?"])
    def test_a_region_that_may_hold_it_shows_it_to_check(self, retriever: Retriever, question: str) -> None:
        a = ask(retriever, question)
        assert a.kind == "aggregation", a.text
        assert "河东区政府办公室" in a.candidates and "河东区政府办公室" not in a.units
        assert any("河东区政府办公室" in n and "未能确定" in n for n in a.notices)

    def test_a_region_that_cannot_hold_it_leaves_it_out(self, retriever: Retriever) -> None:
        a = ask(retriever, "广东哪些单位主动公开了政府信息?")
        assert "河东区政府办公室" not in set(a.units) | set(a.candidates), a.text
        assert set(a.units) & {"源城区人民政府办公室", "霞山区人民政府办公室"}


class TestScopeSize:
    @pytest.mark.parametrize(
        "question",
        [
            "在江西、陕西、福建三个省市的单位中，哪些单位的报告提到了法律明白人?",
            "在8个省市的2026年政府工作报告中，哪些提到了低空经济?",
            "这三个区里哪些单位开展了普法?",
        ],
    )
    def test_the_size_of_the_scope_is_no_figure_asked(self, retriever: Retriever, question: str) -> None:
        from rag.answer.evidence import Context, default_glossary

        a = Context(retriever, question, retriever.segmenter, default_glossary()).a
        assert a.kind == "aggregation" and a.constraints == ()

    def test_a_count_the_question_asks_is_still_a_figure(self, retriever: Retriever) -> None:
        from rag.answer.evidence import Context, default_glossary

        a = Context(retriever, "哪些单位设立了3个以上调解室?", retriever.segmenter, default_glossary()).a
        assert [(c.op, c.value) for c in a.constraints] == [(">=", 3.0)]
