"""The `rag` command: build | remove | search | ask | reports | ledger | outline | eval | serve | mcp.

The only place that prints or exits: the parser and dispatch here, the commands that write or list the
index in index.py, those that answer in answers.py.

Every RagError becomes one line `rag: <message>` on stderr and exit code 1; argparse usage
errors exit 2. No traceback reaches a user for a mistake of theirs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rag.cli import answers, index
from rag.cli.defaults import DEFAULT_INDEX
from rag.errors import RagError

COMMANDS = {
    "build": index.build,
    "remove": index.remove,
    "reports": index.reports,
    "ledger": index.ledger,
    "outline": index.outline,
    "search": answers.search,
    "ask": answers.ask,
    "eval": answers.evaluate,
    "serve": answers.serve,
    "mcp": answers.mcp,
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Cited answers over government annual reports.")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="index report files or folders (default: seeds/, or the bundled samples)")
    b.add_argument("paths", nargs="*", type=Path, help="files or folders (.txt .md .html .htm .pdf .docx)")
    _where(b)
    b.add_argument(
        "--model", default="e5-small", help="encoder: e5-small (default) or sentence-transformers:<name-or-path>"
    )
    b.add_argument("--add", action="store_true", help="keep the documents already indexed and add these")
    b.add_argument(
        "--replace",
        action="store_true",
        help="rebuild from only these paths, dropping indexed reports they do not give (refused without it)",
    )
    b.add_argument(
        "--from-index",
        type=Path,
        metavar="FOLDER",
        help="with --backend: copy this folder index into the engine (its reports and vectors; nothing re-embedded)",
    )
    b.add_argument("--strict", action="store_true", help="exit 1 if any file is skipped")
    b.add_argument("--max-tokens", type=int, default=300, help="chunk budget in cl100k tokens (default 300)")
    b.add_argument(
        "--metadata",
        type=Path,
        metavar="FILE",
        help="corrections table (file,unit,year,kind); a reports.csv beside the reports is read too",
    )

    s = sub.add_parser("search", help="hybrid search over the index")
    s.add_argument("query")
    _where(s)
    s.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
    s.add_argument("--unit", help="unit name or short form, e.g. 霞山区")
    s.add_argument("--year", type=int, help="year reported on, e.g. 2024 (a 2025年政府工作报告 reviews 2024)")
    _scope_arguments(s)
    s.add_argument("--json", action="store_true", help="print the JSON contract")

    a = sub.add_parser("ask", help="a cited answer (lookup, which-units list, comparison, or not found)")
    a.add_argument("question")
    _where(a)
    a.add_argument("--unit", help="only this unit's reports")
    a.add_argument("--year", type=int, help="only reports on this year")
    _scope_arguments(a)
    a.add_argument("--json", action="store_true", help="print the JSON contract")
    a.add_argument(
        "--export",
        type=Path,
        metavar="FILE",
        help="also write the answer's units, candidates and silent reports with their quotes to FILE "
        "(.xlsx or .csv, by its suffix)",
    )
    a.add_argument(
        "--no-generate",
        action="store_true",
        help="never use the configured generator (RAG_LLM_BASE_URL/RAG_LLM_MODEL or rag.toml)",
    )

    r = sub.add_parser("reports", help="list the indexed reports: unit, year, kind, place, the cue behind each")
    _where(r)
    r.add_argument("--json", action="store_true", help="print one JSON object per report in a list")

    g = sub.add_parser("ledger", help="every figure of every report (the indicator ledger), filtered")
    _where(g)
    g.add_argument("--indicator", help="indicator name or part of it, e.g. 调解成功率 or 主动公开")
    g.add_argument("--unit", help="unit name or short form, e.g. 霞山区")
    g.add_argument("--year", type=int, help="year reported on")
    g.add_argument("--kind", help="kind of report or a part of it (信息公开)")
    out = g.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    out.add_argument("--csv", action="store_true", help="print the rows as CSV")
    g.add_argument(
        "--export", type=Path, metavar="FILE", help="also write the rows to FILE (.xlsx or .csv, by its suffix)"
    )

    o = sub.add_parser("outline", help="which reports have each required part (完整性): present, mentioned, missing")
    _where(o)
    o.add_argument("--kind", help="only this kind of report (the rules' parts are a 法治政府建设年度报告's)")
    o.add_argument("--json", action="store_true", help="print one JSON object per report in a list")
    o.add_argument(
        "--export", type=Path, metavar="FILE", help="also write the matrix to FILE (.xlsx or .csv, by its suffix)"
    )

    e = sub.add_parser("eval", help="run the question set: retrieval and answer metrics by kind")
    e.add_argument(
        "--questions", type=Path, help="question set (default: eval/questions.jsonl, or the samples' questions)"
    )
    _where(e)
    e.add_argument("--json", action="store_true", help="print the summary as JSON")
    e.add_argument("--check", action="store_true", help="exit 1 if a metric falls below its threshold")
    e.add_argument("--thresholds", type=Path, help="default: eval/thresholds.toml, or the samples' thresholds")
    e.add_argument("--results", type=Path, default=Path("eval/results"), help="where results.json/.md go")
    e.add_argument("--compare", type=Path, metavar="OLD.json", help="list questions that changed pass/fail")

    m = sub.add_parser("mcp", help="an MCP server over stdio (tools: search, ask, list_reports); extra rag[mcp]")
    _where(m)

    x = sub.add_parser("remove", help="take reports out of the index (by doc_id, as `rag reports --json` lists)")
    x.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    _where(x)

    v = sub.add_parser("serve", help="chat UI and JSON API in the browser (builds seeds/ first if needed)")
    _where(v)
    v.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    v.add_argument("--port", type=int, default=7860)
    return p


def _where(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="index folder (default: index/)")
    p.add_argument(
        "--backend",
        metavar="URL",
        help="an index in OceanBase instead of a folder: oceanbase://user@host:port/db "
        "(default: [backend] url of ./rag.toml, if any; password in RAG_OCEANBASE_PASSWORD)",
    )


def _scope_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--section",
        help="only this part of the reports: 举措成效, 第一责任人履职, 存在不足, 下一年度安排, 其他 (or a part: 不足)",
    )
    p.add_argument(
        "--kind",
        help="kind of report: 法治政府建设年度报告, 政府工作报告, 政府信息公开工作年度报告, … or a part (信息公开)",
    )
    p.add_argument("--region", help="only units in this division, e.g. 河源市 or 广东省")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.command in ("ask", "search"):  # one question: e5's tokenizer is built on the second core
        from rag.embedding.pieces import prestart  # while this process loads the index (rag.embedding.pieces)

        prestart()
    try:
        from rag.backends import configured

        args.index = args.backend or configured() or args.index
        return COMMANDS[args.command](args)
    except RagError as exc:
        print(f"rag: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rag ask --json … | head`: the reader left; no traceback, no more output
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
