"""The CLI as users and tools run it: a subprocess, exit codes, one-line errors, the JSON contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SMALL_REPORT, write_report


def rag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


class TestSearch:
    def test_json_output_follows_the_contract(self, seed_index: Path) -> None:
        out = rag("search", "埔前镇法律顾问审查合同", "--index", str(seed_index), "-k", "3", "--json")
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        assert data["query"] == "埔前镇法律顾问审查合同" and len(data["hits"]) == 3
        assert set(data["hits"][0]) == {
            "rank",
            "score",
            "chunk_id",
            "doc_id",
            "unit",
            "year",
            "title",
            "section",
            "text",
            "source",
        }
        assert data["hits"][0]["unit"] == "河源市源城区埔前镇人民政府"

    def test_human_output_shows_rank_unit_year_section_passage(self, seed_index: Path) -> None:
        out = rag("search", "主动公开政府信息", "--index", str(seed_index), "--unit", "源城区", "-k", "1")
        assert out.returncode == 0
        first = out.stdout.splitlines()[0]
        assert first.startswith("[1] 源城区人民政府办公室 · 2025 · 一、")
        assert "3576条" in out.stdout

    def test_missing_index_is_one_line_with_the_fix(self, tmp_path: Path) -> None:
        out = rag("search", "x", "--index", str(tmp_path / "nope"))
        assert out.returncode == 1 and out.stderr.count("\n") == 1
        assert "rag build" in out.stderr and "Traceback" not in out.stderr

    def test_empty_query_is_exit_1(self, seed_index: Path) -> None:
        out = rag("search", " ", "--index", str(seed_index))
        assert out.returncode == 1 and out.stderr.strip() == "rag: query: must not be empty"

    def test_usage_error_is_exit_2(self) -> None:
        assert rag("search").returncode == 2


class TestBuild:
    def test_bad_files_are_listed_and_the_rest_indexed(self, tmp_path: Path) -> None:
        src = tmp_path / "in"
        src.mkdir()
        write_report(src, "good.txt", SMALL_REPORT)
        (src / "empty.txt").write_bytes(b"")
        (src / "notes.xyz").write_text("x")
        out = rag("build", str(src), "--index", str(tmp_path / "idx"))
        assert out.returncode == 0, out.stderr
        assert "indexed 1, skipped 2" in out.stdout
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 2 and all(line.startswith("rag: skipped ") for line in lines)
        assert any("empty.txt: empty file" in line for line in lines)
        strict = rag("build", str(src), "--index", str(tmp_path / "idx"), "--strict")
        assert strict.returncode == 1

    def test_rebuild_reuses_embeddings(self, index_copy: Path) -> None:
        out = rag("build", "--index", str(index_copy))
        assert out.returncode == 0 and "embedded 0" in out.stdout

    def test_unknown_model_is_exit_1(self, tmp_path: Path) -> None:
        out = rag("build", "--index", str(tmp_path / "i"), "--model", "word2vec")
        assert out.returncode == 1 and "--model: unknown encoder" in out.stderr


class TestAsk:
    def test_json_answer_follows_the_contract(self, seed_index: Path) -> None:
        out = rag("ask", "哪些单位矛盾纠纷调解成功率达到100%?", "--index", str(seed_index), "--json")
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        assert set(data) == {"question", "kind", "answer", "units", "candidates", "silent", "citations", "notices"}
        assert data["kind"] == "aggregation" and data["units"] == ["河源市源城区埔前镇人民政府"]
        c = data["citations"][0]
        assert c["quote"] in c["text"] and c["n"] == 1

    def test_human_answer_then_numbered_sources(self, seed_index: Path) -> None:
        out = rag("ask", "霞山区2025年主动公开了多少条政府信息?", "--index", str(seed_index))
        assert out.returncode == 0
        assert "3522篇。[1]" in out.stdout
        assert "\n[1] 霞山区人民政府办公室 · 2025 · 二、2025年度推进法治政府建设的情况" in out.stdout

    def test_unknown_unit_filter_is_exit_1(self, seed_index: Path) -> None:
        out = rag("ask", "主动公开", "--index", str(seed_index), "--unit", "福田区")
        assert out.returncode == 1 and out.stderr.startswith("rag: --unit: no indexed unit matches '福田区'")


class TestMetadataCommands:
    def test_build_warns_one_line_per_uncertain_report_and_still_indexes_it(self, tmp_path: Path) -> None:
        src = tmp_path / "in"
        src.mkdir()
        real = ROOT / "tests" / "data" / "real" / "xxgk-web" / "Content-2793487.txt"
        (src / "page-07.txt").write_bytes(real.read_bytes())
        out = rag("build", str(src), "--index", str(tmp_path / "index"))
        assert out.returncode == 0, out.stderr
        assert out.stderr.strip() == (
            f'rag: {src / "page-07.txt"}: unit: no unit in the text; indexed as "page-07" — set it in reports.csv'
        )
        assert out.stdout.startswith("indexed 1, skipped 0")

    def test_reports_json_lists_unit_year_kind_place_and_cues(self, seed_index: Path) -> None:
        out = rag("reports", "--index", str(seed_index), "--json")
        assert out.returncode == 0, out.stderr
        docs = {d["unit"]: d for d in json.loads(out.stdout)}
        town = docs["河源市源城区埔前镇人民政府"]
        assert (town["year"], town["kind"], town["level"]) == (2024, "法治政府建设年度报告", "镇")
        assert town["place"] == ["广东省", "河源市", "源城区", "埔前镇"]
        assert town["cues"]["unit"].startswith("title") and town["chunks"] > 0
        assert set(town) >= {"doc_id", "title_year", "published", "source", "warnings"}

    def test_reports_human_output_names_the_cues(self, seed_index: Path) -> None:
        out = rag("reports", "--index", str(seed_index))
        assert out.returncode == 0 and "cues: unit=发布机构 field, year=opening year" in out.stdout
        assert out.stdout.rstrip().endswith(f"5 reports in {seed_index}")

    def test_region_covers_every_unit_under_it(self, seed_index: Path) -> None:
        out = rag("search", "法治政府建设", "--index", str(seed_index), "--region", "河源市", "-k", "20", "--json")
        assert out.returncode == 0, out.stderr
        units = {h["unit"] for h in json.loads(out.stdout)["hits"]}
        assert units == {"源城区人民政府办公室", "河源市源城区埔前镇人民政府"}
        for verb in ("search", "ask"):  # a region no report lies in names the field, not "not found"
            bad = rag(verb, "主动公开", "--index", str(seed_index), "--region", "火星市")
            assert bad.returncode == 1 and bad.stderr.startswith("rag: --region: no indexed report lies in '火星市'")

    def test_kind_filter_and_an_unknown_kind(self, seed_index: Path) -> None:
        out = rag("ask", "主动公开了多少条政府信息?", "--index", str(seed_index), "--kind", "法治", "--json")
        assert out.returncode == 0 and json.loads(out.stdout)["kind"] != "unanswerable"
        none = rag("search", "主动公开", "--index", str(seed_index), "--kind", "政府工作报告", "--json")
        assert none.returncode == 0 and json.loads(none.stdout)["hits"] == []
        bad = rag("search", "主动公开", "--index", str(seed_index), "--kind", "报纸")
        assert bad.returncode == 1 and bad.stderr.startswith("rag: --kind: '报纸' is not a kind of report")


class TestRemove:
    def test_remove_takes_a_report_out_of_a_folder_index(self, index_copy: Path) -> None:
        docs = json.loads(rag("reports", "--index", str(index_copy), "--json").stdout)
        gone = docs[0]["doc_id"]
        out = rag("remove", gone, "--index", str(index_copy))
        assert out.returncode == 0, out.stderr
        assert "removed 1 (4 reports" in out.stdout and "embedded" not in out.stdout
        left = json.loads(rag("reports", "--index", str(index_copy), "--json").stdout)
        assert [d["doc_id"] for d in left] == [d["doc_id"] for d in docs[1:]]
        hits = json.loads(rag("search", "法治建设", "--index", str(index_copy), "-k", "20", "--json").stdout)["hits"]
        assert all(h["doc_id"] != gone for h in hits)

    def test_an_unknown_report_is_one_line_and_nothing_changes(self, index_copy: Path) -> None:
        before = (index_copy / "manifest.json").read_bytes()
        out = rag("remove", "no-such-report", "--index", str(index_copy))
        assert out.returncode == 1 and out.stderr.strip() == (
            "rag: remove: no indexed report 'no-such-report' (see `rag reports`)"
        )
        assert (index_copy / "manifest.json").read_bytes() == before

    def test_from_index_needs_an_engine(self, seed_index: Path, tmp_path: Path) -> None:
        out = rag("build", "--from-index", str(seed_index), "--index", str(tmp_path / "x"))
        assert out.returncode == 1 and "--from-index" in out.stderr and out.stderr.count("\n") == 1


def test_a_reader_that_stops_early_gets_no_traceback(seed_index: Path) -> None:
    """`rag ledger --json | head -c 10` (70 KB, more than a pipe holds): the pipe closes under the writer."""
    done = subprocess.run(
        f"{sys.executable} -m rag.cli ledger --json --index {seed_index} | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert len(done.stdout) == 10 and "Traceback" not in done.stderr, done.stderr
