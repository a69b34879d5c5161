from __future__ import annotations

import pytest

from rag.records import Answer, Chunk, Citation, Hit


def make_chunk(text: str = "全年主动公开政府信息3576条。") -> Chunk:
    return Chunk(
        chunk_id="d#0000",
        doc_id="d",
        unit="源城区人民政府办公室",
        year=2025,
        title="t",
        section=("一、主要做法及成效", "(二)压实法治责任"),
        text=text,
        start=10,
        end=10 + len(text),
        source="seeds/d.txt",
    )


class TestInvariants:
    def test_chunk_rejects_offsets_that_do_not_match_text(self) -> None:
        with pytest.raises(ValueError, match="start/end"):
            Chunk(
                chunk_id="x",
                doc_id="d",
                unit="u",
                year=None,
                title="t",
                section=("s",),
                text="abc",
                start=0,
                end=5,
                source="s",
            )

    def test_chunk_needs_a_section_path(self) -> None:
        with pytest.raises(ValueError, match="section"):
            Chunk(
                chunk_id="x",
                doc_id="d",
                unit="u",
                year=None,
                title="t",
                section=(),
                text="abc",
                start=0,
                end=3,
                source="s",
            )

    def test_citation_quote_must_be_inside_the_chunk(self) -> None:
        with pytest.raises(ValueError, match="quote"):
            Citation(n=1, chunk=make_chunk(), quote="不在文中")

    def test_unanswerable_answer_cannot_carry_citations(self) -> None:
        c = make_chunk()
        with pytest.raises(ValueError, match="unanswerable"):
            Answer(question="q", kind="unanswerable", text="t", citations=(Citation(1, c, c.text),))

    def test_hit_rank_starts_at_one(self) -> None:
        with pytest.raises(ValueError, match="rank"):
            Hit(chunk=make_chunk(), score=1.0, rank=0)


class TestContract:
    def test_hit_json_has_exactly_the_contract_keys(self) -> None:
        d = Hit(chunk=make_chunk(), score=0.5, rank=1).to_dict()
        assert set(d) == {"rank", "score", "chunk_id", "doc_id", "unit", "year", "title", "section", "text", "source"}
        assert d["section"] == "一、主要做法及成效 > (二)压实法治责任"

    def test_answer_json_has_exactly_the_contract_keys(self) -> None:
        c = make_chunk()
        a = Answer(
            question="q", kind="lookup", text="3576条[1]", citations=(Citation(1, c, "3576条"),), units=(c.unit,)
        )
        d = a.to_dict()
        assert set(d) == {"question", "kind", "answer", "units", "candidates", "silent", "citations", "notices"}
        assert set(d["citations"][0]) == {
            "n",
            "chunk_id",
            "doc_id",
            "unit",
            "year",
            "section",
            "quote",
            "text",
            "source",
        }
