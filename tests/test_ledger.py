"""Issue 15, part 1: the indicator ledger. Its precision and recall against the hand-labelled figures
(eval/ledger_labels.jsonl, written before the extractor) are a gate here; eval/ledger.py prints them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rag.embedding.e5onnx import OnnxE5Encoder
from rag.errors import IndexStateError
from rag.ledger import extract, select
from rag.records import Report
from rag.retrieve import Retriever

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _report(text: str) -> Report:
    return Report(doc_id="t", unit="测试区司法局", year=2024, title="", published=None, source="t.txt", text=text)


def _rows(text: str) -> list[tuple[str, float, str, str]]:
    return [(r.indicator, r.value, r.measure, r.qualifier) for r in extract(_report(text))]


class TestExtraction:
    def test_a_compound_sentence_gives_one_row_per_figure(self) -> None:
        rows = _rows("行政复议案件受理率、办结率均达100%。")
        assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
            ("行政复议案件受理率", 100.0, "%", "均为"),
            ("办结率", 100.0, "%", "均为"),
        ]

    def test_values_are_normalised(self) -> None:
        assert _rows("主动公开政府信息4.37万条。") == [("主动公开政府信息", 43700.0, "条", "")]
        assert _rows("全年调处矛盾纠纷１２３宗，调处成功率达百分之百。") == [
            ("调解矛盾纠纷", 123.0, "宗", ""),
            ("调解成功率", 100.0, "%", "达"),
        ]
        assert _rows("发布政府信息10369余条，培训法律明白人300人以上。") == [
            ("主动公开政府信息", 10369.0, "条", "余"),
            ("法律明白人", 300.0, "人", "以上"),
        ]

    def test_a_change_after_a_figure_is_named_after_it(self) -> None:
        """ "地区生产总值32193亿元、增长5.7%": the 5.7% is the output's growth, not a figure of nothing."""
        assert _rows("全年地区生产总值达到32193.15亿元、增长5.7%，规上工业增加值增长7.3%。") == [
            ("地区生产总值", 3219315000000.0, "元", "达"),
            ("地区生产总值增长", 5.7, "%", ""),
            ("规上工业增加值", 7.3, "%", ""),
        ]

    def test_years_codes_titles_and_slogans_are_not_figures(self) -> None:
        text = (
            "2024年，我局树牢“四个意识”，严格落实中央八项规定，学习《党政机关厉行节约反对浪费条例》，"
            "依据〔2024〕5号文，第二批试点。"
        )
        assert _rows(text) == []

    def test_a_tables_cells_take_its_declared_unit(self) -> None:
        text = (
            "收入支出决算总表单位：万元\n一、一般公共预算财政拨款收入 2,940.05 一、一般公共服务支出 2,106.66\n"
            "合计 6.20。"
        )
        rows = extract(_report(text))
        assert [(r.indicator, r.value, r.measure, r.table) for r in rows] == [
            ("一般公共预算财政拨款收入", 29400500.0, "元", True),
            ("一般公共服务支出", 21066600.0, "元", True),
            ("合计", 62000.0, "元", True),
        ]

    def test_every_span_is_the_reports_own_text(self, retriever: Retriever) -> None:
        rows = list(retriever.ledger())
        assert len(rows) > 100
        for r in rows:
            assert retriever.report(r.doc_id).text[r.start : r.end] == r.span
            assert r.section  # the passage's section it stands in

    def test_select_folds_the_indicator_asked(self, retriever: Retriever) -> None:
        rows = select(retriever.ledger(), indicator="发布政府信息")  # folded to 主动公开政府信息
        assert {r.unit for r in rows} >= {"霞山区人民政府办公室", "源城区人民政府办公室"}
        assert all(r.indicator == "主动公开政府信息" for r in rows)


