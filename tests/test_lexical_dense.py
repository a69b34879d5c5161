"""LexicalIndex and DenseIndex share one shape: build, search(k, allowed), save, load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.dense import DenseIndex
from rag.errors import IndexStateError
from rag.lexical import LexicalIndex

DOCS = [["法律明白人", "培训"], ["政府信息", "主动公开", "3576"], ["矛盾纠纷", "调解", "成功率"], []]


class TestLexical:
    def test_best_match_first_and_unmatched_rows_left_out(self) -> None:
        idx = LexicalIndex.build(DOCS)
        hits = idx.search(["主动公开", "3576"], k=4)
        assert hits[0][0] == 1 and len(hits) == 1

    def test_allowed_mask_restricts_rows(self) -> None:
        idx = LexicalIndex.build(DOCS)
        allowed = np.array([True, False, True, True])
        assert idx.search(["主动公开"], k=4, allowed=allowed) == []

    def test_save_and_load_round_trip(self, tmp_path: Path) -> None:
        idx = LexicalIndex.build(DOCS)
        idx.save(tmp_path)
        again = LexicalIndex.load(tmp_path)
        assert np.allclose(again.scores(["调解"]), idx.scores(["调解"]))

    def test_unknown_tokens_score_nothing(self) -> None:
        assert not LexicalIndex.build(DOCS).scores(["不存在的词"]).any()

    def test_missing_folder_is_an_index_state_error(self, tmp_path: Path) -> None:
        with pytest.raises(IndexStateError, match="rag build"):
            LexicalIndex.load(tmp_path / "nope")


def _unit_rows(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class TestDense:
    def test_exact_index_returns_nearest_first(self) -> None:
        rows = _unit_rows(50, 16, 0)
        idx = DenseIndex.build(rows)
        assert idx.kind == "flat"
        assert idx.search(rows[7], k=3)[0][0] == 7

    def test_allowed_mask_is_applied_inside_faiss(self) -> None:
        rows = _unit_rows(50, 16, 1)
        allowed = np.zeros(50, dtype=bool)
        allowed[10:20] = True
        hits = DenseIndex.build(rows).search(rows[3], k=5, allowed=allowed)
        assert len(hits) == 5 and all(10 <= r < 20 for r, _ in hits)

    def test_hnsw_recall_against_exact_is_high(self) -> None:
        rows = _unit_rows(3000, 32, 2)
        queries = _unit_rows(50, 32, 3)
        exact = DenseIndex.build(rows)
        approx = DenseIndex.build(rows, hnsw_threshold=1000)
        assert approx.kind == "hnsw"
        assert approx.settings == {"kind": "hnsw", "M": 32, "ef_construction": 200, "ef_search": 512}
        recall = np.mean(
            [len({r for r, _ in exact.search(q, 10)} & {r for r, _ in approx.search(q, 10)}) / 10 for q in queries]
        )
        assert recall >= 0.95

    def test_save_and_load_round_trip(self, tmp_path: Path) -> None:
        rows = _unit_rows(20, 8, 4)
        DenseIndex.build(rows).save(tmp_path / "d.faiss")
        again = DenseIndex.load(tmp_path / "d.faiss")
        assert again.size == 20 and again.search(rows[5], 1)[0][0] == 5

    def test_corrupt_file_is_an_index_state_error(self, tmp_path: Path) -> None:
        (tmp_path / "d.faiss").write_bytes(b"garbage")
        with pytest.raises(IndexStateError, match="corrupt"):
            DenseIndex.load(tmp_path / "d.faiss")


class TestDenseRows:
    def test_rows_are_the_stored_vectors_flat_or_hnsw(self) -> None:
        import numpy as np

        from rag.dense import DenseIndex

        v = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        for threshold in (10, 5000):  # above it HNSW, below it exact
            dense = DenseIndex.build(v, hnsw_threshold=threshold)
            assert np.array_equal(dense.rows(), v)
