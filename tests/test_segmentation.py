from __future__ import annotations

import pytest

from rag.segmentation import Segmenter
from tests.conftest import ROOT

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


def test_the_word_tag_table_is_read_once_per_process() -> None:
    """Issue 29: importing jieba.posseg reads its 350,000-line tag table; our tokenizer reuses it
    instead of reading it again (0.6 s of every cold `rag ask`)."""
    import subprocess
    import sys

    code = (
        "import jieba.posseg as p\n"
        "calls = []\n"
        "real = p.POSTokenizer.load_word_tag\n"
        "p.POSTokenizer.load_word_tag = lambda self, f: (calls.append(1), real(self, f))[1]\n"
        "from rag.segmentation import Segmenter\n"
        "s = Segmenter()\n"
        "s.tagged('哪些单位开展了领导干部述法?'); s.tagged('法律明白人')\n"
        "print(len(calls), s.tagged('法律明白人'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.startswith("0 [('法律明白人', 'n')]"), out.stdout + out.stderr
