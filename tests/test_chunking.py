from __future__ import annotations

import re

import pytest

from rag.chunking import chunk_report, default_token_counter
from rag.ingest import load_report
from rag.records import Report
from rag.text import sentence_spans
from tests.conftest import SEEDS

COUNT = default_token_counter()
BUDGET = 300
REPORTS = [load_report(p) for p in sorted(SEEDS.glob("*.txt"))]


@pytest.fixture(scope="module", params=REPORTS, ids=lambda r: r.doc_id[:3])
def report_and_chunks(request: pytest.FixtureRequest) -> tuple[Report, list]:
    r = request.param
    return r, chunk_report(r, max_tokens=BUDGET, count_tokens=COUNT)


class TestInvariants:
    def test_chunk_text_is_the_verbatim_report_span(self, report_and_chunks: tuple) -> None:
        r, chunks = report_and_chunks
        for c in chunks:
            assert c.text == r.text[c.start : c.end]

    def test_chunks_cover_the_whole_body_in_order_with_no_gap(self, report_and_chunks: tuple) -> None:
        r, chunks = report_and_chunks
        pos = 0
        for c in chunks:
            assert c.start >= pos
            assert r.text[pos : c.start].strip() == "", r.text[pos : c.start]
            pos = c.end
        assert r.text[pos:].strip() == ""

    def test_every_chunk_fits_the_budget(self, report_and_chunks: tuple) -> None:
        _, chunks = report_and_chunks
        assert all(COUNT(c.text) <= BUDGET for c in chunks)

    def test_chunks_end_at_sentence_boundaries(self, report_and_chunks: tuple) -> None:
        """Only a sentence that alone exceeds the budget may be cut, and then at a comma."""
        r, chunks = report_and_chunks
        for c in chunks:
            after = r.text[c.end : c.end + 1]
            if re.search(r"[。；！？;!?”」)）]$", c.text) or after in ("", "\n"):
                continue
            sentence = next(r.text[a:b] for a, b in sentence_spans(r.text) if a < c.end < b)
            assert COUNT(sentence) > BUDGET and re.search(r"[,，:：、]$", c.text), c.text[-20:]

    def test_every_chunk_has_a_section_path(self, report_and_chunks: tuple) -> None:
        _, chunks = report_and_chunks
        assert all(c.section and all(c.section) for c in chunks)


class TestHeadings:
    def test_section_path_follows_the_heading_tree(self) -> None:
        r = next(x for x in REPORTS if x.doc_id.startswith("000"))
        paths = {c.section_path for c in chunk_report(r, max_tokens=BUDGET, count_tokens=COUNT)}
        assert "一、主要做法及成效 > (二)压实法治责任,规范履职行权流程" in paths

    def test_numbered_subheadings_nest_under_bracketed_ones(self) -> None:
        r = next(x for x in REPORTS if x.doc_id.startswith("003"))
        chunks = chunk_report(r, max_tokens=BUDGET, count_tokens=COUNT)
        hit = next(c for c in chunks if "法律顾问审核合同、村规民约共计21份" in c.text)
        assert hit.section[0] == "一、工作举措和成效"
        assert hit.section[1].startswith("(四)创新基层治理")
        assert hit.section[2].startswith("5.提升公共法律服务能力")

    def test_full_width_brackets_are_the_same_level(self) -> None:
        text = "甲区政府2025年年度报告\n一、总体情况\n（一）第一项。内容一。\n(二)第二项。内容二。"
        r = Report(doc_id="x", unit="甲区政府", year=2025, title="t", published=None, source="x", text=text)
        chunks = chunk_report(r, max_tokens=BUDGET, count_tokens=COUNT)
        assert [c.section for c in chunks][-2:] == [("一、总体情况", "（一）第一项"), ("一、总体情况", "(二)第二项")]

    def test_overlong_sentence_is_cut_at_commas_within_budget(self) -> None:
        body = "一、情况\n" + ",".join(["开展法治宣传活动并取得成效"] * 120) + "。"
        r = Report(doc_id="x", unit="甲区政府", year=2025, title="t", published=None, source="x", text=body)
        chunks = chunk_report(r, max_tokens=64, count_tokens=COUNT)
        assert len(chunks) > 5 and all(COUNT(c.text) <= 64 for c in chunks)
        assert "".join(c.text for c in chunks).replace("\n", "") == body.replace("\n", "")
