"""Real reports from the development corpus (tests/data/real, MANIFEST rows beside them): every one is
indexed with the unit, year, kind and level its MANIFEST gives, and no page furniture reaches the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.ingest import load_report
from rag.metadata_eval import Expected, read_manifest, unit_right
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "real"
ROWS = {e.file: e for e in read_manifest(REAL / "MANIFEST.tsv")}
NAMELESS = {"xxgk-web/Content-2793487.txt", "xxgk-web/县教育局2023年政府信息公开工作年度报告.txt"}
"""The unit is nowhere in the file (only in the page's domain, which a saved text does not keep): Content-…
says only 我县; the other names only 县教育局, which is never a unit alone (issue 27)."""
FURNITURE = re.compile(
    r"索\s*引\s*号|发布时间|发布日期|发布机构|成文日期|^[【\[]?字\s*[号体]|^分享|浏览次数|点击率|浏览量|您当前所在|当前位置|首页\s*>|"
    r"点击查看解读|星期[一二三四五六日]|^来\s*源|^时间[:：]|^编辑$|^大$|^中$|^小$|主题分类|体裁分类|有效性",
    re.M,
)


@pytest.mark.parametrize("rel", sorted(ROWS))
def test_real_report_gets_the_manifest_unit_year_kind_and_level(rel: str) -> None:
    expected: Expected = ROWS[rel]
    report = load_report(REAL / rel)
    assert report.year == expected.year, report.cues
    assert report.kind == expected.kind
    if rel in NAMELESS:
        assert report.unit == Path(rel).stem
        assert any(w.startswith("unit: ") and "reports.csv" in w for w in report.warnings)
        return
    assert unit_right(report, expected), (report.unit, report.cues)
    assert report.level == expected.level
    assert dict(report.cues)["unit"] and dict(report.cues)["year"]


@pytest.mark.parametrize("rel", sorted(r for r in ROWS if r.endswith(".txt")))
def test_web_page_text_keeps_no_page_furniture(rel: str) -> None:
    text = load_report(REAL / rel).text
    assert not FURNITURE.search(text), FURNITURE.search(text)


class TestCuesOnRealForms:
    def test_addressee_then_body_names_the_county(self) -> None:
        r = load_report(REAL / "fazhi-web/下载 (1).txt")
        assert r.unit == "获嘉县" and dict(r.cues)["unit"] == "opening sentence"
        assert r.place == ("河南省", "新乡市", "获嘉县")

    def test_title_split_over_two_lines(self) -> None:
        r = load_report(REAL / "fazhi-web/仁和镇人民政府关于2024年度法治政府建设工作的报告.txt")
        assert (r.unit, r.year, dict(r.cues)["unit"]) == ("仁和镇人民政府", 2024, "title")
        assert r.place == ()  # seven 仁和镇 in China and nothing in the text says which

    def test_opening_sentence_only(self) -> None:
        r = load_report(REAL / "fazhi-web/234207.txt")
        assert (r.unit, r.year) == ("平田乡", 2025)

    def test_year_from_first_heading_when_the_opening_has_none(self) -> None:
        r = load_report(REAL / "fazhi-web/fz_2024_11.txt")  # 一年来,周溪乡在县委…; 一、2024年度…
        assert (r.unit, r.year, dict(r.cues)["year"]) == ("周溪乡", 2024, "heading year")

    def test_only_wo_xian_resolved_from_a_mention_with_a_warning(self) -> None:
        r = load_report(REAL / "fazhi-web/t20250225_86947312.txt")
        assert r.unit == "施秉县" and "我县" in dict(r.cues)["unit"]
        assert any("我县" in w and "reports.csv" in w for w in r.warnings)

    def test_department_named_after_an_opening_clause(self) -> None:
        r = load_report(REAL / "fazhi-web/pnidpv992314.txt")  # 2025年是…的收官之年,区司法局坚持…
        assert (r.unit, r.year, r.level) == ("西城区司法局", 2025, "县级部门")

    def test_traditional_page_is_converted(self) -> None:
        r = load_report(REAL / "fazhi-web/下载.txt")
        assert r.unit == "东城区" and "东城区坚持以习近平新时代中国特色社会主义思想为指导" in r.text
        assert any("OpenCC" in w for w in r.warnings)

    def test_metadata_block_printed_twice_leaves_one_title(self) -> None:
        r = load_report(REAL / "fazhi-web/丰都县栗子乡人民政府2025年法治政府建设情况报告.txt")
        assert r.text.count("丰都县栗子乡人民政府2025年法治政府建设情况报告") == 1
        assert r.published == "2026-02-10"

    def test_time_field_is_furniture_not_a_unit(self) -> None:
        r = load_report(REAL / "xxgk-web/县教育局2023年政府信息公开工作年度报告.txt")
        assert r.published == "2024-01-25" and "时间" not in r.text[:60]
        # 县教育局 names no county: the file name with the warning, never the bare name (issue 27)
        assert r.unit != "县教育局" and any(w.startswith('unit: the text names only "县教育局"') for w in r.warnings)

    def test_label_and_value_on_separate_lines(self) -> None:
        r = load_report(REAL / "xxgk-web/新建文本文档.txt")  # 撰写时间 / 2024年01月12日 / 来源 / 大川镇 / 编辑 / 闻佳慧
        assert r.unit == "大川镇" and "闻佳慧" not in r.text and r.published == "2024-01-12"

    def test_stale_site_header_date_is_ignored(self) -> None:
        r = load_report(REAL / "fazhi-web/静海区2023年度法治政府建设情况报告.txt")
        assert (r.year, r.published) == (2023, "2024-03-28") and "2019年12月3日" not in r.text

    def test_government_work_report_keeps_the_session_year_and_the_year_reviewed(self) -> None:
        r = load_report(REAL / "docx-provinces-2025/2025年吉林省政府工作报告.docx")
        assert (r.unit, r.year, r.title_year, r.kind) == ("吉林省人民政府", 2024, 2025, "政府工作报告")
        assert "吉林省政府网" not in r.unit  # 来源：吉林省政府网 is the site, not the unit

    def test_province_by_its_short_name(self) -> None:
        r = load_report(REAL / "docx-provinces-2025/2025年新疆政府工作报告.docx")
        assert r.unit == "新疆维吾尔自治区人民政府" and r.level == "省"
