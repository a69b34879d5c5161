"""Issue 25's store guarantees, each tried on its neighbours: one writer at a time by a kernel lock,
only our own folders replaced, nothing dropped by a rebuild, identity by content, corrections that
survive bad rows and relabel only their report. Real processes race, real folders are built."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rag.embedding import OnnxE5Encoder
from rag.errors import InputError
from rag.ingest import check_unit, check_year, read_corrections, spreadsheet_safe
from rag.retrieve import Retriever
from rag.service import Service
from rag.store import build_index
from rag.store.guard import is_ours, replaceable, writer
from tests.conftest import ROOT, SMALL_REPORT, write_report

RACERS = 4
ROUNDS = 100


def _rag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def _report(folder: Path, name: str, unit: str, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = SMALL_REPORT.replace("测试区", unit).replace("1234条", f"{count}条")
    return write_report(folder, name, body)


def _docs(index: Path) -> list[dict[str, object]]:
    return [d.to_dict() for d in Retriever.open(index).documents]


class TestOneWriter:
    def test_four_processes_racing_a_hundred_times_lose_no_addition(self, tmp_path: Path) -> None:
        """The read-modify-write the build does (read what is there, write it back with one more),
        by 4 processes at once, 100 rounds each: with the old pid file 38 of 100 trials let two in."""
        index = tmp_path / "index"
        index.mkdir()
        (index / "count").write_text("0", encoding="utf-8")
        racer = textwrap.dedent(
            f"""
            import sys, time
            from pathlib import Path
            from rag.store.guard import writer
            index = Path(sys.argv[1])
            start = float(sys.argv[2])
            while time.time() < start:
                time.sleep(0.001)
            for _ in range({ROUNDS}):
                with writer(index):
                    n = int((index / "count").read_text())
                    time.sleep(0.0005)  # a window a pid-file lock lets a second writer through
                    (index / "count").write_text(str(n + 1))
            """
        )
        import time

        start = time.time() + 1.5
        procs = [
            subprocess.Popen([sys.executable, "-c", racer, str(index), str(start)], cwd=ROOT) for _ in range(RACERS)
        ]
        assert [p.wait(timeout=300) for p in procs] == [0] * RACERS
        assert (index / "count").read_text(encoding="utf-8") == str(RACERS * ROUNDS)

    def test_real_adds_started_together_are_all_kept(self, index_copy: Path, tmp_path: Path) -> None:
        names = ["东竞", "南竞", "西竞", "北竞"][:RACERS]
        reports = [_report(tmp_path / f"in{i}", f"报告{i}.txt", f"{n}区", 100 + i) for i, n in enumerate(names)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "rag.cli", "build", str(r), "--index", str(index_copy), "--add"],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for r in reports
        ]
        codes = [p.wait(timeout=600) for p in procs]
        assert codes == [0] * RACERS, [p.stderr.read() if p.stderr else "" for p in procs]
        units = {str(d["unit"]) for d in _docs(index_copy)}
        assert len(_docs(index_copy)) == 5 + RACERS
        assert all(any(f"{n}区" in u for u in units) for n in names), units

    def test_a_thread_may_take_its_own_lock_again(self, tmp_path: Path) -> None:
        with writer(tmp_path / "index"), writer(tmp_path / "index"):
            pass

    def test_the_lock_file_is_never_followed_through_a_symlink(self, tmp_path: Path) -> None:
        victim = tmp_path / "victim.txt"
        victim.write_text("keep me", encoding="utf-8")
        (tmp_path / ".index.lock").symlink_to(victim)
        with pytest.raises(OSError), writer(tmp_path / "index"):
            pass
        assert victim.read_text(encoding="utf-8") == "keep me"


class TestOnlyOurFolders:
    @pytest.mark.parametrize(
        "files",
        [
            {"manifest.json": '{"manifest_version": 3, "name": "extension"}', "background.js": "x"},
            {"manifest.json": '{"format": 3, "documents": []}', "app.py": "x"},  # a near shape, not ours
            {"manifest.json": "{not json", "notes.txt": "x"},
            {"notes.txt": "x"},
            {".hidden": "x"},
        ],
    )
    def test_a_folder_that_is_not_an_index_is_refused_and_untouched(
        self, tmp_path: Path, files: dict[str, str]
    ) -> None:
        target = tmp_path / "somebody"
        target.mkdir()
        for name, text in files.items():
            (target / name).write_text(text, encoding="utf-8")
        before = {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()}
        out = _rag("build", str(ROOT / "seeds" / "000_b6dcc74772a35c31.txt"), "--index", str(target))
        assert out.returncode == 1 and "not an index of rag" in out.stderr and "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1
        assert {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()} == before

    def test_an_empty_folder_and_our_own_index_may_be_replaced(self, tmp_path: Path, index_copy: Path) -> None:
        (tmp_path / "empty").mkdir()
        assert replaceable(tmp_path / "empty") and replaceable(tmp_path / "new")
        assert is_ours(index_copy) and replaceable(index_copy)
        link = tmp_path / "link"
        link.symlink_to(index_copy)
        assert not replaceable(link)  # a rename would move the link, not the index it points to

    def test_a_sibling_named_like_a_leftover_is_not_removed(self, index_copy: Path, tmp_path: Path) -> None:
        stranger = index_copy.parent / f".{index_copy.name}.tmp-999999-abcd"
        stranger.mkdir()
        (stranger / "mine.txt").write_text("not rag's", encoding="utf-8")
        report = write_report(tmp_path, "测试区2025年法治政府建设年度报告.txt", SMALL_REPORT)
        assert _rag("build", str(report), "--index", str(index_copy), "--add").returncode == 0
        assert (stranger / "mine.txt").read_text(encoding="utf-8") == "not rag's"

    def test_a_new_index_carries_the_marker(self, tmp_path: Path, e5: OnnxE5Encoder) -> None:
        build_index([ROOT / "seeds" / "000_b6dcc74772a35c31.txt"], tmp_path / "ix", encoder=e5)
        assert (tmp_path / "ix" / ".rag-index").is_file() and is_ours(tmp_path / "ix")


class TestNothingDropped:
    def test_a_rebuild_without_the_uploaded_reports_is_refused_in_one_line(
        self, index_copy: Path, tmp_path: Path
    ) -> None:
        extra = _report(tmp_path / "up", "上传.txt", "上传区", 77)
        assert _rag("build", str(extra), "--index", str(index_copy), "--add").returncode == 0
        out = _rag("build", "--index", str(index_copy))  # the paths forgotten: the samples only
        assert out.returncode == 1 and "not among the paths given" in out.stderr and "--replace" in out.stderr
        assert len(_docs(index_copy)) == 6  # nothing lost
        out = _rag("build", str(ROOT / "seeds"), str(extra), "--index", str(index_copy))
        assert out.returncode == 0, out.stderr  # every held report given: a plain rebuild
        out = _rag("build", "--index", str(index_copy), "--replace")
        assert out.returncode == 0 and len(_docs(index_copy)) == 5  # said explicitly: dropped


class TestIdentity:
    def test_a_namesake_from_another_folder_is_another_report(self, index_copy: Path, tmp_path: Path) -> None:
        x = _report(tmp_path / "x", "下载.txt", "甲区", 11)
        z = _report(tmp_path / "z", "下载.txt", "乙区", 22)
        assert _rag("build", str(x), "--index", str(index_copy), "--add").returncode == 0
        assert _rag("build", str(z), "--index", str(index_copy), "--add").returncode == 0
        docs = _docs(index_copy)
        assert len(docs) == 7 and len({d["doc_id"] for d in docs}) == 7
        assert {"甲区人民政府办公室", "乙区人民政府办公室"} <= {str(d["unit"]) for d in docs}

    def test_the_same_text_is_stored_once_whatever_its_name(self, index_copy: Path, tmp_path: Path) -> None:
        a = _report(tmp_path / "a", "一.txt", "丙区", 33)
        b = tmp_path / "b" / "another name.txt"
        b.parent.mkdir()
        shutil.copyfile(a, b)
        out = _rag("build", str(a), str(b), "--index", str(index_copy), "--add")
        assert out.returncode == 0 and "same text as" in out.stderr
        out = _rag("build", str(ROOT / "seeds" / "000_b6dcc74772a35c31.txt"), "--index", str(index_copy), "--add")
        assert out.returncode == 0
        copy = tmp_path / "c" / "copy of a seed.txt"
        copy.parent.mkdir()
        shutil.copyfile(ROOT / "seeds" / "001_09b3612b7c018b9c.txt", copy)
        out = _rag("build", str(copy), "--index", str(index_copy), "--add")
        assert out.returncode == 0 and "same text as" in out.stderr
        assert len(_docs(index_copy)) == 6


class TestCorrections:
    def test_one_bad_stored_row_costs_only_itself(self, index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder) -> None:
        service = Service(index_copy, encoder=e5)
        first, second = service.reports()[0], service.reports()[1]
        service.correct(str(first["doc_id"]), unit="更正一区")
        service.correct(str(second["doc_id"]), unit="更正二区")
        table = index_copy / "reports.csv"
        table.write_text(table.read_text(encoding="utf-8") + 'broken,"unclosed\n', encoding="utf-8")
        table.write_text(
            table.read_text(encoding="utf-8").replace(
                "file,unit,year,kind,content\n", "file,unit,year,kind,content\nx.txt,,20x4,,\n"
            ),
            encoding="utf-8",
        )
        out = _rag("build", str(write_report(tmp_path, "新增.txt", SMALL_REPORT)), "--index", str(index_copy), "--add")
        assert out.returncode == 0, out.stderr
        assert "reports.csv:2: year" in out.stderr  # the bad row named
        units = {str(d["unit"]) for d in _docs(index_copy)}
        assert {"更正一区", "更正二区"} <= units  # the others kept

    def test_a_correction_relabels_only_its_own_report(
        self, index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        x = _report(tmp_path / "x", "下载.txt", "丰都区", 44)
        assert _rag("build", str(x), "--index", str(index_copy), "--add").returncode == 0
        service = Service(index_copy, encoder=e5)
        service.correct("下载.txt", unit="获嘉县人民政府")
        later = _report(tmp_path / "later", "下载.txt", "栗子区", 55)
        assert _rag("build", str(later), "--index", str(index_copy), "--add").returncode == 0
        units = sorted(str(d["unit"]) for d in _docs(index_copy) if "下载" in str(d["source"]))
        assert units == sorted(["获嘉县人民政府", "栗子区人民政府办公室"])
        service = Service(index_copy, encoder=e5)
        with pytest.raises(InputError, match="names 2 reports"):
            service.correct("下载.txt", unit="某县")  # which one? refused, naming them

    def test_a_bare_name_in_the_users_table_that_names_two_reports_is_refused(self, tmp_path: Path) -> None:
        _report(tmp_path / "in" / "a", "下载.txt", "甲区", 1)
        _report(tmp_path / "in" / "b", "下载.txt", "乙区", 2)
        (tmp_path / "in" / "reports.csv").write_text("file,unit\n下载.txt,某县\n", encoding="utf-8")
        out = _rag("build", str(tmp_path / "in"), "--index", str(tmp_path / "ix"))
        assert out.returncode == 1 and "names 2 reports" in out.stderr and "Traceback" not in out.stderr

    @pytest.mark.parametrize(
        ("unit", "why"),
        [
            ("区" * 1_000_000, "at most"),
            ("霞山区\x00", "control"),
            ("霞山区\n人民政府", "control"),
            ("霞山\r区", "control"),
            ('=HYPERLINK("http://x")', "formula"),
            ("=cmd|' /C calc'!A0", "formula"),
            ("@SUM(1)", "formula"),
            ("   ", "empty"),
        ],
    )
    def test_a_bad_unit_is_refused_before_it_is_stored(self, unit: str, why: str) -> None:
        with pytest.raises(InputError, match=f"unit: .*{why}" if why != "empty" else "unit: must not be empty"):
            check_unit(unit)

    @pytest.mark.parametrize(
        "year",
        ["２０２４", "2⁰²⁴", "二〇二四", "1" * 5000, "20245", "1900", " 24", 10**5000],
        ids=["fullwidth", "superscript", "hanzi", "5000-digit-text", "five-digits", "too-early", "short", "huge-int"],
    )
    def test_a_year_is_four_ascii_digits(self, year: str | int) -> None:
        with pytest.raises(InputError, match=r"year: .* is not a year"):
            check_year(year)
        assert check_year(" 2024 ") == 2024 and check_year(2024) == 2024

    def test_bad_values_through_the_service_leave_the_table_as_it_was(
        self, index_copy: Path, e5: OnnxE5Encoder
    ) -> None:
        service = Service(index_copy, encoder=e5)
        doc = str(service.reports()[0]["doc_id"])
        for bad in ({"unit": "x" * 200_000}, {"unit": "=1+1"}, {"year": 10**4000}, {"kind": "\x00" * 10}):
            with pytest.raises(InputError):
                service.correct(doc, **bad)  # type: ignore[arg-type]
        assert not (index_copy / "reports.csv").exists()
        service.correct(doc, unit="霞山区")
        rows = read_corrections(index_copy / "reports.csv")
        assert [c.unit for c in rows.values()] == ["霞山区"] and all(c.content for c in rows.values())

    def test_formula_cells_are_escaped_on_export(self, tmp_path: Path) -> None:
        assert spreadsheet_safe("=1+2") == "'=1+2" and spreadsheet_safe("-x") == "'-x"
        assert spreadsheet_safe(-3.5) == -3.5 and spreadsheet_safe("霞山区") == "霞山区"
        (tmp_path / "in").mkdir()
        report = write_report(tmp_path / "in", "=1+2.txt", "主动公开政府信息35条。办理依申请公开12件。\n")
        assert _rag("build", str(report), "--index", str(tmp_path / "ix")).returncode == 0
        out = _rag("ledger", "--index", str(tmp_path / "ix"), "--csv")
        assert out.returncode == 0 and out.stdout.count("\n") > 1
        cells = [cell for line in out.stdout.splitlines()[1:] for cell in line.split(",")]
        assert not [c for c in cells if c.startswith(("=", "+", "@"))]


class TestServer:
    def test_a_server_notices_an_index_rebuilt_under_it(
        self, index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        service = Service(index_copy, encoder=e5)
        assert len(service.reports()) == 5
        extra = _report(tmp_path / "in", "新报告.txt", "后来区", 4321)
        assert _rag("build", str(extra), "--index", str(index_copy), "--add").returncode == 0
        assert len(service.reports()) == 6  # reopened, no restart
        hits = service.search("后来区 主动公开政府信息", k=3)["hits"]
        assert hits and any("4321" in json.dumps(h, ensure_ascii=False) for h in hits)

    def test_remove_the_same_id_twice_removes_one(self, index_copy: Path) -> None:
        doc = str(_docs(index_copy)[0]["doc_id"])
        out = _rag("remove", doc, doc, "--index", str(index_copy))
        assert out.returncode == 0 and out.stdout.startswith("removed 1 ") and len(_docs(index_copy)) == 4


class TestTwins:
    def test_two_reports_of_one_unit_and_year_are_warned_in_listings_and_answers(
        self, index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        (tmp_path / "a").mkdir()
        real = write_report(tmp_path / "a", "测试区报告.txt", SMALL_REPORT)
        fake = tmp_path / "b" / "另一份.txt"
        fake.parent.mkdir()
        fake.write_text(SMALL_REPORT.replace("1234条", "9999条").replace("40宗", "50宗"), encoding="utf-8")
        assert _rag("build", str(real), str(fake), "--index", str(index_copy), "--add").returncode == 0
        out = _rag("reports", "--index", str(index_copy), "--json")
        warned = [d for d in json.loads(out.stdout) if any("has another report" in w for w in d["warnings"])]
        assert len(warned) == 2
        answer = Service(index_copy, encoder=e5).ask("哪些单位主动公开了政府信息?")
        assert any("2份报告" in n and "测试区" in n for n in answer.notices), answer.notices
