"""Each metadata cue (rag.ingest.cues, rag.ingest.titles) and each furniture rule, on lines as real
reports and pages print them."""

from __future__ import annotations

import pytest

from rag.ingest import cues, titles
from rag.ingest.chrome import is_chrome
from rag.ingest.kinds import kind_of_body, resolve_kind
from rag.ingest.places import level_of
from rag.ingest.reading import body_lines

FURNITURE = [
    "时间:2024年01月25日",
    "来源:    时间:2024年01月25日",
    "附件2：一图读懂2023年政府信息公开工作年度报告",
    "下载 打印 全屏 收藏",
    "【字号：大 中 小】",
    "字体:[ ]",
    "您的位置: 首页 > 政务公开 > 法治政府建设",
    "您当前所在位置:首页>政务公开>法治政府建设报告>乡镇街道",
    "来源：解放日报",
    "天津市静海区人民政府 2019年12月3日星期二",
    "[ 索引号 ] 11500230008689762A/2026-00004 [ 发文字号 ]",
    "- [ 发布机构 ] 城口县鸡鸣乡人民政府",
    "• 发布时间: 2025-02-27 16:11",
    "发布机构发文日期 2023-01-12 20:04",
    "标题水城区杨梅乡2022年政府信息公开工作年度报告",
    "点击查看解读",
    "长者版 无障碍阅读",
    "无障碍 简体| 繁体",
    "lsx31/2025-00001",
    "2024年01月12日 17:12:21",
    "分享到:",
    "大",
]
BODY = [
    "一、总体情况",
    "(一)政府信息主动公开情况。",
    "时间紧、任务重,全镇上下齐心协力完成了年度目标。",
    "2024年,获嘉县坚持以习近平新时代中国特色社会主义思想为指导,全面贯彻党的二十届三中全会精神。",
    "来源于群众的意见建议全部办结。",
    "仁和镇人民政府",
]


class TestFurniture:
    @pytest.mark.parametrize("line", FURNITURE)
    def test_page_furniture_is_recognised(self, line: str) -> None:
        assert is_chrome(line)

    @pytest.mark.parametrize("line", BODY)
    def test_report_lines_are_kept(self, line: str) -> None:
        assert not is_chrome(line)

    def test_label_alone_drops_its_value_on_the_next_line(self) -> None:
        lines = [
            "大川镇2023年度政府信息公开工作报告",
            "撰写时间",
            "2024年01月12日 17:12:21",
            "来源",
            "大川镇",
            "编辑",
            "闻佳慧",
        ]
        assert body_lines(lines) == ["大川镇2023年度政府信息公开工作报告"]

    def test_metadata_block_printed_twice_and_title_repeated(self) -> None:
        block = ["[ 发布机构 ] 丰都县栗子乡人民政府", "[ 成文日期 ] 2026-01-22"]
        title = "丰都县栗子乡人民政府2025年法治政府建设情况报告"
        out = body_lines([*block, title, *block, title, "2025年,在县委、县政府的坚强领导下,乡党委扎实推进。"])
        assert out == [title, "2025年,在县委、县政府的坚强领导下,乡党委扎实推进。"]


