"""Issue 14: the retriever inside the tools people use. Each is driven through its own library's call:
the MCP SDK's client over stdio against `rag mcp`, LangChain's invoke/batch, LlamaIndex's retrieve and
a RetrieverQueryEngine."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rag.answer import ask
from rag.retrieve import Retriever

ROOT = Path(__file__).resolve().parents[1]
LOOKUP = "霞山区2025年主动公开了多少条政府信息?"
LIST = "哪些单位开展了法律明白人培训?"
XIASHAN = "霞山区人民政府办公室"


def _cli_json(*args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "rag.cli", *args, "--json"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout)


class TestMcp:
    @pytest.fixture(scope="class")
    def calls(self, seed_index: Path) -> dict[str, Any]:
        """One `rag mcp` process, spawned and spoken to by the SDK's own stdio client."""
        from mcp import Client
        from mcp.client.stdio import StdioServerParameters

        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "rag.cli", "mcp", "--index", str(seed_index)],
            env={"HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "2", "PYTHONPATH": str(ROOT)},
            cwd=str(ROOT),
        )

        async def session() -> dict[str, Any]:
            async with Client(params, read_timeout_seconds=120) as client:
                tools = await client.list_tools()
                return {
                    "tools": {t.name: t for t in tools.tools},
                    "ask": await client.call_tool("ask", {"question": LOOKUP}),
                    "list": await client.call_tool("ask", {"question": LIST}),
                    "search": await client.call_tool("search", {"query": "禁毒主题公园", "k": 3, "unit": "霞山区"}),
                    "reports": await client.call_tool("list_reports", {}),
                    "ledger": await client.call_tool("ledger", {"indicator": "主动公开政府信息"}),
                    "outline": await client.call_tool("outline", {}),
                    "bad unit": await client.call_tool("search", {"query": "禁毒", "unit": "不存在的单位"}),
                    "empty": await client.call_tool("ask", {"question": "  "}),
                }

        return asyncio.run(asyncio.wait_for(session(), timeout=300))

    def test_tools_are_listed_with_their_arguments(self, calls: dict[str, Any]) -> None:
        tools = calls["tools"]
        assert set(tools) == {"search", "ask", "ledger", "outline", "list_reports"}
        assert {"query", "k", "unit", "year", "kind", "region"} <= set(tools["search"].input_schema["properties"])
        assert tools["ask"].input_schema["required"] == ["question"]

    def test_ask_returns_the_clis_json_with_citations(self, calls: dict[str, Any], seed_index: Path) -> None:
        result = calls["ask"]
        assert not result.is_error
        assert result.structured_content == _cli_json("ask", LOOKUP, "--index", str(seed_index))
        assert "3522" in result.structured_content["answer"]
        assert result.structured_content["citations"][0]["unit"] == XIASHAN

    def test_a_which_units_answer_names_the_silent_reports(self, calls: dict[str, Any], retriever: Retriever) -> None:
        got = calls["list"].structured_content
        want = ask(retriever, LIST).to_dict()
        assert got["units"] == want["units"] and got["units"]
        assert "未提及" in got["answer"] or "每份报告都有提及" in got["answer"]

    def test_search_filters_by_unit(self, calls: dict[str, Any]) -> None:
        hits = calls["search"].structured_content["hits"]
        assert 0 < len(hits) <= 3
        assert {h["unit"] for h in hits} == {XIASHAN}

    def test_list_reports_is_the_clis_list(self, calls: dict[str, Any], seed_index: Path) -> None:
        listed = calls["reports"].structured_content["result"]
        assert listed == _cli_json("reports", "--index", str(seed_index)) and len(listed) == 5

    def test_ledger_lists_every_reports_figure_of_an_indicator(
        self, calls: dict[str, Any], retriever: Retriever
    ) -> None:
        rows = calls["ledger"].structured_content["result"]
        assert rows == [r.to_dict() for r in retriever.ledger() if r.indicator == "主动公开政府信息"]
        assert len({r["unit"] for r in rows}) >= 2

    def test_outline_is_the_completeness_matrix(self, calls: dict[str, Any], retriever: Retriever) -> None:
        assert calls["outline"].structured_content["result"] == [r.to_dict() for r in retriever.outline()]

    def test_a_users_mistake_is_a_one_line_tool_error(self, calls: dict[str, Any]) -> None:
        for name in ("bad unit", "empty"):
            result = calls[name]
            assert result.is_error
            message = result.content[0].text
            assert "\n" not in message and "Traceback" not in message
        assert "不存在的单位" in calls["bad unit"].content[0].text

    def test_a_missing_index_fails_in_one_line_before_serving(self, tmp_path: Path) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "rag.cli", "mcp", "--index", str(tmp_path / "none")],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
            timeout=120,
            check=False,
        )
        assert done.returncode == 1
        assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
        assert str(tmp_path / "none") in done.stderr


