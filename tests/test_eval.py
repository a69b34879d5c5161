"""The eval suite as a regression gate: the question file, the metrics, thresholds and comparisons."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from rag.errors import InputError
from rag.evaluate import (
    check,
    compare,
    evaluate,
    load_questions,
    load_thresholds,
    results_json,
    summarize,
)
from rag.retrieve import Retriever
from tests.conftest import ROOT, SEEDS
from tests.test_cli import rag

QUESTIONS = ROOT / "eval" / "questions.jsonl"
THRESHOLDS = ROOT / "eval" / "thresholds.toml"


@pytest.fixture(scope="module")
def results(retriever: Retriever) -> list:
    return evaluate(retriever, load_questions(QUESTIONS))


class BM25OnlyRetriever(Retriever):
    """A deliberately weakened retriever: the lexical side alone, as before hybrid search."""

    def search(self, query: str, k: int = 5, **kw: object) -> list:  # type: ignore[override]
        kw["mode"] = "lexical"
        return super().search(query, k, **kw)  # type: ignore[arg-type]


class TestQuestionFile:
    def test_every_gold_substring_occurs_in_its_seed_report(self) -> None:
        texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
        for q in load_questions(QUESTIONS):
            for e in q.evidence:
                assert e.text in texts[e.doc_id], (q.id, e.text)

    def test_enough_questions_of_every_kind(self) -> None:
        qs = load_questions(QUESTIONS)
        kinds = Counter(q.kind for q in qs)
        english = sum(1 for q in qs if q.question[:1].isascii() and q.question[:1].isalpha())
        assert len(qs) >= 80 and kinds["aggregation"] >= 15 and kinds["comparison"] >= 10
        assert kinds["unanswerable"] >= 10 and english >= 10

    def test_units_named_in_gold_sets_are_indexed(self, retriever: Retriever) -> None:
        for q in load_questions(QUESTIONS):
            assert set(q.units or ()) <= set(retriever.units)

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ("{not json", "not valid JSON"),
            ('{"id": "x", "kind": "lookup", "question": "q"}', "field 'answer'"),
            ('{"id": "x", "kind": "guess", "question": "q", "answer": "a"}', "field 'kind' must be one of"),
            ('{"id": "x", "kind": "lookup", "question": "q", "answer": "a"}', "field 'evidence' is required"),
        ],
    )
    def test_bad_line_names_file_line_and_field(self, tmp_path: Path, line: str, message: str) -> None:
        path = tmp_path / "q.jsonl"
        path.write_text(
            '{"id": "ok", "kind": "unanswerable", "question": "q", "answer": "a"}\n' + line + "\n", encoding="utf-8"
        )
        with pytest.raises(InputError, match=f"q.jsonl:2: {message}"):
            load_questions(path)


class TestGate:
    def test_the_system_meets_every_committed_threshold(self, results: list) -> None:
        assert check(summarize(results), load_thresholds(THRESHOLDS)) == []

    def test_a_weakened_retriever_fails_the_check(self, seed_index: Path, e5: object) -> None:
        weak = BM25OnlyRetriever.open(seed_index, encoder=e5)  # type: ignore[arg-type]
        failures = check(summarize(evaluate(weak, load_questions(QUESTIONS))), load_thresholds(THRESHOLDS))
        assert any(f.startswith("all.recall@5") for f in failures)
        assert any(f.startswith("english.") for f in failures)

    def test_citations_are_verbatim_and_numbers_quoted(self, results: list) -> None:
        s = summarize(results)["all"]
        assert s["citation_precision"] == 1.0 and s["numeric_faithfulness"] == 1.0

    def test_unanswerable_questions_abstain(self, results: list) -> None:
        assert summarize(results)["unanswerable"]["abstention"] >= 0.95


class TestCompare:
    def test_changed_questions_are_listed_both_ways(self, results: list, tmp_path: Path) -> None:
        old = results_json(results, summarize(results))
        flipped = old["questions"][0]
        flipped["passed"] = not flipped["passed"]
        path = tmp_path / "old.json"
        path.write_text(json.dumps(old), encoding="utf-8")
        lines = compare(path, results)
        assert len(lines) == 1 and lines[0].startswith(flipped["id"])

    def test_unreadable_old_results_is_a_clear_error(self, results: list, tmp_path: Path) -> None:
        (tmp_path / "old.json").write_text("[]", encoding="utf-8")
        with pytest.raises(InputError, match="not a results file"):
            compare(tmp_path / "old.json", results)


class TestCli:
    def test_eval_check_writes_results_and_passes(self, seed_index: Path, tmp_path: Path) -> None:
        out = rag("eval", "--index", str(seed_index), "--check", "--results", str(tmp_path))
        assert out.returncode == 0, out.stderr
        assert "| all | 87 |" in out.stdout
        data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
        assert len(data["questions"]) == 87
        md = (tmp_path / "results.md").read_text(encoding="utf-8")
        assert md.count("\n| q0") == 87

    def test_impossible_threshold_fails_with_one_line_per_metric(self, seed_index: Path, tmp_path: Path) -> None:
        strict = tmp_path / "t.toml"
        strict.write_text('[all]\n"recall@1" = 1.01\n', encoding="utf-8")
        out = rag(
            "eval", "--index", str(seed_index), "--check", "--thresholds", str(strict), "--results", str(tmp_path)
        )
        assert out.returncode == 1
        assert out.stderr.strip().startswith("rag: eval below threshold: all.recall@1:")


def test_refusals_and_false_abstentions_are_ceilings_the_rest_floors() -> None:
    from rag.evaluate.report import check

    limits = {"aggregation": {"refused": 0.05, "false_abstention": 0.05, "unit_f1": 0.8}}
    assert check({"aggregation": {"refused": 0.025, "false_abstention": 0.0, "unit_f1": 0.83}}, limits) == []
    failures = check({"aggregation": {"refused": 0.1, "false_abstention": 0.2, "unit_f1": 0.7}}, limits)
    assert len(failures) == 3 and sum("above ceiling" in f for f in failures) == 2
