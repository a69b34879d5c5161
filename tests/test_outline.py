"""The part of a report a section belongs to (rag.outline), from headings of real reports."""

from __future__ import annotations

import pytest

from rag.outline import part_roles, section_role


@pytest.mark.parametrize(
    ("section", "year", "role"),
    [
        (("一、2024年工作回顾", "（二）坚持完成重点任务"), 2024, "result"),  # the part decides, not the subheading
        (("二、2025年工作安排", "（三）持续推进城乡融合发展"), 2024, "plan"),  # a later year than reported
        (("二、2025年工作总体要求和主要目标",), 2024, "plan"),
        (("三、下一步工作打算",), 2025, "plan"),
        (("六、下一年度推进法治政府建设的主要安排",), 2024, "plan"),
        (("二、存在的不足和原因",), 2025, "shortfall"),
        (("四、存在问题",), 2024, "shortfall"),
        (("三、《河东区2024年法治政府建设工作计划》重点任务落实情况",), 2024, "result"),
        (("一、2024年法治政府建设基本情况",), 2025, "result"),  # an earlier year is still done
        (("导语",), 2024, "result"),
        (("（一）巩固增强经济回升向好态势",), 2024, "result"),  # no heading says: results, the body of reports
    ],
)
def test_section_roles(section: tuple[str, ...], year: int, role: str) -> None:
    assert section_role(section, year) == role


def test_without_a_year_only_the_words_of_a_heading_count() -> None:
    assert section_role(("二、2025年有关情况",), None) == "result"
    assert section_role(("三、2025年重点工作",), None) == "plan"


def test_the_plan_part_runs_on_until_a_heading_says_otherwise() -> None:
    # a 2025 provincial government work report: self-building after the tasks is next year's work too
    tops = ["导语", "一、2024年工作回顾", "二、2025年重点工作", "三、全面提升政府治理现代化水平", "四、其他事项"]
    roles = part_roles(tops, 2024)
    assert [roles[t] for t in tops] == ["result", "result", "plan", "plan", "result"]
    assert section_role(("三、全面提升政府治理现代化水平", "（一）依法行政"), 2024, roles[tops[3]]) == "plan"


class TestPartsPerKind:
    """Issue 28: a 政府信息公开工作年度报告 is checked against the national template's six parts, a 法治
    report against its own, another kind against none (real headings: 利辛县望疃镇's report)."""

    HEADINGS = (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    )

    def test_a_disclosure_report_has_the_templates_six(self) -> None:
        from rag.outline import DISCLOSURE_PARTS, kind_completeness

        parts = kind_completeness("政府信息公开工作年度报告", self.HEADINGS, set(), "")
        assert list(parts) == [p for p, _ in DISCLOSURE_PARTS] and set(parts.values()) == {"present"}
        some = kind_completeness("政府信息公开工作年度报告", self.HEADINGS[:2], set(), "本机关未收到行政复议申请")
        assert some["政府信息公开行政复议、行政诉讼情况"] == "mentioned" and some["其他需要报告的事项"] == "missing"
        assert "第一责任人履职" not in parts

    def test_a_rule_of_law_report_keeps_its_parts_and_another_kind_has_none(self) -> None:
        from rag.outline import REQUIRED, OutlineRow, kind_completeness

        assert list(kind_completeness("法治政府建设年度报告", (), set(REQUIRED), "")) == list(REQUIRED)
        assert kind_completeness("政府工作报告", ("一、2024年工作回顾",), set(), "") == {}
        row = OutlineRow("d", "某省人民政府", 2024, "政府工作报告", None, None, (), ())
        assert row.complete is False
