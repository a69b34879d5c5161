"""The evidence judge on real sentences with the real encoder: one facade, backends combined in one place."""

from __future__ import annotations

import tomllib

import pytest

from rag.embedding import E5Encoder
from rag.judge import Judge, Verdict, thresholds
from rag.question import Glossary, analyse
from rag.segmentation import Segmenter
from tests.conftest import ROOT

QUESTION = "哪些单位矛盾纠纷调解成功率达到100%?"


@pytest.fixture(scope="module")
def judge(e5: E5Encoder) -> Judge:
    a = analyse(QUESTION, segmenter=Segmenter(), glossary=Glossary(), unit_aliases=set())
    return Judge(a, [t.weight for t in a.terms], e5.encode_queries([QUESTION])[0])


def verdict(judge: Judge, e5: E5Encoder, sentence: str, context: str = "") -> Verdict:
    return judge.judge(sentence, e5.encode_passages([sentence])[0], quote=sentence, context=context)


def test_thresholds_are_the_shipped_data_file() -> None:
    raw = tomllib.loads((ROOT / "rag" / "data" / "judge.toml").read_text(encoding="utf-8"))
    t = thresholds()
    assert (t.min_coverage, t.qualify_coverage, t.min_similarity) == (
        raw["min_coverage"],
        raw["qualify_coverage"],
        raw["min_similarity"],
    )
    assert set(t.weights) == {"coverage", "similarity", "has_number", "exact_measure", "meets"}


def test_stated_rate_qualifies(judge: Judge, e5: E5Encoder) -> None:
    # 河源市源城区埔前镇人民政府 2024 (seeds/004)
    v = verdict(judge, e5, "共受理矛盾纠纷81宗,调解成功81宗,成功率达100%。")
    assert v.qualifies and v.answers and v.meets
    assert v.reason.startswith("qualifies: coverage")


def test_same_measure_with_another_rate_is_related_not_qualifying(judge: Judge, e5: E5Encoder) -> None:
    v = verdict(judge, e5, "共受理矛盾纠纷50宗,调解成功49宗,调解成功率达98%。")
    assert not v.qualifies and not v.meets and v.answers


def test_unrelated_sentence_neither_answers_nor_qualifies(judge: Judge, e5: E5Encoder) -> None:
    v = verdict(judge, e5, "全年主动公开政府信息3576条。")
    assert not v.answers and not v.qualifies
    assert v.score < verdict(judge, e5, "共受理矛盾纠纷81宗,调解成功81宗,成功率达100%。").score


def test_the_sentence_before_counts_at_a_discount(judge: Judge, e5: E5Encoder) -> None:
    alone = verdict(judge, e5, "成功率达100%。")
    with_subject = verdict(judge, e5, "成功率达100%。", context="全年调解矛盾纠纷81宗。")
    assert with_subject.coverage > alone.coverage
