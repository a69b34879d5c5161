"""Issue 27: the unit a report is about, not the first name it mentions — each form that broke on
reports nobody tuned for, on real lines (tests/data/real, MANIFEST rows beside them), and the rule that no
indexed unit is a name without its place, a title line, a date or an addressee."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rag.ingest import load_report
from rag.ingest.cues import complete_unit
from rag.ingest.reading import iter_report_files
from tests.conftest import ROOT, SEEDS

REAL = ROOT / "tests" / "data" / "real"


def _read(tmp_path: Path, text: str, name: str = "page-1.txt") -> tuple[str, str, tuple[str, ...]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    r = load_report(path)
    return r.unit, dict(r.cues)["unit"], r.warnings


def _body(rel: str, skip: int = 1) -> list[str]:
    """A real report's lines without its first `skip` lines (its title)."""
    return (REAL / rel).read_text(encoding="utf-8").splitlines()[skip:]


class TestSessionTitles:
    """A 政府工作报告 whose title carries the session, or a speaker's line under it (吉林 and 新疆's real
    bodies, with their own delivery and 我代表 lines removed)."""

    @pytest.fixture
    def body(self) -> list[str]:
        text = load_report(REAL / "docx-provinces-2025" / "2025年吉林省政府工作报告.docx").text
        lines = text.splitlines()[1:]
        return [line for line in lines if "人民代表大会" not in line and "我代表" not in line and "吉林" not in line]

    @pytest.mark.parametrize(
        "head",
        [
            ["2023年政府工作报告（在静海区第八届人民代表大会第三次会议上）"],
            ["2023年政府工作报告", "静海区人民政府区长 张某某"],
            ["2023年政府工作报告", "——2023年1月10日在静海区第八届人民代表大会第三次会议上"],
        ],
    )
    def test_the_unit_is_the_government_of_the_session(self, tmp_path: Path, body: list[str], head: list[str]) -> None:
        unit, cue, _ = _read(tmp_path, "\n".join([*head, *body]))
        assert unit == "静海区人民政府", cue

    def test_a_real_speakers_line(self, tmp_path: Path, body: list[str]) -> None:
        # 安徽's real line, 作政府工作报告 cut: the speaker's office names the government
        unit, _, _ = _read(tmp_path, "\n".join(["2025年政府工作报告", "安徽省人民政府省长 王清宪", *body]))
        assert unit == "安徽省人民政府"


class TestAddressees:
    def test_the_superior_addressed_is_never_the_unit(self, tmp_path: Path) -> None:
        body = _body("fazhi-web/留下街道2022年度法治政府建设工作报告.txt", skip=5)
        opening = "在奋进新时代新征程上,留下街道坚持以习近平新时代中国特色社会主义思想为指导。"
        head = ["中共西湖区委全面依法治区委员会:", opening]
        unit, cue, _ = _read(tmp_path, "\n".join([*head, *body]))
        assert unit == "留下街道", cue

    def test_a_real_addressee_line_over_a_department(self, tmp_path: Path) -> None:
        """西城区司法局's real opening: 区委、区政府: then 《西城区…》…的收官之年,区司法局坚持…"""
        unit, cue, _ = _read(tmp_path, (REAL / "fazhi-web" / "pnidpv992314.txt").read_text(encoding="utf-8"))
        assert unit == "西城区司法局", cue


class TestGenericPlaceWords:
    @pytest.mark.parametrize("words", ["老城区改造和新区建设稳步推进,开发区、城区面貌持续改善。", "老城区改造推进。"])
    def test_an_ordinary_word_that_is_also_a_district_is_not_the_place(self, tmp_path: Path, words: str) -> None:
        """The real 普陀区财政局 and 麒麟区自然资源局 reports, once read as 老城区 (洛阳's district)."""
        lines = _body("fazhi-web/pnidpv992314.txt", skip=0)
        unit, cue, _ = _read(tmp_path, "\n".join([lines[0], words, *lines[1:]]))
        assert unit == "西城区司法局", cue

    def test_the_district_itself_with_its_city_named_is_a_place(self) -> None:
        from rag.ingest.places import gazetteer

        table = gazetteer()
        assert table is not None
        assert table.ordinary_word("老城区", "老城区改造有序推进")
        assert not table.ordinary_word("老城区", "洛阳市老城区人民政府2024年法治政府建设年度报告")


