from __future__ import annotations

import pytest

from rag.fusion import rrf


class TestRRF:
    def test_scores_match_hand_computation(self) -> None:
        fused = dict(rrf([[1, 2, 3], [3, 1]], k=60))
        assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
        assert fused[2] == pytest.approx(1 / 62)
        assert fused[3] == pytest.approx(1 / 63 + 1 / 61)

    def test_item_first_in_both_wins(self) -> None:
        assert rrf([[5, 6], [5, 7]])[0][0] == 5

    def test_zero_weight_side_is_ignored(self) -> None:
        assert [i for i, _ in rrf([[1, 2], [9, 8]], [1.0, 0.0])] == [1, 2]

    def test_weights_must_match_rankings(self) -> None:
        with pytest.raises(ValueError, match="weights"):
            rrf([[1]], [1.0, 2.0])


class TestWeightedSum:
    def test_scores_are_min_max_normalised_then_weighted(self) -> None:
        from rag.fusion import weighted_sum

        fused = dict(weighted_sum([[(1, 0.9), (2, 0.7), (3, 0.5)], [(2, 10.0), (3, 0.0)]], [0.6, 0.4]))
        assert fused[1] == pytest.approx(0.6)
        assert fused[2] == pytest.approx(0.6 * 0.5 + 0.4)
        assert fused[3] == pytest.approx(0.0)

    def test_large_lexical_gap_beats_a_tiny_dense_gap(self) -> None:
        from rag.fusion import weighted_sum

        dense = [(1, 0.931), (2, 0.925), (3, 0.80)]
        lexical = [(2, 11.3), (1, 2.0), (3, 1.0)]
        assert weighted_sum([dense, lexical], [0.6, 0.4])[0][0] == 2
        assert rrf([[1, 2, 3], [2, 1, 3]])[0][0] == 1  # RRF ties them and keeps first-seen order
