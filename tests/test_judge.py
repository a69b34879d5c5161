"""The evidence judge on real sentences with the real encoder: one facade, backends combined in one place."""

from __future__ import annotations

import tomllib

import pytest

from rag.embedding import OnnxE5Encoder
from rag.judge import Judge, Verdict, thresholds
from rag.question import Glossary, analyse
from rag.segmentation import Segmenter
from tests.conftest import ROOT

QUESTION = "哪些单位矛盾纠纷调解成功率达到100%?"


@pytest.fixture(scope="module")
def judge(e5: OnnxE5Encoder) -> Judge:
    a = analyse(QUESTION, segmenter=Segmenter(), glossary=Glossary(), unit_aliases=set())
    return Judge(a, [t.weight for t in a.terms], e5.encode_queries([QUESTION])[0])


def verdict(judge: Judge, e5: OnnxE5Encoder, sentence: str, context: str = "") -> Verdict:
    return judge.judge(sentence, e5.encode_passages([sentence])[0], quote=sentence, context=context)


def test_thresholds_are_the_shipped_data_file() -> None:
    raw = tomllib.loads((ROOT / "rag" / "data" / "judge.toml").read_text(encoding="utf-8"))
    t = thresholds()
    assert (t.min_coverage, t.qualify_coverage, t.min_similarity) == (
        raw["min_coverage"],
        raw["qualify_coverage"],
        raw["min_similarity"],
    )
    assert set(t.weights) == {"coverage", "similarity", "has_number", "exact_measure", "meets", "universal", "off_role"}


def test_stated_rate_qualifies(judge: Judge, e5: OnnxE5Encoder) -> None:
    # 河源市源城区埔前镇人民政府 2024 (seeds/004)
    v = verdict(judge, e5, "共受理矛盾纠纷81宗,调解成功81宗,成功率达100%。")
    assert v.qualifies and v.answers and v.meets
    assert v.reason.startswith("qualifies: coverage")


def test_same_measure_with_another_rate_is_related_not_qualifying(judge: Judge, e5: OnnxE5Encoder) -> None:
    v = verdict(judge, e5, "共受理矛盾纠纷50宗,调解成功49宗,调解成功率达98%。")
    assert not v.qualifies and not v.meets and v.answers


def test_unrelated_sentence_neither_answers_nor_qualifies(judge: Judge, e5: OnnxE5Encoder) -> None:
    v = verdict(judge, e5, "全年主动公开政府信息3576条。")
    assert not v.answers and not v.qualifies
    assert v.score < verdict(judge, e5, "共受理矛盾纠纷81宗,调解成功81宗,成功率达100%。").score


def test_the_sentence_before_counts_at_a_discount(judge: Judge, e5: OnnxE5Encoder) -> None:
    alone = verdict(judge, e5, "成功率达100%。")
    with_subject = verdict(judge, e5, "成功率达100%。", context="全年调解矛盾纠纷81宗。")
    assert with_subject.coverage > alone.coverage


def _judge_for(question: str, e5: OnnxE5Encoder) -> Judge:
    a = analyse(question, segmenter=Segmenter(), glossary=Glossary(), unit_aliases=set())
    return Judge(a, [t.weight for t in a.terms], e5.encode_queries([question])[0])


def test_a_quoted_name_is_required(e5: OnnxE5Encoder) -> None:
    j = _judge_for("哪些报告提到了“八五”普法?", e5)
    # 青海省 2025 government work report: 普法 without 八五 (a near miss, development corpus)
    assert not verdict(j, e5, "“菜单式”普法和“15分钟公共法律服务圈”惠民便企。").qualifies
    assert verdict(j, e5, "深入实施“八五”普法规划,开展法治宣传进万家活动。").qualifies


def test_a_quoted_date_matches_however_it_is_punctuated(e5: OnnxE5Encoder) -> None:
    j = _judge_for("哪些单位利用“3·15”消费者权益保护日开展普法宣传?", e5)
    assert verdict(j, e5, "利用3.15消费者权益保护日开展普法宣传活动2场。").qualifies


def test_an_absence_asked_needs_an_absence_stated(e5: OnnxE5Encoder) -> None:
    j = _judge_for("哪些省份一年里没出过重特大安全事故?", e5)
    assert j.a.negative
    # a plan to prevent is not a year without (河北省 / 湖北省 2025 government work reports)
    assert not verdict(j, e5, "深化安全生产治本攻坚三年行动,坚决遏制重特大事故发生。").qualifies
    assert verdict(j, e5, "安全生产治本攻坚有力推进,没有发生重特大事故。").qualifies
    # 清零 of hidden dangers is a goal, not a year without accidents (北京市 2025)
    assert not verdict(j, e5, "提升问题排查整治质效,推动重大事故隐患动态清零。").qualifies


def test_a_synonym_of_the_asked_rate_meets_the_constraint(e5: OnnxE5Encoder) -> None:
    j = _judge_for("哪些单位的干部参加法律知识考试,通过率是百分之百?", e5)
    v = verdict(j, e5, "领导干部参加法律知识考试,合格率达100%。")
    assert v.meets and v.qualifies


