"""`rag mcp`: the index as an MCP server over stdio, on the official SDK (`mcp`, extra rag[mcp]).

Tools return the CLI's JSON (`rag search --json`, `rag ask --json`, `rag reports --json`), citations
included, so an assistant quotes the same passages a person sees. A user's mistake (an unknown unit,
an empty question, a question over 2,000 characters) comes back as a tool error of one line, never a
crash of the server. On stdio the guard (mcp_guard.py) answers every request, malformed or slow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.message import SessionMessage
from pydantic import Field

from rag.answer import ask as answer_question
from rag.errors import RagError
from rag.integrations.mcp_guard import CALL_TIMEOUT, Guard, claimed_stdio
from rag.retrieve import Retriever
from rag.retrieve.retriever import MAX_QUERY_CHARS

INSTRUCTIONS = (
    "Cited answers over Chinese government annual reports (法治政府建设年度报告, 政府信息公开工作年度报告, "
    "政府工作报告 …). `ask` answers with numbered citations [n], each naming the unit, year, section and "
    "quote; for 'which units' questions it also lists the reports that say nothing. `search` returns "
    "passages; `ledger` every figure the reports state (exhaustive: rank or list units by a figure); "
    "`outline` which reports lack a required part; `list_reports` the indexed reports with their unit, "
    "year and kind. Quote the citations."
)

LIMITS = {
    "query": MAX_QUERY_CHARS,
    "question": MAX_QUERY_CHARS,
    "unit": 100,
    "kind": 40,
    "region": 60,
    "section": 20,
    "indicator": 60,
}
"""Most characters each text argument takes: the HTTP API's limits (rag/api.py). Checked before any work,
so a 1 MB question is refused at once instead of being analysed (the answer path never checks its length)."""
MAX_K = 50
"""Most passages `search` returns, as `GET /api/search?k=`."""


def _limit(name: str) -> Any:
    """The limit shown in the tool's input schema; the tool checks it itself, for a one-line error."""
    return Field(json_schema_extra={"maxLength": LIMITS[name]})


Query = Annotated[str, _limit("query")]
Question = Annotated[str, _limit("question")]
Unit = Annotated[str | None, _limit("unit")]
Kind = Annotated[str | None, _limit("kind")]
Region = Annotated[str | None, _limit("region")]
Section = Annotated[str | None, _limit("section")]
Indicator = Annotated[str | None, _limit("indicator")]
PassageCount = Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": MAX_K})]


def check_arguments(**arguments: object) -> None:
    """Raise a one-line ToolError naming the first argument over its limit."""
    for name, value in arguments.items():
        if isinstance(value, str) and len(value) > LIMITS[name]:
            raise ToolError(f"{name}: longer than {LIMITS[name]} characters")
        if name == "k" and isinstance(value, int) and not 1 <= value <= MAX_K:
            raise ToolError(f"k: must be between 1 and {MAX_K}, got {value}")


def server(index: Path | str) -> MCPServer:
    """An MCP server over one index, opened now: a missing or broken index fails before serving."""
    retriever = Retriever.open(index)
    app: MCPServer = MCPServer("rag-annual-reports", instructions=INSTRUCTIONS, log_level="WARNING")

    @app.tool()
    def search(
        query: Query,
        k: PassageCount = 5,
        unit: Unit = None,
        year: int | None = None,
        kind: Kind = None,
        region: Region = None,
        section: Section = None,
    ) -> dict[str, Any]:
        """Passages of the reports ranked for a query (hybrid: e5 meaning + BM25 words). Filters: unit
        (full or short name, 霞山区), year reported on, kind (政府工作报告, 信息公开 …), region (河源市),
        section (举措成效, 第一责任人履职, 存在不足, 下一年度安排, 其他)."""
        check_arguments(query=query, k=k, unit=unit, kind=kind, region=region, section=section)
        try:
            hits = retriever.search(query, k=k, unit=unit, year=year, kind=kind, region=region, section=section)
        except RagError as exc:
            raise ToolError(str(exc)) from exc
        return {"query": query, "hits": [h.to_dict() for h in hits]}

    @app.tool()
    def ask(
        question: Question,
        unit: Unit = None,
        year: int | None = None,
        kind: Kind = None,
        region: Region = None,
        section: Section = None,
    ) -> dict[str, Any]:
        """A short answer in which every claim cites a passage: a figure of one unit, the units that
        meet a condition (and the reports silent on it), a comparison, or that the reports do not say."""
        check_arguments(question=question, unit=unit, kind=kind, region=region, section=section)
        try:
            answer = answer_question(
                retriever, question, unit=unit, year=year, kind=kind, region=region, section=section
            )
        except RagError as exc:
            raise ToolError(str(exc)) from exc
        return answer.to_dict()

    @app.tool()
    def ledger(
        indicator: Indicator = None, unit: Unit = None, year: int | None = None, kind: Kind = None
    ) -> list[dict[str, Any]]:
        """Every figure the reports state (indicator, value, measure, qualifier, the verbatim span, unit,
        year, section), filtered: exhaustive over all reports, for ranking or listing units by a figure."""
        check_arguments(indicator=indicator, unit=unit, kind=kind)
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
        """Every indexed report: unit, year reported on, kind, level, place, source file, passages, and
        the fields a reviewer should check (`uncertain`), as `rag reports --json` lists them."""
        from rag.store import report_rows

        return report_rows(retriever.documents)

    return app


def serve(index: Path | str, *, timeout: float = CALL_TIMEOUT) -> None:
    """Serve over this process's stdin/stdout, through the guard: every request is answered, a
    malformed one at once, any other within `timeout` seconds."""
    # The SDK keeps its low-level Server private; MCPServer.run_stdio_async runs it exactly so, over
    # the SDK's stdio transport, which drops the lines it cannot parse unanswered (see mcp_guard).
    lowlevel = server(index)._lowlevel_server

    async def run_server(
        read: MemoryObjectReceiveStream[SessionMessage | Exception], write: MemoryObjectSendStream[SessionMessage]
    ) -> None:
        await lowlevel.run(read, write, lowlevel.create_initialization_options())

    with claimed_stdio() as (wire_in, wire_out):
        anyio.run(Guard(wire_in, wire_out, timeout=timeout).run, run_server)