class TestTitles:
    @pytest.mark.parametrize(
        ("line", "unit", "year", "kind"),
        [
            ("埔前镇2024年法治政府建设年度报告", "埔前镇", 2024, "法治政府建设年度报告"),
            ("鲁山县人民政府关于2024年法治政府建设情况的报告", "鲁山县人民政府", 2024, "法治政府建设年度报告"),
            ("陵川县教育局 2025年法治政府建设年度报告", "陵川县教育局", 2025, "法治政府建设年度报告"),
            ("2025年上海市政府工作报告", "上海市", 2025, "政府工作报告"),
            ("2023年下各镇政府信息公开工作年度报告", "下各镇", 2023, "政府信息公开工作年度报告"),
            ("2024年上海市普陀区财政局部门决算表", "上海市普陀区财政局", 2024, "部门决算"),
            (
                "绥阳县小关乡人民政府2022年信息公开工作年度报告",
                "绥阳县小关乡人民政府",
                2022,
                "政府信息公开工作年度报告",
            ),
            ("关于2024年度法治政府建设工作的报告", "", 2024, "法治政府建设年度报告"),
            ("埔前镇2024年法治政府建设年度报告_河源市源城区人民政府", "埔前镇", 2024, "法治政府建设年度报告"),
            ("平湖市2024年政府工作报告（全文）", "平湖市", 2024, "政府工作报告"),
            ("平湖市政府工作报告（2024年）", "平湖市", 2024, "政府工作报告"),
            ("平湖市人民政府工作报告", "平湖市", None, "政府工作报告"),
            ("鹿城区2023年国民经济和社会发展统计公报", "鹿城区", 2023, "统计公报"),
        ],
    )
    def test_title_forms(self, line: str, unit: str, year: int | None, kind: str) -> None:
        t = titles.parse_title(line)
        assert t is not None and (t.unit, t.year, t.kind) == (unit, year, kind)

    @pytest.mark.parametrize(
        "line", ["时间:2024年01月25日", "附件2：一图读懂2023年报告", "一、2024年度推进法治政府建设的主要举措和成效"]
    )
    def test_not_titles(self, line: str) -> None:
        t = titles.parse_title(line)
        assert t is None or not t.unit

    def test_title_split_over_two_lines(self) -> None:
        found = titles.title_lines(["仁和镇人民政府", "关于2024年度法治政府建设工作的报告", "2024年,仁和镇在上级党委…"])
        assert (found[0].unit, found[0].year) == ("仁和镇人民政府", 2024)

    def test_unit_on_the_line_below_a_title_without_one(self) -> None:
        found = titles.title_lines(["2024年法治政府建设年度报告", "桐乡市梧桐街道办事处", "2024年,梧桐街道…"])
        assert (found[0].unit, found[0].year) == ("桐乡市梧桐街道办事处", 2024)

    def test_site_name_above_a_full_title_is_not_joined_to_it(self) -> None:
        found = titles.title_lines(["利辛县望疃镇人民政府", "利辛县望疃镇2023年政府信息公开工作年度报告"])
        assert [t.unit for t in found] == ["利辛县望疃镇"]

    @pytest.mark.parametrize(
        ("stem", "unit"),
        [
            ("留下街道2022年度法治政府建设工作报告", "留下街道"),
            ("永安市小陶镇人民政府2024年法治政府建设情况报告 (1)", "永安市小陶镇人民政府"),
            ("附件1：东风路街道2024年政府信息公开工作年度报告", "东风路街道"),
            ("1.平利县人民政府2024年政府信息公开工作年度报告", "平利县人民政府"),
            ("2024平利县政府信息公开工作年度报告 修改版", "平利县"),
            ("2024年度政府信息公开工作年度报告（平利县）", "平利县"),
            ("关于平利县2024年度政府信息公开工作情况的报告", "平利县"),
            ("中共平利县委 平利县人民政府关于2024年度法治政府建设情况的报告", "平利县人民政府"),
            ("平利县人民政府二〇二四年度政府信息公开工作年度报告", "平利县人民政府"),
            ("下载 (3)", None),
            ("page-07", None),
            ("t20250225_86947312", None),
            ("新建文本文档 (2)", None),
            ("未命名-1", None),
            ("6905320.jhtml", None),
            ("Content-2793487", None),
        ],
    )
    def test_title_like_file_names_only(self, stem: str, unit: str | None) -> None:
        t = titles.filename_title(stem)
        assert (t.unit if t else None) == unit