class TestStorage:
    """Issue 29: one report's rows are read by their byte bounds, never the whole ledger."""

    def test_one_reports_rows_are_its_rows_of_the_whole_ledger(self, retriever: Retriever) -> None:
        whole = list(retriever.ledger())
        for d in retriever.documents:
            assert retriever.ledger_of(d.doc_id) == [r for r in whole if r.doc_id == d.doc_id]
        assert sum(len(retriever.ledger_of(d.doc_id)) for d in retriever.documents) == len(whole)

    def test_the_rows_meeting_a_number_are_those_the_whole_ledger_has(self, retriever: Retriever) -> None:
        def keep(values: Any, codes: Any, names: Any) -> Any:
            return (names[codes] == "%") & (values >= 100)

        picked = retriever.ledger_where(keep)
        whole = [r for r in retriever.ledger() if r.measure == "%" and r.value >= 100]
        assert whole and [r for d in retriever.documents for r in picked.get(d.doc_id, [])] == whole

    def test_the_rows_naming_a_word_are_those_whose_indicator_or_span_holds_it(self, retriever: Retriever) -> None:
        every = list(retriever.ledger())
        for words in (["公开"], ["复议", "诉讼"], ["万元", "不存在的词"], ['"', "a"]):
            picked = retriever.ledger_where(lambda v, c, n: np.ones(len(v), dtype=bool), holding=words)
            want = [r for r in every if any(w in r.indicator or w in r.span for w in words)]
            assert [r for d in retriever.documents for r in picked.get(d.doc_id, [])] == want
        assert retriever.ledger_where(lambda v, c, n: np.ones(len(v), dtype=bool), holding=[]) == {}

    def test_an_index_written_before_the_columns_reads_the_same(
        self, index_copy: Path, retriever: Retriever, e5: OnnxE5Encoder
    ) -> None:
        (index_copy / "ledger.columns.npz").unlink()
        old = Retriever.open(index_copy, encoder=e5)
        for d in retriever.documents:
            assert old.ledger_of(d.doc_id) == retriever.ledger_of(d.doc_id)

    def test_a_rows_passage_is_found_by_the_starts_as_by_reading(
        self, index_copy: Path, retriever: Retriever, e5: OnnxE5Encoder
    ) -> None:
        (index_copy / "chunks.starts.npy").unlink()  # an index written before: passages read instead
        old = Retriever.open(index_copy, encoder=e5)
        assert retriever._files.chunk_starts() is not None and old._files.chunk_starts() is None
        for d in retriever.documents:
            chunks = retriever.chunks_of(d.doc_id)
            offsets = {0, len(retriever.report(d.doc_id).text) - 1, *(c.start for c in chunks)}
            offsets |= {c.start - 1 for c in chunks} | {r.start for r in retriever.ledger_of(d.doc_id)}
            for offset in sorted(o for o in offsets if o >= 0):
                found = retriever.chunk_at(d.doc_id, offset)
                assert found == old.chunk_at(d.doc_id, offset)
                assert found.start <= offset or found == chunks[0]

    @pytest.mark.parametrize("damage", ["short", "unordered", "garbage", "codes"])
    def test_damaged_columns_say_rebuild(self, index_copy: Path, e5: OnnxE5Encoder, damage: str) -> None:
        path = index_copy / "ledger.columns.npz"
        with np.load(path) as z:
            arrays = dict(z)
        if damage == "short":
            arrays["docs"] = arrays["docs"][:-1]
        elif damage == "unordered":
            arrays["offsets"] = arrays["offsets"][::-1].copy()
        elif damage == "codes":
            arrays["codes"] = arrays["codes"] + len(arrays["names"])
        if damage == "garbage":
            path.write_bytes(b"PK not an archive")
        else:
            with path.open("wb") as fh:
                np.savez(fh, **arrays)
        r = Retriever.open(index_copy, encoder=e5)
        with pytest.raises(IndexStateError, match="rebuild"):
            list(r.ledger())
        assert r.ledger_of(r.documents[0].doc_id) == []  # an answer goes on without the ledger
        assert r.ledger_where(lambda v, c, n: v > 0) == {}


