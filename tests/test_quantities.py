from __future__ import annotations

import pytest

from rag.quantities import numbers_in, quantities_in


class TestNormalisation:
    @pytest.mark.parametrize(
        ("text", "value", "measure"),
        [
            ("主动公开政府信息10369余条", 10369, "条"),
            ("累计授信农户数4.37万户", 43700, "户"),
            ("成功率达百分之百", 100, "%"),
            ("主动公开政府信息３５７６条", 3576, "条"),
            ("满意度99.96%", 99.96, "%"),
            ("培训60人次", 60, "人次"),
            ("筹措15万元资金", 150000, "元"),
            ("宣传活动32场次", 32, "场次"),
        ],
    )
    def test_value_and_measure(self, text: str, value: float, measure: str) -> None:
        q = [q for q in quantities_in(text) if q.measure][-1]
        assert q.value == pytest.approx(value) and q.measure == measure

    def test_year_is_a_number_without_measure(self) -> None:
        assert [(q.value, q.measure) for q in quantities_in("2025年开展培训4次")] == [(2025, ""), (4, "次")]

    def test_citation_markers_are_not_numbers(self) -> None:
        assert numbers_in("河东区最多：10369条[1]，源城区4.37万户[2]") == {10369, 43700}


def test_weights_and_areas_are_measures() -> None:
    from rag.quantities import quantities_in

    (q,) = [q for q in quantities_in("粮食总产1142亿斤,再创历史新高") if q.measure]
    assert (q.value, q.measure) == (1142 * 100_000_000, "斤")
    assert [q.measure for q in quantities_in("新建高标准农田550万亩") if q.measure] == ["亩"]


def test_counts_in_chinese_numerals_but_not_ordinals_or_idioms() -> None:
    from rag.quantities import quantities_in

    def found(text: str) -> list[tuple[float, str]]:
        return [(q.value, q.measure) for q in quantities_in(text)]

    assert found("仅保留两项关键报表") == [(2.0, "项")]  # 河东区 (seeds/002)
    assert found("组织二十三次培训") == [(23.0, "次")]
    assert found("第五十条第四项规定") == []
    assert found("一次性告知") == []


def test_days_and_ages_are_measures() -> None:
    from rag.quantities import quantities_in

    assert [(q.value, q.measure) for q in quantities_in("空气质量优良天数290天")] == [(290.0, "天")]
    assert [(q.value, q.measure) for q in quantities_in("人均预期寿命78.5岁")] == [(78.5, "岁")]


def test_thousands_separators_and_chinese_amounts() -> None:
    text = "高新技术企业30,000家，支出2,940.05万元，旅游收入一万亿元，2023,2024年"
    got = [(q.value, q.measure) for q in quantities_in(text)]
    assert (30000.0, "家") in got and (29400500.0, "元") in got and (1e12, "元") in got
    assert (2023.0, "") in got and (2024.0, "") in got  # a list of years is not one number


def test_percentage_points_are_not_a_count() -> None:
    got = [(q.value, q.measure) for q in quantities_in("全社会研发投入增长9.4%，高于全国1个百分点，建成3个中心")]
    assert got == [(9.4, "%"), (1.0, "个百分点"), (3.0, "个")]
