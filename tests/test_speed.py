"""Issue 13's behaviour (not its timings, which bench/speed.py prints): one-pass "which units",
progress shown for builds and uploads, reuse of vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.cli import index as cli
from rag.embedding import OnnxE5Encoder
from rag.retrieve import Retriever
from rag.service import Service
from tests.conftest import SMALL_REPORT, write_report

ROOT = Path(__file__).resolve().parents[1]


def _list_questions() -> list[str]:
    """The seed questions that read every report ("which units", comparisons)."""
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").open()]
    return [r["question"] for r in rows if r["kind"] in ("aggregation", "comparison")]


class TestOnePass:
    def test_search_each_ranks_every_report_as_a_search_per_report_does(self, retriever: Retriever) -> None:
        questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open()][:30]
        docs = [d.doc_id for d in retriever.documents]
        for q in questions:
            alone = [[h.chunk.chunk_id for h in retriever.search(q, k=6, doc_ids=[d])] for d in docs]
            together = [[h.chunk.chunk_id for h in hits] for hits in retriever.search_each(q, docs, k=6)]
            assert together == alone, q

    def test_search_each_keeps_the_scores_of_search(self, retriever: Retriever) -> None:
        doc = retriever.documents[0].doc_id
        alone = retriever.search("法律顾问审查合同", k=3, doc_ids=[doc])
        (together,) = retriever.search_each("法律顾问审查合同", [doc], k=3)
        assert [round(h.score, 5) for h in together] == [round(h.score, 5) for h in alone]
        assert [round(h.dense_score or 0, 4) for h in together] == [round(h.dense_score or 0, 4) for h in alone]


class TestProgress:
    def test_plain_lines_off_a_terminal_at_most_every_tenth(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setattr(cli, "QUIET_SECONDS", 0.0)
        show = cli.progress()
        for done in range(1, 101):
            show("embedding passages", done, 100)
        lines = capsys.readouterr().err.splitlines()
        assert 10 <= len(lines) <= 11 and lines[-1] == "rag: embedding passages 100/100"

    def test_a_short_build_prints_no_progress(self, capsys: pytest.CaptureFixture[str]) -> None:
        show = cli.progress()
        show("embedding passages", 5, 5)
        assert capsys.readouterr().err == ""

    def test_uploads_report_each_file_and_stage(self, index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder) -> None:
        service = Service(index_copy, encoder=e5)
        a = write_report(tmp_path, "a.txt", SMALL_REPORT)
        b = write_report(tmp_path, "b.txt", SMALL_REPORT.replace("测试区", "样例区").replace("1234", "4321"))
        heard: list[tuple[str, int, int]] = []
        outcome = service.add_uploads([("a.txt", a), ("b.txt", b)], progress=lambda s, d, t: heard.append((s, d, t)))
        assert len(outcome.indexed) == 2
        stages = {s for s, _, _ in heard}
        assert any(s.startswith("file 1/2 ") and s.endswith("embedding passages") for s in stages)
        assert any(s.startswith("file 2/2 ") for s in stages)
        assert all(0 < d <= t for _, d, t in heard)


class TestSilentReportsSkipped:
    def test_a_report_without_any_term_has_no_sentence_with_coverage(self, retriever: Retriever) -> None:
        from rag.answer.evidence import PER_REPORT_DEPTH, Context, default_glossary

        docs = [d.doc_id for d in retriever.documents]
        skipped = 0
        for q in _list_questions():
            ctx = Context(retriever, q, retriever.segmenter, default_glossary())
            for hits in retriever.search_each(q, docs, k=PER_REPORT_DEPTH):
                if not ctx.mentions_a_term(hits):
                    skipped += 1
                    assert all(e.verdict.coverage == 0 and not e.verdict.candidate for e in ctx.evidence(hits)), q
        assert skipped > 0  # the shortcut is exercised, not only the full path

    def test_lean_judging_keeps_every_verdict_that_can_be_shown(self, retriever: Retriever) -> None:
        from rag.answer.evidence import PER_REPORT_DEPTH, Context, default_glossary

        docs = [d.doc_id for d in retriever.documents]
        for q in _list_questions():
            ctx = Context(retriever, q, retriever.segmenter, default_glossary())
            for hits in retriever.search_each(q, docs, k=PER_REPORT_DEPTH):
                full, lean = ctx.evidence(hits), ctx.evidence(hits, lean=True)
                shown = [
                    (e.chunk.chunk_id, e.quote, e.verdict) for e in full if e.verdict.candidate or e.verdict.answers
                ]
                kept = [
                    (e.chunk.chunk_id, e.quote, e.verdict) for e in lean if e.verdict.candidate or e.verdict.answers
                ]
                assert kept == shown, q
                assert max(e.verdict.similarity for e in lean) == max(e.verdict.similarity for e in full)


class TestServingReads:
    """Serving reads records and sentence vectors with pread (no memory map counted in its RSS)."""

    def test_sentence_rows_are_the_saved_vectors(self, retriever: Retriever, seed_index: Path) -> None:
        import numpy as np

        saved = np.load(seed_index / "sentences.npy")
        records = [json.loads(line) for line in (seed_index / "chunks.jsonl").open(encoding="utf-8")]
        checked = 0
        for d in retriever.documents:
            for chunk, rec in zip(retriever.chunks_of(d.doc_id), records[d.first : d.last], strict=True):
                got = retriever.sentences(chunk)
                assert [(a, b) for a, b, _ in got] == [tuple(s) for s in rec["sentences"]]
                for i, (_, _, vec) in enumerate(got):
                    assert np.array_equal(vec, saved[rec["sent_row"] + i])
                    checked += 1
        assert checked == len(saved)

    def test_a_truncated_sentence_file_is_a_one_line_index_error(self, index_copy: Path, e5: OnnxE5Encoder) -> None:
        from rag.errors import IndexStateError

        path = index_copy / "sentences.npy"
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        r = Retriever.open(index_copy, encoder=e5)
        last = r.chunks_of(r.documents[-1].doc_id)[-1]
        with pytest.raises(IndexStateError, match=r"sentences\.npy.*rebuild") as caught:
            r.sentences(last)
        assert "\n" not in str(caught.value)

    def test_roles_from_kept_headings_equal_roles_read_from_passages(
        self, retriever: Retriever, index_copy: Path, e5: OnnxE5Encoder
    ) -> None:
        manifest = json.loads((index_copy / "manifest.json").read_text(encoding="utf-8"))
        for d in manifest["documents"]:
            del d["headings"]  # as an index built before headings were kept
        (index_copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        older = Retriever.open(index_copy, encoder=e5)
        for d in retriever.documents:
            chunks = retriever.chunks_of(d.doc_id)
            assert d.headings == tuple(dict.fromkeys(c.section[0] for c in chunks))
            assert [retriever.role(c) for c in chunks] == [older.role(c) for c in chunks]


class TestTermScan:
    """The one-pass term check answers exactly what Term.found_in answers, term by term."""

    def test_scan_equals_found_in_on_every_seed_sentence(self, retriever: Retriever) -> None:
        from rag.answer.evidence import default_glossary
        from rag.judge.lexical import TermScan
        from rag.question import analyse

        texts = []
        for d in retriever.documents:
            for c in retriever.chunks_of(d.doc_id):
                texts += [c.text[a:b] for a, b, _ in retriever.sentences(c)] + [c.text]
        held = 0
        for q in _list_questions():
            terms = analyse(
                q, segmenter=retriever.segmenter, glossary=default_glossary(), unit_aliases=retriever.all_aliases
            ).terms
            scan = TermScan(terms)
            for text in texts:
                found = any(t.found_in(text) for t in terms)
                assert scan.in_text(text) == found, (q, text)
                squeezed = "".join(text.split())
                if any(t.found_in(squeezed) for t in terms):
                    assert scan.in_spaced_text(text), (q, text)
                held += found
        assert held > 0