def test_precision_and_recall_against_the_labels() -> None:
    """Labels of files outside this checkout (../shared/real-reports) count where that folder exists."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "eval" / "ledger.py")], capture_output=True, text=True, cwd=ROOT, check=True
    )
    table = {
        line.split("|")[1].strip(): line.split("|")[2:-1]
        for line in done.stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| files")
    }
    labels, _, _, precision, recall = (c.strip() for c in table["all"])
    assert int(labels) >= (600 if SHARED.is_dir() else 130)
    assert float(precision) >= 0.95 and float(recall) >= 0.90, done.stdout


def test_rag_ledger_filters_and_prints_json_and_csv(seed_index: Path) -> None:
    def rag(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rag.cli", "ledger", "--index", str(seed_index), *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )

    rows = json.loads(rag("--unit", "霞山区", "--json").stdout)
    assert rows and {r["unit"] for r in rows} == {"霞山区人民政府办公室"}
    assert {"unit", "year", "kind", "indicator", "value", "measure", "span", "source"} <= set(rows[0])
    csv_out = rag("--indicator", "主动公开政府信息", "--csv").stdout.splitlines()
    assert csv_out[0].startswith("doc_id,unit,year") and len(csv_out) >= 4
    bad = rag("--unit", "不存在的单位")
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("kind", ["法治", "信息公开"])
def test_kind_filter(seed_index: Path, kind: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ledger", "--index", str(seed_index), "--kind", kind, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert all(kind in r["kind"] for r in json.loads(done.stdout))


class TestLedgerFirst:
    def test_each_rows_passage_holds_its_span(self, retriever: Retriever) -> None:
        for r in retriever.ledger():
            chunk = retriever.chunk_at(r.doc_id, r.start)
            assert r.span in chunk.text or chunk.text in r.span  # a table row may run past a passage's end

    def test_a_figure_meeting_the_question_brings_its_passage(self, retriever: Retriever) -> None:
        from rag.answer.evidence import Context, _meeting, _meeting_rows, _row_hits, default_glossary

        question = "哪些单位矛盾纠纷调解成功率达到100%?"
        ctx = Context(retriever, question, retriever.segmenter, default_glossary())
        town = next(d for d in retriever.documents if d.unit == "河源市源城区埔前镇人民政府")
        meeting = _meeting(ctx)  # read from the ledger's columns: only rows at 100% or more, in %
        assert meeting and all(r.measure == "%" and r.value >= 100 for rows in meeting.values() for r in rows)
        (hit,) = _row_hits(ctx, town.doc_id, _meeting_rows(ctx, town.doc_id, [], meeting[town.doc_id]), [])
        assert "成功率达100%" in hit.chunk.text
        plain = Context(retriever, "哪些单位开展了法律明白人培训?", retriever.segmenter, default_glossary())
        assert _meeting(plain) == {}  # no number asked: retrieval alone

    def test_a_comparison_reads_only_rows_that_may_name_what_it_compares(self, retriever: Retriever) -> None:
        """Issue 29: the rows a comparison parses are found in the ledger's columns and raw lines; what it
        ranks is what it ranked over every row."""
        from rag.answer.compare import _comparable_rows
        from rag.answer.evidence import Context, default_glossary
        from rag.answer.figures import Subject

        for question in ("哪个单位主动公开政府信息最多?", "哪个单位行政复议纠错率最高?", "哪个区收到的申请最多?"):
            ctx = Context(retriever, question, retriever.segmenter, default_glossary())
            rows = _comparable_rows(ctx, retriever.documents)
            every = {d.doc_id: retriever.ledger_of(d.doc_id) for d in retriever.documents}
            assert 0 < sum(map(len, rows.values())) < sum(map(len, every.values())) / 4
            assert all(set(rows[d]) <= set(every[d]) for d in every)
            narrow, whole = Subject.of(ctx.a, ctx.weights, rows), Subject.of(ctx.a, ctx.weights, every)
            assert narrow.rows == whole.rows and narrow.best == whole.best


class TestFiguresCheckedAgainstEachOther:
    def test_a_rate_is_checked_against_the_counts_it_is_made_of(self) -> None:
        from rag.ledger.checks import rate_checks

        (agree,) = rate_checks("共排查调处各类矛盾纠纷81宗,调解成功81宗,成功率达100%。")
        assert agree.consistent and agree.describe() == "成功率100%：81/81 = 100.0% ✓"
        (clash,) = rate_checks("受理行政复议案件100件，办结95件，办结率达98%。")
        assert not clash.consistent and "不符" in clash.describe()
        assert rate_checks("受理100件，办结95件，群众满意率98%。") == []  # a rate of something else
        assert rate_checks("处理215宗,办结27宗,解决825宗,办结率均达100%。") == []  # its counts not beside it

    def test_a_list_answer_notes_the_check_of_a_cited_rate(self, retriever: Retriever) -> None:
        from rag.answer import ask

        answer = ask(retriever, "哪些单位矛盾纠纷调解成功率达到100%?")
        assert "核对 河源市源城区埔前镇人民政府：成功率100%：81/81 = 100.0% ✓" in answer.notices