class TestIncompleteUnits:
    @pytest.fixture
    def body(self) -> list[str]:
        lines = _body("fazhi-web/紫金县司法局2025年法治政府建设年度报告.txt")
        return [line.replace("紫金县", "我县") for line in lines]

    @pytest.mark.parametrize(
        "cue_line",
        [
            "来源:http://www.zijin.gov.cn/zwgk/2026/0115/1234.html",  # the county's real domain
            "紫金县人民政府网站",
            "来源：紫金县人民政府门户网站",
        ],
    )
    def test_a_bare_department_is_completed_from_the_site(self, tmp_path: Path, body: list[str], cue_line: str) -> None:
        unit, cue, _ = _read(tmp_path, "\n".join(["县司法局2025年法治政府建设年度报告", cue_line, *body]))
        assert unit == "紫金县司法局", cue

    def test_a_host_of_city_and_county_initials(self, tmp_path: Path) -> None:
        """sqsc.gov.cn is 宿迁市宿城区's (the real host of a corpus report whose text names no place)."""
        host = "来源:http://www.sqsc.gov.cn/xxgk/index.html"
        text = "\n".join(["区人民政府2024年法治政府建设年度报告", host, "2024年,我区坚持依法行政。"])
        unit, _, _ = _read(tmp_path, text)
        assert unit == "宿城区人民政府"

    def test_with_no_cue_the_file_name_and_a_warning(self, tmp_path: Path, body: list[str]) -> None:
        unit, cue, warnings = _read(tmp_path, "\n".join(["县司法局2025年法治政府建设年度报告", *body]), "page-9.txt")
        assert unit == "page-9" and cue == "file name (fallback)" and any(w.startswith("unit:") for w in warnings)

    @pytest.mark.parametrize(
        "bare", ["县人民政府", "区司法局", "镇人民政府", "本镇", "我局", "自治区人民政府", "县教育局"]
    )
    def test_bare_names_are_incomplete(self, bare: str) -> None:
        assert not complete_unit(bare)

    @pytest.mark.parametrize(
        "name", ["市中区人民政府", "市北区", "富县人民政府", "西城区司法局", "平田乡", "长延堡街道"]
    )
    def test_places_that_look_bare_are_complete(self, name: str) -> None:
        assert complete_unit(name)


class TestDepartments:
    def test_a_department_speaking_of_its_district_is_the_department(self, tmp_path: Path) -> None:
        lines = _body("fazhi-web/pnidpv992314.txt", skip=1)
        opening = "2025年,区司法局在区委、区政府的坚强领导下,团结带领全区司法行政系统干部职工,扎实推进法治建设。"
        head = ["北京市西城区人民政府", opening]
        unit, cue, _ = _read(tmp_path, "\n".join([*head, *lines]))
        assert unit == "西城区司法局", cue


class TestMisreadScans:
    def test_one_character_misread_in_the_title_is_corrected_and_said(self, tmp_path: Path) -> None:
        text = (REAL / "xxgk-web" / "利辛县望疃镇2023年政府信息公开工作年度报告.txt").read_text(encoding="utf-8")
        lines = text.splitlines()
        lines = [line.replace("望疃镇", "望瞳镇") if "年度报告" in line else line for line in lines[2:]]
        unit, cue, warnings = _read(tmp_path, "\n".join(lines))
        assert unit.startswith("利辛县望疃镇"), cue
        assert any("望瞳镇" in w and "望疃镇" in w for w in warnings)

    def test_a_misread_the_text_cannot_settle_is_left_as_read(self, tmp_path: Path) -> None:
        unit, _, _ = _read(tmp_path, "王城区2024年法治政府建设年度报告\n2024年,王城区坚持依法行政。")
        assert unit == "王城区"  # 西城区 or 东城区: nothing in the text tells which


