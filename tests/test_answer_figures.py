"""Comparisons read the ledger first: each report's value is its own stated figure for what is asked,
and a number found elsewhere is ranked only if it is named as that (rag.answer.figures)."""

from __future__ import annotations

import pytest

from rag.answer import ask
from rag.answer.figures import Subject
from rag.embedding import OnnxE5Encoder
from rag.ledger import extract
from rag.quantities import quantities_in
from rag.question import Glossary, analyse
from rag.records import Report
from rag.retrieve import Retriever
from rag.segmentation import Segmenter
from rag.store import build_index
from tests.conftest import write_report

CHEZHAN = "浈江区车站街道办事处"
SEGMENTER = Segmenter()


def _subject(question: str, reports: dict[str, str]) -> Subject:
    """The subject over real ledger rows of small reports, every term weighing the same."""
    a = analyse(question, segmenter=SEGMENTER, glossary=Glossary(), unit_aliases=set())
    rows = {
        doc: extract(Report(doc_id=doc, unit=doc, year=2024, title="", published=None, source=doc, text=text))
        for doc, text in reports.items()
    }
    return Subject.of(a, [1.0] * len(a.terms), rows)


def test_a_comparison_value_is_the_reports_ledger_figure_with_its_span_cited(retriever: Retriever) -> None:
    # retrieval alone ranked 车站街道's "开展针对性普法宣传10场" first; the ledger names its 42场 法治宣传活动
    a = ask(retriever, "埔前镇和车站街道,哪个开展的法治宣传活动更多?")
    assert a.kind == "comparison" and a.units[0] == CHEZHAN
    assert a.values[0][1:] == (42.0, "场")
    cited = a.citations[0]
    spans = [r.span for r in retriever.ledger_of(cited.chunk.doc_id) if r.value == 42.0]
    assert spans and any(span in cited.quote for span in spans)


def test_a_word_shared_with_the_subject_does_not_make_a_row_name_it() -> None:
    s = _subject(
        "哪个省份的一般公共预算收入增速最高?",
        {
            "甲": "一般公共预算收入增长6%，软件业务收入增长25%，一般公共预算支出规模增长9%。",
            "乙": "软件业务收入增长30%。",
        },
    )
    assert [r.value for r in s.rows["甲"]] == [6.0]
    assert "乙" not in s.rows


@pytest.mark.parametrize(
    ("quote", "named"),
    [
        ("跨境电商进出口增长180%。", False),  # a part of trade, not its total
        ("社会消费品零售总额增长5.4%。", False),  # another indicator altogether
        ("生产型企业进出口占外贸比重78.7%。", False),  # a share of trade, not its growth
        ("全年外贸进出口总额增长6%。", True),
        ("城镇调查失业率平均为4.2%。", True),  # 平均为 says how, not what
    ],
)
def test_a_value_found_by_retrieval_is_ranked_only_if_named_as_asked(quote: str, named: bool) -> None:
    s = _subject("哪个省份外贸进出口总额和城镇调查失业率谁高?", {"甲": "外贸进出口总额增长12%。城镇调查失业率5%。"})
    q = next(q for q in quantities_in(quote) if q.measure)
    assert s.names(quote, q) is named


def test_a_count_named_after_its_number_is_named() -> None:
    s = _subject("哪个单位的网格员最多?", {"甲": "配备专职网格员60名。"})
    quote = "全镇共87名网格员，实现全覆盖。"
    assert s.names(quote, quantities_in(quote)[0])


def test_a_subject_no_row_names_holds_nothing_back() -> None:
    s = _subject("哪个单位的网格员最多?", {"甲": "全年主动公开政府信息100条。"})
    assert not s.rows and s.names("共87名网格员", quantities_in("共87名网格员")[0])


REPORT = """{unit}2024年政府工作报告
{unit}2024年国民经济和社会发展情况。
一、2024年工作回顾
过去一年，全区经济持续向好。{figures}
二、2025年工作安排
继续扩大对外开放。
"""


@pytest.fixture(scope="module")
def trade(tmp_path_factory: pytest.TempPathFactory, e5: OnnxE5Encoder) -> Retriever:
    folder = tmp_path_factory.mktemp("trade")
    write_report(folder, "甲.txt", REPORT.format(unit="甲县人民政府", figures="外贸进出口总额增长12%，居全市前列。"))
    write_report(
        folder,
        "乙.txt",
        REPORT.format(unit="乙县人民政府", figures="外贸进出口总额突破100亿元，其中跨境电商进出口增长180%。"),
    )
    write_report(
        folder, "丙.txt", REPORT.format(unit="丙县人民政府", figures="外贸进出口总额增长7%，跨境电商进出口增长90%。")
    )
    build_index([folder], folder / "index", encoder=e5)
    return Retriever.open(folder / "index", encoder=e5)


def test_a_value_not_named_as_asked_is_shown_to_check_not_ranked(trade: Retriever) -> None:
    a = ask(trade, "哪个县外贸进出口总额增速最高?")
    assert [(u, v) for u, v, _ in a.values] == [("甲县人民政府", 12.0), ("丙县人民政府", 7.0)]
    note = next(line for line in a.text.splitlines() if line.startswith("未参与比较（数值未写明"))
    assert "乙县人民政府 180%" in note and "90%" not in note
    assert any("跨境电商进出口增长180%" in c.quote for c in a.citations)


def test_a_ranking_by_a_count_reads_every_report_that_states_it(retriever: Retriever) -> None:
    # the question names 主动公开 only; the reports name 主动公开政府信息 (条) or 发布政府信息 (篇)
    a = ask(retriever, "按主动公开条数给各单位排序")
    assert [u for u, _, _ in a.values][:3] == ["河东区政府办公室", "源城区人民政府办公室", "霞山区人民政府办公室"]
    assert [m for _, _, m in a.values][:3] == ["条", "条", "篇"] and "计量单位不同（条、篇）" in a.text


def test_a_figure_with_no_name_of_its_own_is_named_by_its_sentence() -> None:
    s = _subject("哪个省份的粮食产量最高?", {"甲": "粮食总产量820亿斤。"})

    def last(text: str) -> bool:
        return s.names(text, [q for q in quantities_in(text) if q.measure][-1])

    assert last("粮食总产量再上新台阶，突破1600亿斤大关。")
    assert not last("城乡居民人均可支配收入分别增长6.8%和8.3%，粮食生产稳定。")  # named, but not as asked
    assert not last("全省共建成各类设施16000个，粮食产量下降。")  # a figure with a name of its own