def test_english_questions_are_judged_by_the_second_encoder(e5: OnnxE5Encoder) -> None:
    from rag.judge.universal import Universal

    q = "What share of China's cotton output came from Xinjiang in 2024?"
    a = analyse(q, segmenter=Segmenter(), glossary=Glossary(), unit_aliases=set())
    j = Judge(a, [t.weight for t in a.terms], e5.encode_queries([q])[0], universal=Universal(q))
    # 新疆 2025 government work report: e5 ranks the fruit sentence above the cotton one
    cotton, fruit = "棉花总产568.6万吨、占全国92.2%。", "果蔬产业提质增效，果品产量达到1400万吨，蔬菜产量2313万吨。"
    j.prepare([cotton, fruit])
    vc, vf = verdict(j, e5, cotton), verdict(j, e5, fruit)
    assert vc.universal is not None and vf.universal is not None
    assert vc.universal > vf.universal and vc.score > vf.score
    assert "universal" in vc.reason


def test_a_number_belongs_to_the_topic_of_its_own_clause(e5: OnnxE5Encoder) -> None:
    j = _judge_for("哪些省份2024年经济增速超过了6%?", e5)
    # 河北省 2025 government work report: 7.5% is the growth of industry, not of the economy
    assert not verdict(j, e5, "全省生产总值增长5.4%，规上工业增加值增长7.5%。").meets
    assert verdict(j, e5, "全疆地区生产总值同比增长6.1%、突破2万亿元大关").meets


def test_below_excludes_the_number_and_a_target_is_not_a_result(e5: OnnxE5Encoder) -> None:
    j = _judge_for("哪些省份2024年地区生产总值增速低于5%?", e5)
    assert not verdict(j, e5, "全市生产总值增长5%，城市经济规模进入了5万亿元以上的新阶段。").meets
    assert not verdict(j, e5, "主要预期目标是：地区生产总值增长4.5%左右。").meets
    assert verdict(j, e5, "全省生产总值增长2.7%").meets


def test_a_list_asking_how_many_needs_a_number(e5: OnnxE5Encoder) -> None:
    j = _judge_for("哪些省份报告了办理法律援助案件多少件?", e5)
    assert not verdict(j, e5, "健全法律援助制度,方便群众办理法律援助案件。").qualifies
    assert verdict(j, e5, "完善公共法律服务体系，办理法律援助案件7.6万件。").qualifies


def test_a_question_about_all_needs_a_statement_about_all(e5: OnnxE5Encoder) -> None:
    j = _judge_for("哪些单位说收到的信息公开申请都已按时答复了?", e5)
    assert j.a.every
    assert not verdict(j, e5, "不断优化办理流程,及时准确答复信息公开申请。").qualifies
    assert verdict(j, e5, "收到依申请公开信息16件,已全部按期限答复办结。").qualifies


def test_the_plan_part_of_a_report_states_no_result(e5: OnnxE5Encoder) -> None:
    # 2025 provincial government work reports: the same words under the year's review and under 2025's tasks
    j = _judge_for("哪些省份2024年已经实现零就业家庭动态清零?", e5)
    done = "零就业家庭实现动态清零。"
    plan_v = j.judge(done, e5.encode_passages([done])[0], quote=done, role="plan", year=2024)
    done_v = j.judge(done, e5.encode_passages([done])[0], quote=done, role="result", year=2024)
    assert done_v.qualifies and not plan_v.qualifies and plan_v.candidate
    assert done_v.score > plan_v.score


def test_numbers_in_the_plan_part_are_targets(e5: OnnxE5Encoder) -> None:
    results = _judge_for("2024年城镇新增就业超过100万人的有哪些省份?", e5)
    targets = _judge_for("哪些省份2025年城镇新增就业的预期目标超过100万人?", e5)
    assert targets.a.constraints
    plan = "城镇新增就业110万人以上。"
    vec = e5.encode_passages([plan])[0]
    assert not results.judge(plan, vec, quote=plan, role="plan", year=2024).meets
    assert results.judge("城镇新增就业124.5万人。", vec, quote="城镇新增就业124.5万人。", year=2024).meets
    assert targets.judge(plan, vec, quote=plan, role="plan", year=2024).meets
    assert not targets.judge("城镇新增就业124.5万人。", vec, quote="城镇新增就业124.5万人。", year=2024).meets


def test_the_shortfalls_part_answers_only_questions_about_shortfalls(e5: OnnxE5Encoder) -> None:
    s = "部分干部运用法治思维解决问题的能力不足。"
    vec = e5.encode_passages([s])[0]
    assert not _judge_for("哪些单位提升了干部运用法治思维的能力?", e5).judge(s, vec, quote=s, role="shortfall").answers
    # a question about what reports mention takes any part of them
    assert _judge_for("哪些报告提到干部运用法治思维的能力?", e5).judge(s, vec, quote=s, role="shortfall").answers
    assert _judge_for("哪些单位说干部运用法治思维的能力存在不足?", e5).judge(s, vec, quote=s, role="shortfall").answers
