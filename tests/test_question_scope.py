"""The reports a question restricts itself to, read from its words (rag.question.scope)."""

from __future__ import annotations

import pytest

from rag.question.scope import scope_of


@pytest.mark.parametrize(
    ("question", "levels"),
    [
        ("哪些省份2024年粮食产量创新高?", ("省",)),
        ("哪些乡镇举办了法治讲座?", ("镇", "乡")),
        ("哪些县级单位开展了述法?", ("县", "区", "县级部门")),
        ("哪几个街道建立了网格?", ("街道",)),
        ("Which townships publish on WeChat?", ("镇", "乡")),
        ("Which county- or district-level governments hire legal advisers?", ("县", "区", "县级部门")),
        ("哪些单位提到了法律顾问?", ()),
        ("哪些市场主体获得了帮扶?", ()),
        ("哪些区域实现了全覆盖?", ()),
    ],
)
def test_level_nouns(question: str, levels: tuple[str, ...]) -> None:
    assert scope_of(question).levels == levels


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("哪些政府信息公开年报提到三审三校?", "信息公开"),
        ("2022年的法治政府建设报告中,哪些单位提到了法律顾问?", "法治"),
        ("哪些省在政府工作报告中提到了低空经济?", "政府工作报告"),
        ("Which rule-of-law reports mention legal advisers?", "法治"),
        ("Which information disclosure annual reports give a phone number?", "信息公开"),
        ("哪些单位所在地是全国法治政府建设示范区?", None),
    ],
)
def test_kind_phrases(question: str, kind: str | None) -> None:
    assert scope_of(question).kind == kind


def test_one_year_restricts_two_years_compare() -> None:
    assert scope_of("2024年哪些乡镇举办了法治专题讲座?").year == 2024
    assert scope_of("西城区2023年和2024年,哪一年主动公开的政府信息更多?").year is None
    assert scope_of("哪些单位一年主动公开的政府信息超过2000条?").year is None


def test_the_framing_words_are_returned_for_stripping() -> None:
    s = scope_of("哪些街道的法治政府建设报告提到了法律顾问?")
    assert "哪些街道" in s.phrases and any("法治政府建设报告" in p for p in s.phrases)
    assert s.admits_level("街道") and not s.admits_level("省")


def test_the_noun_before_you_hai_asks_the_same_list() -> None:
    assert scope_of("2024年完成的民生实事超过30件的省份有哪些?").levels == ("省",)
