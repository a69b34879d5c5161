from __future__ import annotations

from pathlib import Path

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


def test_a_question_segmenter_cuts_as_a_corpus_segmenter_does() -> None:
    """Issue 29: the searched dictionary (Segmenter(questions=True)) gives the tokens, words and tags
    of the dict jieba builds, on every line of the seed reports and every development question."""
    import json

    lines = [line for p in sorted((ROOT / "seeds").iterdir()) for line in p.read_text(encoding="utf-8").splitlines()]
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open(encoding="utf-8")]
    searched = Segmenter(questions=True)
    for text in [*lines, *questions]:
        assert searched.tokens(text) == SEG.tokens(text), text
        assert searched.words(text) == SEG.words(text), text
    for text in questions:
        assert searched.tagged(text) == SEG.tagged(text), text


class TestTagTable:
    """Issue 29: jieba's 350,000 word tags are searched in sorted arrays from this user's cache, not
    built into a dict by every process; every tag is jieba's own."""

    def test_every_tag_is_jiebas_and_posseg_itself_still_tags(self) -> None:
        import subprocess
        import sys

        code = (
            "from rag.segmentation import Segmenter\n"
            "from rag.segmentation.tables import ArrayTable\n"
            "s = Segmenter(); print(s.tagged('法律明白人培训'))\n"
            "import jieba.posseg as p\n"
            "assert isinstance(p.dt.word_tag_tab, ArrayTable)\n"
            "print([tuple(x) for x in p.lcut('我爱北京天安门')])\n"
            "import jieba\n"
            "real = {}\n"
            "for line in open(jieba.__file__.replace('__init__.py', 'dict.txt'), encoding='utf-8'):\n"
            "    w, _, t = line.split()\n"
            "    real[w] = t\n"
            "table = p.dt.word_tag_tab\n"
            "print(sum(table.get(w) != t for w, t in real.items()), table.get('并非一个词语xyz', 'x'))\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        lines = out.stdout.splitlines()
        assert lines[0] == "[('法律明白人', 'n'), ('培训', 'vn')]"  # our user dictionary's tag, then jieba's
        assert lines[1] == "[('我', 'r'), ('爱', 'v'), ('北京', 'ns'), ('天安门', 'ns')]"
        assert lines[2] == "0 x"

    @pytest.mark.parametrize("damage", ["writable", "garbage", "link"])
    def test_a_cache_file_not_to_trust_is_not_read(self, damage: str, tmp_path: Path) -> None:
        import jieba

        from rag.segmentation import tables
        from rag.usercache import cache_path, read_owned

        tables.tag_table()
        cache = cache_path("jieba-tags", Path(jieba.__file__).with_name("dict.txt"), ".npy")
        assert cache.stat().st_mode & 0o777 == 0o600
        target = cache
        if damage == "writable":
            cache.chmod(0o666)
        elif damage == "garbage":
            cache.write_bytes(b"PK\x03\x04 not an archive")
        else:
            target = tmp_path / "planted.npz"
            target.symlink_to(cache)
        assert read_owned(target, tables._read) is None
        cache.unlink()
        tables._tables.clear()
        assert tables.tag_table().get("培训") == "vn"  # parsed again, and cached again
        assert read_owned(cache, tables._read) is not None
