"""`rag mcp`: the index as an MCP server over stdio, on the official SDK (`mcp`, extra rag[mcp]).

Tools return the CLI's JSON (`rag search --json`, `rag ask --json`, `rag reports --json`), citations
included, so an assistant quotes the same passages a person sees. A user's mistake (an unknown unit,
an empty question) comes back as a tool error of one line, never a crash of the server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from rag.answer import ask as answer_question
from rag.errors import RagError
from rag.retrieve import Retriever

INSTRUCTIONS = (
    "Cited answers over Chinese government annual reports (法治政府建设年度报告, 政府信息公开工作年度报告, "
    "政府工作报告 …). `ask` answers with numbered citations [n], each naming the unit, year, section and "
    "quote; for 'which units' questions it also lists the reports that say nothing. `search` returns "
    "passages; `ledger` every figure the reports state (exhaustive: rank or list units by a figure); "
    "`outline` which reports lack a required part; `list_reports` the indexed reports with their unit, "
    "year and kind. Quote the citations."
)


def server(index: Path | str) -> MCPServer:
    """An MCP server over one index, opened now: a missing or broken index fails before serving."""
    retriever = Retriever.open(index)
    app: MCPServer = MCPServer("rag-annual-reports", instructions=INSTRUCTIONS, log_level="WARNING")

    @app.tool()
    def search(
        query: str,
        k: int = 5,
        unit: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        region: str | None = None,
        section: str | None = None,
    ) -> dict[str, Any]:
        """Passages of the reports ranked for a query (hybrid: e5 meaning + BM25 words). Filters: unit
        (full or short name, 霞山区), year reported on, kind (政府工作报告, 信息公开 …), region (河源市),
        section (举措成效, 第一责任人履职, 存在不足, 下一年度安排, 其他)."""
        try:
            hits = retriever.search(query, k=k, unit=unit, year=year, kind=kind, region=region, section=section)
        except RagError as exc:
            raise ToolError(str(exc)) from exc
        return {"query": query, "hits": [h.to_dict() for h in hits]}

    @app.tool()
    def ask(
        question: str,
        unit: str | None = None,
        year: int | None = None,
        kind: str | None = None,
        region: str | None = None,
        section: str | None = None,
    ) -> dict[str, Any]:
        """A short answer in which every claim cites a passage: a figure of one unit, the units that
        meet a condition (and the reports silent on it), a comparison, or that the reports do not say."""
        try:
            answer = answer_question(
                retriever, question, unit=unit, year=year, kind=kind, region=region, section=section
            )
        except RagError as exc:
            raise ToolError(str(exc)) from exc
        return answer.to_dict()

    @app.tool()
    def ledger(
        indicator: str | None = None, unit: str | None = None, year: int | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        """Every figure the reports state (indicator, value, measure, qualifier, the verbatim span, unit,
        year, section), filtered: exhaustive over all reports, for ranking or listing units by a figure."""
        try:
            rows = retriever.ledger_rows(indicator=indicator, unit=unit, year=year, kind=kind)
        except RagError as exc:
            raise ToolError(str(exc)) from exc
        return [r.to_dict() for r in rows]

    @app.tool()
    def outline() -> list[dict[str, Any]]:
        """The completeness matrix: for each report, whether it has each part the rules ask for (举措成效,
        第一责任人履职, 存在不足, 下一年度安排: present, only mentioned, missing) and if it was published late."""
        try:
            return [r.to_dict() for r in retriever.outline()]
        except RagError as exc:
            raise ToolError(str(exc)) from exc

    @app.tool()
    def list_reports() -> list[dict[str, Any]]:
        """Every indexed report: unit, year reported on, kind, level, place, source file, passages."""
        return [d.to_dict() for d in retriever.documents]

    return app


def serve(index: Path | str) -> None:
    server(index).run("stdio")
