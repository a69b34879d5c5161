from __future__ import annotations

import pytest

from rag.segmentation import Segmenter

SEG = Segmenter()


class TestUserDictionary:
    @pytest.mark.parametrize("term", ["法律明白人", "枫桥经验", "三重一大", "粤平安", "高效办成一件事"])
    def test_domain_term_stays_one_token(self, term: str) -> None:
        assert term in SEG.tokens(f"我镇开展{term}工作")

    def test_stopwords_and_punctuation_are_dropped(self) -> None:
        toks = SEG.tokens("哪些单位的调解成功率达到100%?")
        assert "的" not in toks and "?" not in toks and "哪些" not in toks
        assert "100%" in toks  # a rate stays one token, matching "成功率达100%"

    def test_full_width_digits_match_ascii(self) -> None:
        assert "3576" in SEG.tokens("主动公开政府信息３５７６条")