def _all_report_files() -> list[Path]:
    return [p for p in iter_report_files([REAL, SEEDS]) if p.name not in ("MANIFEST.tsv", "README.md")]


def test_no_indexed_unit_lacks_its_place_or_is_a_title_date_or_addressee() -> None:
    """Every report of every corpus here: its unit is complete, or the file name with the warning."""
    shared = ROOT.parent / "shared" / "real-reports"
    files = _all_report_files()
    if shared.exists():
        files += [p for p in iter_report_files([shared]) if p.suffix != ".tsv"]
    bad = []
    for path in files:
        r = load_report(path)
        fallback = dict(r.cues)["unit"] == "file name (fallback)"
        if not complete_unit(r.unit) and not (fallback and any(w.startswith("unit:") for w in r.warnings)):
            bad.append((path.name, r.unit))
    assert len(files) >= 35 and not bad, bad


def test_uncertain_reports_are_listed_first_with_the_cue_and_the_warning(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bare = "县司法局2025年法治政府建设年度报告\n2025年,我局坚持依法行政。"
    (folder / "页面.txt").write_text(bare, encoding="utf-8")  # indexed after 紫金…, listed before it
    src = REAL / "fazhi-web" / "紫金县司法局2025年法治政府建设年度报告.txt"
    (folder / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    run = [sys.executable, "-m", "rag.cli"]
    index = str(tmp_path / "ix")
    built = subprocess.run([*run, "build", str(folder), "--index", index], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    out = subprocess.run([*run, "reports", "--index", index], capture_output=True, text=True).stdout
    first = out.splitlines()[0]
    assert first.startswith("页面 ·"), out
    assert 'check unit: file name (fallback): unit: the text names only "县司法局", no place' in out
    assert out.index("紫金县司法局 ·") > out.index("check unit")


def test_the_reports_tab_puts_uncertain_reports_first(tmp_path: Path, e5: object) -> None:
    from rag.service import Service
    from rag.store import build_index
    from ui.app import _reports_frame

    folder = tmp_path / "in"
    folder.mkdir()
    src = REAL / "fazhi-web" / "紫金县司法局2025年法治政府建设年度报告.txt"
    (folder / src.name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    # 页面 sorts after 紫金…: the index lists it second, the tab first
    (folder / "页面.txt").write_text("县司法局2025年法治政府建设年度报告\n2025年,我局坚持依法行政。", encoding="utf-8")
    build_index([folder], tmp_path / "ix", encoder=e5)  # type: ignore[arg-type]
    service = Service(tmp_path / "ix", encoder=e5)  # type: ignore[arg-type]
    assert [d.unit for d in service.retriever.documents] == ["紫金县司法局", "页面"]
    frame = _reports_frame(service)
    assert list(frame["单位"]) == ["页面", "紫金县司法局"]
    assert list(frame["待核对"]) == ["单位", ""]


def test_the_divisions_table_is_cached_for_the_next_process_and_a_writable_cache_is_not_read(tmp_path: Path) -> None:
    """Issue 29: the 704,000-line table is parsed once; the cache is this user's, mode 0600, and one
    that others could write is ignored (then parsed again)."""
    import os

    from rag.ingest import places
    from rag.usercache import cache_path, read_owned

    data = places._data_file()
    assert data is not None
    cache = cache_path("places", data, ".marshal")
    places.gazetteer.cache_clear()
    first = places.gazetteer()
    assert first is not None and cache.exists() and cache.stat().st_mode & 0o777 == 0o600
    assert read_owned(cache, places._rows) is not None
    cache.chmod(0o666)
    assert read_owned(cache, places._rows) is None  # writable by others: not read
    cache.chmod(0o600)
    link = tmp_path / "planted"
    link.symlink_to(cache)
    assert read_owned(link, places._rows) is None  # a link is never followed
    places.gazetteer.cache_clear()
    again = places.gazetteer()
    assert again is not None and len(again.nodes) == len(first.nodes) == 46680
    assert again.locate("利辛县望疃镇") == first.locate("利辛县望疃镇")
    assert os.getuid() == cache.stat().st_uid
