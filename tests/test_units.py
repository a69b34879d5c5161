from __future__ import annotations

from rag.units import aliases, mentioned, resolve

UNITS = [
    "源城区人民政府办公室",
    "霞山区人民政府办公室",
    "河东区政府办公室",
    "浈江区车站街道办事处",
    "河源市源城区埔前镇人民政府",
]


class TestResolve:
    def test_short_district_name_matches_its_office(self) -> None:
        assert resolve("霞山区", UNITS) == ["霞山区人民政府办公室"]

    def test_district_does_not_match_a_town_inside_it(self) -> None:
        assert resolve("源城区", UNITS) == ["源城区人民政府办公室"]

    def test_town_and_street_short_names(self) -> None:
        assert resolve("埔前镇", UNITS) == ["河源市源城区埔前镇人民政府"]
        assert resolve("车站街道", UNITS) == ["浈江区车站街道办事处"]

    def test_longer_name_with_city_prefix_still_resolves(self) -> None:
        assert resolve("湛江市霞山区人民政府办公室", UNITS) == ["霞山区人民政府办公室"]

    def test_unknown_name_matches_nothing(self) -> None:
        assert resolve("福田区", UNITS) == []

    def test_aliases_contain_no_generic_words(self) -> None:
        for u in UNITS:
            assert not {"人民政府", "政府", "办公室", "人民", "车站"} & aliases(u)


class TestMentioned:
    def test_units_are_found_in_order_of_mention(self) -> None:
        assert mentioned("埔前镇和车站街道的法律顾问,谁审查的合同更多?", UNITS) == [
            "河源市源城区埔前镇人民政府",
            "浈江区车站街道办事处",
        ]

    def test_longest_alias_claims_the_overlap(self) -> None:
        assert mentioned("河源市源城区埔前镇调解了多少宗纠纷", UNITS) == ["河源市源城区埔前镇人民政府"]


def test_provinces_are_named_without_their_type() -> None:
    from rag.units import aliases

    assert "河南" in aliases("河南省人民政府")
    assert "广西" in aliases("广西壮族自治区人民政府")
    assert "新疆" in aliases("新疆维吾尔自治区人民政府")
    assert "上海" in aliases("上海市人民政府")


def test_english_names_a_department_by_its_places() -> None:
    from rag.units import mentioned_romanised

    units = ["重庆市人民政府", "重庆市江北区规划和自然资源局", "紫金县司法局", "长延堡街道"]
    q = "How many CPPCC proposals did Chongqing's Jiangbei District Planning and Natural Resources Bureau handle?"
    assert mentioned_romanised(q, units) == ["重庆市江北区规划和自然资源局"]
    assert mentioned_romanised("What did the Zijin County Justice Bureau review?", units) == ["紫金县司法局"]
    # 长 reads chang here, not zhang
    assert mentioned_romanised("Changyanbao Subdistrict study sessions", units) == ["长延堡街道"]
