"""Users correct metadata in a reports.csv (beside the reports, or --metadata FILE, or the UI through
Service.correct) and the correction survives every later rebuild. Real builds, real encoder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.embedding import OnnxE5Encoder
from rag.errors import InputError
from rag.ingest import read_corrections
from rag.retrieve import Retriever
from rag.store import build_index, open_index
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "real"
NAMELESS = REAL / "xxgk-web" / "Content-2793487.txt"  # only 我县 in the text: 平利县 per its MANIFEST row
XIAOTAO = REAL / "fazhi-web" / "永安市小陶镇人民政府2024年法治政府建设情况报告.txt"


def by_source(index: Path) -> dict[str, dict[str, object]]:
    return {Path(d.source).name: d.to_dict() for d in open_index(index).documents}


@pytest.fixture(scope="module")
def corrected(tmp_path_factory: pytest.TempPathFactory, e5: OnnxE5Encoder) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("reports")
    shutil.copyfile(NAMELESS, folder / NAMELESS.name)
    (folder / "reports.csv").write_text(
        "file,unit,year,kind\nContent-2793487.txt,平利县人民政府,2024,信息公开\n", encoding="utf-8"
    )
    index = tmp_path_factory.mktemp("corrected") / "index"
    result = build_index([folder], index, encoder=e5)
    assert result.warnings == ()  # the correction settles the "no unit" warning
    return folder, index


class TestReportsCsv:
    def test_correction_beside_the_reports_is_applied_and_recorded_as_the_cue(
        self, corrected: tuple[Path, Path]
    ) -> None:
        d = by_source(corrected[1])["Content-2793487.txt"]
        assert (d["unit"], d["year"], d["kind"]) == ("平利县人民政府", 2024, "政府信息公开工作年度报告")
        assert d["cues"]["unit"] == "reports.csv" and d["warnings"] == []

    def test_correction_survives_a_rebuild_that_does_not_pass_it(
        self, corrected: tuple[Path, Path], tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        index = tmp_path / "index"
        shutil.copytree(corrected[1], index)
        build_index([XIAOTAO], index, encoder=e5, add=True)  # another folder, no reports.csv there
        docs = by_source(index)
        assert docs["Content-2793487.txt"]["unit"] == "平利县人民政府"
        assert docs[XIAOTAO.name]["unit"] == "永安市小陶镇人民政府"
        # and a full rebuild of the original folder without its csv still applies the stored correction
        (tmp_path / "again").mkdir()
        shutil.copyfile(NAMELESS, tmp_path / "again" / NAMELESS.name)
        with pytest.raises(InputError, match=r"1 report.* not among the paths given .*--replace"):
            build_index([tmp_path / "again"], index, encoder=e5)  # it would drop 小陶镇's report
        assert docs[XIAOTAO.name]["unit"] == by_source(index)[XIAOTAO.name]["unit"]
        build_index([tmp_path / "again"], index, encoder=e5, replace=True)
        assert by_source(index)["Content-2793487.txt"]["unit"] == "平利县人民政府"

    def test_metadata_file_overrides_the_one_beside_the_reports(
        self, corrected: tuple[Path, Path], tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        table = tmp_path / "fixes.csv"
        table.write_text("file,unit,year,kind\nContent-2793487.txt,平利县,,\n", encoding="utf-8")
        index = tmp_path / "index"
        build_index([corrected[0]], index, encoder=e5, metadata=table)
        d = by_source(index)["Content-2793487.txt"]
        assert (d["unit"], d["year"]) == ("平利县", 2024)  # empty cells leave the other fields alone

    def test_short_name_filter_finds_the_corrected_unit(self, corrected: tuple[Path, Path], e5: OnnxE5Encoder) -> None:
        r = Retriever.open(corrected[1], encoder=e5)
        hits = r.search("主动公开政府信息", k=3, unit="平利县", kind="信息公开")
        assert hits and {h.chunk.unit for h in hits} == {"平利县人民政府"}

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ("file,unit,year,kind\nx.txt,甲镇,20x4,\n", r"reports.csv:2: year: '20x4' is not a year"),
            ("file,unit,year,kind\nx.txt,甲镇,2024,报纸\n", r"reports.csv:2: kind: '报纸' is not one of"),
            ("unit,year\n甲镇,2024\n", r"reports.csv: needs a header row with the columns file, unit, year, kind"),
        ],
    )
    def test_bad_table_names_the_file_line_and_column(self, tmp_path: Path, body: str, message: str) -> None:
        path = tmp_path / "reports.csv"
        path.write_text(body, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            read_corrections(path)


class TestServiceCorrect:
    def test_correction_from_the_ui_is_kept_by_the_next_upload(
        self, corrected: tuple[Path, Path], tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        from rag.service import Service

        index = tmp_path / "index"
        shutil.copytree(corrected[1], index)
        service = Service(index, encoder=e5)
        source = next(d["source"] for d in service.reports() if str(d["source"]).endswith("Content-2793487.txt"))
        row = service.correct(str(source), unit="平利县人民政府办公室", year=2024)
        assert row["unit"] == "平利县人民政府办公室" and row["cues"]["unit"] == "reports.csv"
        assert row["level"] == "县级部门" and row["place"] == ["陕西省", "安康市", "平利县"]
        service.add_uploads([(XIAOTAO.name, XIAOTAO)])
        units = {d["unit"] for d in service.reports()}
        assert {"平利县人民政府办公室", "永安市小陶镇人民政府"} <= units
        with pytest.raises(InputError, match="kind: '报纸' is not one of"):
            service.correct(str(source), kind="报纸")
        with pytest.raises(InputError, match=r"report: no indexed report 'nope\.txt'"):
            service.correct("nope.txt", unit="x")
