"""Issue 26: the frame of a question never changes its answer; the variant generator makes the
variants eval/variants.py gates on, and skips the rules that do not apply."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from rag.answer import ask
from rag.question.frame import plain
from rag.retrieve import Retriever
from tests.conftest import ROOT


def _variants_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("eval_variants", ROOT / "eval" / "variants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["eval_variants"] = module
    spec.loader.exec_module(module)
    return module


class TestPlain:
    @pytest.mark.parametrize(
        ("asked", "plain_form"),
        [
            ("帮我查一下，哪些单位建设了法治文化阵地?", "哪些单位建设了法治文化阵地?"),
            ("哪些单位建设了法治文化阵地？谢谢", "哪些单位建设了法治文化阵地?"),
            ("哪些单位建设了法治文化阵地", "哪些单位建设了法治文化阵地?"),
            ("说收到的申请都已按时答复了的单位有哪些?", "哪些单位说收到的申请都已按时答复了?"),
            ("哪些报告说到了“三重一大”决策?", "哪些报告提到了“三重一大”决策?"),
            ("哪些单位2024年度开展了普法?", "哪些单位2024年开展了普法?"),
            ("请列出建设了法治文化阵地的单位。", "哪些单位建设了法治文化阵地?"),
            ("哪几个单位提到了法律明白人?", "哪些单位提到了法律明白人?"),
            ("哪几家单位提到了法律明白人?", "哪些单位提到了法律明白人?"),
            ("哪些地方坚持枫桥经验?", "哪些单位坚持枫桥经验?"),
            ("麻烦您，我想了解一下霞山区主动公开了多少条?", "霞山区主动公开了多少条?"),
            ("Which units trained staff? Thanks", "Which units trained staff?"),
        ],
    )
    def test_the_frame_goes(self, asked: str, plain_form: str) -> None:
        assert plain(asked) == plain_form

    @pytest.mark.parametrize("asked", ["请问?", "列出所有单位?", "哪个单位主动公开最多?", "哪些地方性法规?"])
    def test_what_is_not_a_frame_stays(self, asked: str) -> None:
        assert plain(asked) == asked

    def test_the_answer_keeps_the_words_the_user_wrote(self, retriever: Retriever) -> None:
        asked = "帮我查一下，哪些单位提到了法律明白人？谢谢"
        a, b = ask(retriever, asked), ask(retriever, "哪些单位提到了法律明白人?")
        assert a.question == asked and (a.units, a.candidates) == (b.units, b.candidates)


class TestGenerator:
    def test_rules_apply_where_they_fit_and_the_region_covers_every_listed_unit(self, retriever: Retriever) -> None:
        v = _variants_module()
        docs = list(retriever.documents)
        q = "哪些单位开展了“法治副校长进校园”活动?"
        original = ask(retriever, q)
        made = v.variants(q, original, docs)
        rules = {x.rule for x in made}
        assert {"which", "polite"} <= rules and "threshold" not in rules and "english" not in rules
        listed = {*original.units, *original.candidates}
        for x in (x for x in made if x.rule == "region"):
            region = x.question.split("哪些")[0].removesuffix("的")
            places = [d.place for d in docs if d.unit in listed]
            assert all(any(p.startswith(region) for p in place) for place in places), x.question

    def test_a_threshold_and_a_year_are_varied_only_when_asked(self, retriever: Retriever) -> None:
        v = _variants_module()
        docs = list(retriever.documents)
        q = "哪些单位矛盾纠纷调解成功率达到100%?"
        made = {x.question for x in v.variants(q, ask(retriever, q), docs)}
        assert "哪些单位矛盾纠纷调解成功率为百分之百?" in made
        assert not any("年度" in m for m in made)
        year_q = "2025年哪些单位主动公开了政府信息?"
        assert "2025年度哪些单位主动公开了政府信息?" in {
            x.question for x in v.variants(year_q, ask(retriever, year_q), docs)
        }

    def test_the_seed_variants_keep_their_answers(self, seed_index: Path) -> None:
        v = _variants_module()
        result = v.run(ROOT / "eval" / "questions.jsonl", seed_index)
        assert result["variants"] >= 200
        failing = [r for r in result["rows"] if not r["same"]]
        assert result["rate"] >= 0.98, failing[:5]