class TestBodyCues:
    def test_unit_values_that_are_not_units(self) -> None:
        for value in ("解放日报", "本网", "时间", "县委", "我县", "新华网", "吉林省政府网"):
            assert cues.clean_unit(value) == "", value
        assert cues.clean_unit("区自然资源局局") == "区自然资源局"

    @pytest.mark.parametrize(
        ("first", "unit"),
        [
            ("2024年以来,获嘉县坚持以习近平新时代中国特色社会主义思想为指导", "获嘉县"),
            ("2025年,平田乡坚持以习近平新时代中国特色社会主义思想为指导", "平田乡"),
            ("一年来,周溪乡在县委、县政府的正确领导下,深入学习贯彻党的二十大", "周溪乡"),
            ("2025年,紫金县司法局在县委、县政府的正确领导下", "紫金县司法局"),
            ("2025年是收官之年,区司法局坚持以习近平新时代中国特色社会主义思想为指导", "区司法局"),
            ("现将周溪乡2024年法治政府建设工作报告如下:", "周溪乡"),
            ("本年报根据《条例》,由重庆市江北区规划和自然资源局编制。", "重庆市江北区规划和自然资源局"),
        ],
    )
    def test_opening_sentence(self, first: str, unit: str) -> None:
        assert cues.opening_units([first])[0] == unit

    def test_a_clause_that_merely_ends_in_a_level_is_no_unit(self) -> None:
        line = "坚持县政府常务会议每季度学法,全年,通过区政府网站主动公开政府信息736条。"
        assert cues.opening_units([line]) == []

    def test_addressee_names_the_place(self) -> None:
        items = cues.addressees(["新乡市人民政府、中共获嘉县委、获嘉县人民代表大会常务委员会:", "2024年以来,…"])
        assert cues.addressee_places(items) == [("新乡市", "市"), ("获嘉县", "县"), ("获嘉县", "县")]
        assert cues.addressee_places(cues.addressees(["区委、区政府:"])) == []

    def test_self_reference_and_mentions(self) -> None:
        text = "2024年,我县法治政府工作始终坚持…制定《施秉县2024年法治政府建设工作要点》。我县…为全县经济发展"
        assert cues.self_reference(text) == "县"
        assert cues.named_of_type(text, "县") == ["施秉县"]
        assert cues.qualify("区司法局", "圆满完成2024年西城区年终述法。西城区行政执法监督") == "西城区司法局"

    def test_signature_block(self) -> None:
        assert cues.signature_units(["…工作。", "湛江市霞山区人民政府办公室", "2025年11月17日"]) == [
            "湛江市霞山区人民政府办公室"
        ]
        assert cues.signature_units(["…工作。", "古镛镇人民政府 2025年2月7日"]) == ["古镛镇人民政府"]

    @pytest.mark.parametrize(
        ("line", "place"),
        [
            ("——2025年1月14日在吉林省第十四届人民代表大会第四次会议上", "吉林省"),
            ("2025年1月17日海南省省长 刘小明在海南省第七届人民代表大会第四次会议上", "海南省"),
            ("——2025年1月16日在青海省第十四届 人民代表大会第三次会议上", "青海省"),
        ],
    )
    def test_government_work_report_delivery_line(self, line: str, place: str) -> None:
        assert cues.delivered([line, "现在，我代表省人民政府，向大会报告工作"]) == (place, 2025)

    def test_signature_date_in_chinese_numerals(self) -> None:
        body = ["…工作。", "下各镇人民政府", "二〇二四年一月十五日"]
        assert cues.signature_units(body) == ["下各镇人民政府"] and cues.signature_date(body) == (2024, 1)

    def test_html_title_with_unspaced_site_separators(self) -> None:
        for title in (
            "平利县人民政府2024年政府信息公开工作年度报告-平利县人民政府",
            "平利县人民政府-平利县2024年法治政府建设年度报告",
        ):
            t = titles.parse_title(title)
            assert t is not None and t.year == 2024 and t.unit.startswith("平利县"), title

    def test_titles_ending_in_a_disclosure_word(self) -> None:
        budget = titles.parse_title("紫金县司法局2026年度部门预算公开")
        summary = titles.parse_title("紫金县司法局2025年工作总结及2026年工作计划")
        assert budget is not None and (budget.unit, budget.year, budget.kind) == ("紫金县司法局", 2026, "部门预算")
        assert summary is not None and (summary.year, summary.kind) == (2025, "工作总结")

    def test_a_phrase_starting_with_zai_is_no_unit(self) -> None:
        assert cues.opening_units(["过去一年，在自治区党委带领下，全区上下团结奋斗。"]) == []

    def test_year_of_the_opening_or_the_first_heading(self) -> None:
        assert cues.opening_year(["2025年是贯彻实施《纲要》的收官之年,区司法局坚持…"]) == (2025, "opening")
        assert cues.opening_year(["通州区坚持以习近平…", "一、2022年法治政府建设主要举措和成效"]) == (2022, "heading")


class TestKindsAndLevels:
    def test_kind_from_the_body_when_there_is_no_title(self) -> None:
        text = "根据《中华人民共和国政府信息公开条例》…主动公开政府信息2406条…依申请公开12件…政府信息公开平台"
        assert kind_of_body(text) == "政府信息公开工作年度报告"

    def test_kind_filter_takes_a_part_of_the_name(self) -> None:
        assert resolve_kind("信息公开") == ["政府信息公开工作年度报告"]
        assert resolve_kind("法治") == ["法治政府建设年度报告"]
        assert resolve_kind("报纸") == []

    @pytest.mark.parametrize(
        ("unit", "level"),
        [
            ("紫金县司法局", "县级部门"),
            ("上海市普陀区财政局", "县级部门"),
            ("重庆市江北区规划和自然资源局", "县级部门"),
            ("北城街街道办事处", "街道"),
            ("罗子山瑶族乡", "乡"),
            ("永安市小陶镇人民政府", "镇"),
            ("富县人民政府", "县"),
            ("管城回族区", "区"),
            ("北京市人民政府", "省"),
            ("内蒙古自治区人民政府", "省"),
        ],
    )
    def test_level_from_the_name(self, unit: str, level: str) -> None:
        assert level_of(unit) == level
