"""Issue 13: `--add` on a large index writes the added reports as a delta segment and links the base's
files instead of rewriting them. The seeds stand in for a large index here (the size thresholds are
lowered); bench/speed.py times it at 10,000 reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rag import evaluate as ev
from rag.answer import ask
from rag.embedding import OnnxE5Encoder
from rag.retrieve import Retriever
from rag.store import build_index, delta
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def small_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delta, "DELTA_MIN_BASE", 0)
    monkeypatch.setattr(delta, "DELTA_MAX_SHARE", 1.0)


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The seeds in two folders: four for the base, the fifth (and a copy of it, renamed) to add."""
    root = tmp_path_factory.mktemp("split")
    files = sorted(SEEDS.glob("*.txt"))
    (root / "base").mkdir()
    for f in files[:4]:
        shutil.copy(f, root / "base" / f.name)
    return root / "base", [files[4]]


def _manifest(index: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((index / "manifest.json").read_text(encoding="utf-8"))


class TestDelta:
    def test_added_reports_form_a_delta_and_the_base_files_are_linked(
        self, small_delta: None, split: tuple[Path, list[Path]], tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        base, added = split
        index = tmp_path / "index"
        build_index([base], index, encoder=e5)
        before = {name: (index / name).stat().st_ino for name in delta.BASE_FILES}
        result = build_index(added, index, encoder=e5, add=True)
        manifest = _manifest(index)
        assert manifest["segments"] == ["", "delta/"]
        assert {name: (index / name).stat().st_ino for name in delta.BASE_FILES} == before  # linked, not written
        assert result.documents == 5 and result.indexed == (added[0].stem,)
        r = Retriever.open(index, encoder=e5)
        assert len(r.documents) == 5 and r.documents[-1].doc_id == added[0].stem
        chunks = r.chunks_of(added[0].stem)
        assert chunks and all(r.sentences(c) for c in chunks)
        assert r.report(added[0].stem).text  # its text is read from the delta's own reports file
        assert {row.doc_id for row in r.ledger()} >= {added[0].stem, r.documents[0].doc_id}  # both ledgers

    def test_a_delta_index_answers_as_a_full_build_does(
        self, small_delta: None, split: tuple[Path, list[Path]], tmp_path: Path, retriever: Retriever, e5: OnnxE5Encoder
    ) -> None:
        base, added = split
        index = tmp_path / "index"
        build_index([base], index, encoder=e5)
        build_index(added, index, encoder=e5, add=True)
        joined = Retriever.open(index, encoder=e5)
        questions = ev.load_questions(ROOT / "eval" / "questions.jsonl")
        full, part = ev.summarize(ev.evaluate(retriever, questions)), ev.summarize(ev.evaluate(joined, questions))
        print(json.dumps({"full": full["all"], "delta": part["all"]}, ensure_ascii=False))
        for metric in ("recall@1", "recall@5"):
            assert part["all"][metric] >= full["all"][metric] - 0.03, metric
        lists = [q.question for q in questions if q.kind == "aggregation"]
        same = sum(ask(joined, q).units == ask(retriever, q).units for q in lists)
        assert same >= len(lists) - 1

    def test_adding_again_rebuilds_the_delta_and_keeps_the_base(
        self, small_delta: None, split: tuple[Path, list[Path]], tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        base, added = split
        index = tmp_path / "index"
        build_index([base], index, encoder=e5)
        build_index(added, index, encoder=e5, add=True)
        before = (index / "vectors.npy").stat().st_ino
        other = tmp_path / "other.txt"
        other.write_text(added[0].read_text(encoding="utf-8").replace("2025", "2026"), encoding="utf-8")
        again = build_index([other], index, encoder=e5, add=True)
        assert _manifest(index)["segments"] == ["", "delta/"] and (index / "vectors.npy").stat().st_ino == before
        assert again.documents == 6 and again.reused > 0  # the first delta report's vectors were reused
        assert {d.doc_id for d in Retriever.open(index, encoder=e5).documents} >= {added[0].stem, "other"}

    def test_a_changed_base_report_or_a_full_build_merges_the_segments(
        self, small_delta: None, split: tuple[Path, list[Path]], tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        base, added = split
        index = tmp_path / "index"
        shutil.copytree(base, tmp_path / "base")
        base = tmp_path / "base"
        build_index([base], index, encoder=e5)
        build_index(added, index, encoder=e5, add=True)
        first = sorted(base.glob("*.txt"))[0]  # the same file, edited: its report is replaced
        first.write_text(first.read_text(encoding="utf-8") + "\n补充说明。", encoding="utf-8")
        build_index([first], index, encoder=e5, add=True)
        assert "segments" not in _manifest(index)  # one segment again, with every report
        assert len(Retriever.open(index, encoder=e5).documents) == 5

    def test_a_small_index_is_rebuilt_whole(
        self, split: tuple[Path, list[Path]], tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        base, added = split
        index = tmp_path / "index"
        build_index([base], index, encoder=e5)
        build_index(added, index, encoder=e5, add=True)
        assert "segments" not in _manifest(index)


def test_re_adding_a_report_the_base_holds_writes_nothing(
    small_delta: None, split: tuple[Path, list[Path]], tmp_path: Path, e5: OnnxE5Encoder
) -> None:
    base, _ = split
    index = tmp_path / "index"
    build_index([base], index, encoder=e5)
    manifest_before = (index / "manifest.json").stat().st_ino
    again = build_index([sorted(base.glob("*.txt"))[0]], index, encoder=e5, add=True)
    assert (index / "manifest.json").stat().st_ino == manifest_before  # the folder was not swapped
    assert again.documents == 4 and again.embedded == 0
    assert "segments" not in _manifest(index)