class TestLangChain:
    def test_invoke_returns_documents_with_metadata_and_filters(self, retriever: Retriever) -> None:
        from langchain_core.documents import Document

        from rag.integrations.langchain import RagRetriever

        lc = RagRetriever(retriever=retriever, k=4)
        docs = lc.invoke("主动公开政府信息")
        assert 0 < len(docs) <= 4 and all(isinstance(d, Document) for d in docs)
        first = docs[0]
        assert {"unit", "year", "kind", "section", "source", "chunk_id"} <= set(first.metadata)
        hits = retriever.search("主动公开政府信息", k=4)
        assert [d.id for d in docs] == [h.chunk.chunk_id for h in hits]
        assert [d.page_content for d in docs] == [h.chunk.text for h in hits]
        only = lc.invoke("主动公开政府信息", unit="霞山区", k=2)
        assert {d.metadata["unit"] for d in only} == {XIASHAN} and len(only) <= 2

    def test_inside_a_chain(self, retriever: Retriever) -> None:
        from langchain_core.runnables import RunnableLambda

        from rag.integrations.langchain import RagRetriever

        chain = RagRetriever(retriever=retriever, unit="霞山区") | RunnableLambda(
            lambda docs: [f"{d.metadata['unit']}·{d.metadata['section']}" for d in docs]
        )
        outs = chain.batch(["禁毒主题公园", "行政复议"])
        assert len(outs) == 2 and all(o and all(s.startswith(XIASHAN) for s in o) for o in outs)

    def test_an_unknown_argument_is_refused(self, retriever: Retriever) -> None:
        from rag.integrations.langchain import RagRetriever

        with pytest.raises(TypeError, match="unknown argument 'units'"):
            RagRetriever(retriever=retriever).invoke("禁毒", units="霞山区")


class TestLlamaIndex:
    def test_retrieve_returns_nodes_with_metadata(self, retriever: Retriever) -> None:
        from rag.integrations.llamaindex import RagRetriever

        nodes = RagRetriever(retriever, similarity_top_k=3).retrieve("法律顾问审查合同")
        hits = retriever.search("法律顾问审查合同", k=3)
        assert [n.node.node_id for n in nodes] == [h.chunk.chunk_id for h in hits]
        assert [n.score for n in nodes] == pytest.approx([h.score for h in hits])
        assert {"unit", "year", "kind", "section", "source"} <= set(nodes[0].node.metadata)

    def test_metadata_filters_pass_through(self, retriever: Retriever) -> None:
        from llama_index.core.vector_stores.types import ExactMatchFilter, MetadataFilters

        from rag.errors import InputError
        from rag.integrations.llamaindex import RagRetriever

        year = max(retriever.years)
        filters = MetadataFilters(
            filters=[ExactMatchFilter(key="unit", value="霞山区"), ExactMatchFilter(key="year", value=year)]
        )
        nodes = RagRetriever(retriever, filters=filters).retrieve("行政复议")
        assert nodes and {(n.node.metadata["unit"], n.node.metadata["year"]) for n in nodes} == {(XIASHAN, year)}
        with pytest.raises(InputError, match="source"):
            RagRetriever(retriever, filters=MetadataFilters(filters=[ExactMatchFilter(key="source", value="x")]))

    def test_inside_a_query_engine(self, retriever: Retriever) -> None:
        from llama_index.core.llms import MockLLM
        from llama_index.core.query_engine import RetrieverQueryEngine

        from rag.integrations.llamaindex import RagRetriever

        engine = RetrieverQueryEngine.from_args(RagRetriever(retriever, unit="霞山区"), llm=MockLLM())
        response = engine.query("禁毒主题公园在哪里?")
        assert response.source_nodes
        assert {n.node.metadata["unit"] for n in response.source_nodes} == {XIASHAN}


def test_import_rag_imports_no_integration_library() -> None:
    libraries = "('mcp', 'langchain_core', 'llama_index')"
    code = f"import sys, rag; rag.Retriever; print(sorted(m for m in {libraries} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"
