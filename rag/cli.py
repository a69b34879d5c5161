"""The `rag` command: build | search | ask | reports | ledger | outline | eval | serve | mcp.

The only place that prints or exits.

Every RagError becomes one line `rag: <message>` on stderr and exit code 1; argparse usage
errors exit 2. No traceback reaches a user for a mistake of theirs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from rag.errors import RagError

QUIET_SECONDS = 3.0

DEFAULT_INDEX = Path("index")
DEFAULT_SEEDS = Path("seeds")
DEFAULT_QUESTIONS = Path("eval/questions.jsonl")
DEFAULT_THRESHOLDS = Path("eval/thresholds.toml")


def _sample(checkout: Path, packaged: str) -> Path:
    """A checkout's own file (seeds/, eval/…) where it is run from one, else the copy shipped in the
    package (rag/samples/): an installed `rag` builds, asks and evaluates from any folder."""
    if checkout.exists():
        return checkout
    return Path(str(resources.files("rag") / "samples" / packaged))


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

    o = sub.add_parser("outline", help="which reports have each required part (完整性): present, mentioned, missing")
    _where(o)
    o.add_argument("--kind", help="only this kind of report (the rules' parts are a 法治政府建设年度报告's)")
    o.add_argument("--json", action="store_true", help="print one JSON object per report in a list")

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
    try:
        from rag.backends import configured

        args.index = args.backend or configured() or args.index
        if args.command == "build":
            return _build(args)
        if args.command == "search":
            return _search(args)
        if args.command == "ask":
            return _ask(args)
        if args.command == "reports":
            return _reports(args)
        if args.command == "eval":
            return _eval(args)
        if args.command == "ledger":
            return _ledger(args)
        if args.command == "outline":
            return _outline(args)
        if args.command == "serve":
            return _serve(args)
        if args.command == "mcp":
            return _mcp(args)
        if args.command == "remove":
            return _remove(args)
    except RagError as exc:
        print(f"rag: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130
    return 2


def _build(args: argparse.Namespace) -> int:
    from rag.backends import build, shown
    from rag.embedding import load_encoder
    from rag.store import BuildParams

    paths = list(args.paths) or ([] if args.from_index else [_sample(DEFAULT_SEEDS, "reports")])
    encoder = load_encoder(args.model)
    result = build(
        paths,
        args.index,
        encoder=encoder,
        params=BuildParams(max_tokens=args.max_tokens),
        add=args.add,
        metadata=args.metadata,
        progress=_progress(),
        from_index=args.from_index,
    )
    for skip in result.skipped:
        print(f"rag: skipped {skip.path}: {skip.reason}", file=sys.stderr)
    for source, warning in result.warnings:
        print(f"rag: {source}: {warning}", file=sys.stderr)
    print(
        f"indexed {len(result.indexed)}, skipped {len(result.skipped)} "
        f"({result.documents} reports, {result.chunks} chunks in {shown(args.index)}; "
        f"embedded {result.embedded}, reused {result.reused}; {result.seconds_total:.1f}s)"
    )
    return 1 if args.strict and result.skipped else 0


def _progress() -> Callable[[str, int, int], None]:
    """A bar per stage with counts and ETA on a terminal (tqdm); on a pipe or a CI log, a plain
    line per stage at most every 10% of it once the build has run QUIET_SECONDS, so logs stay short."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bars: dict[str, Any] = {}

        def draw(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage)
            if bar is None:
                bar = bars[stage] = tqdm(total=total, desc=stage, unit="", file=sys.stderr, leave=True)
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        return draw
    shown: dict[str, int] = {}
    started = time.monotonic()

    def line(stage: str, done: int, total: int) -> None:
        step = max(total // 10, 1)
        if time.monotonic() - started < QUIET_SECONDS:
            return  # a build that ends in seconds needs no progress lines in a log
        if done == total or done // step > shown.get(stage, -1):
            shown[stage] = done // step
            print(f"rag: {stage} {done}/{total}", file=sys.stderr, flush=True)

    return line


def _search(args: argparse.Namespace) -> int:
    from rag.retrieve import Retriever

    retriever = Retriever.open(args.index)
    hits = retriever.search(
        args.query, k=args.k, unit=args.unit, year=args.year, kind=args.kind, region=args.region, section=args.section
    )
    if args.json:
        _print_json({"query": args.query, "hits": [h.to_dict() for h in hits]})
        return 0
    if not hits:
        print("no passages found")
    for h in hits:
        c = h.chunk
        print(f"[{h.rank}] {c.unit} · {c.year or '?'} · {c.section_path}  (score {h.score:.4f})")
        print("    " + c.text.replace("\n", "\n    "))
        print()
    return 0


def _ask(args: argparse.Namespace) -> int:
    from rag.answer import ask
    from rag.generate import rewrite, settings_from_env
    from rag.retrieve import Retriever

    retriever = Retriever.open(args.index)
    answer = ask(
        retriever,
        args.question,
        unit=args.unit,
        year=args.year,
        kind=args.kind,
        region=args.region,
        section=args.section,
    )
    settings = None if args.no_generate else settings_from_env()
    if settings is not None:
        answer = rewrite(answer, settings)
    for notice in answer.notices:
        print(f"rag: note: {notice}", file=sys.stderr)
    if args.json:
        _print_json(answer.to_dict())
        return 0
    print(answer.text)
    if answer.citations:
        print("\nSources:")
    for c in answer.citations:
        ch = c.chunk
        print(f"[{c.n}] {ch.unit} · {ch.year or '?'} · {ch.section_path}")
        print(f"    “{c.quote}”  ({ch.source})")
    return 0


def _reports(args: argparse.Namespace) -> int:
    from rag.backends import open_reader, shown

    docs = [d.to_dict() for d in open_reader(args.index).documents]
    if args.json:
        _print_json(docs)
        return 0
    for d in docs:
        cues = d["cues"]
        year = f"{d['year'] or '?'}" + (f" (title {d['title_year']})" if d["title_year"] else "")
        place = " > ".join(d["place"]) or "?"
        print(f"{d['unit']} · {year} · {d['kind']} · {d['level'] or '?'} · {place}  [{d['chunks']} chunks]")
        print(f"    {d['source']}")
        print(
            f"    cues: unit={cues.get('unit') or '-'}, year={cues.get('year') or '-'}, kind={cues.get('kind') or '-'}"
        )
        for w in d["warnings"]:
            print(f"    warning: {w}")
    print(f"{len(docs)} reports in {shown(args.index)}")
    return 0


def _ledger(args: argparse.Namespace) -> int:
    import csv

    from rag.backends import open_reader
    from rag.retrieve import filter_ledger

    files = open_reader(args.index)  # no encoder: the ledger is read, not searched
    rows = filter_ledger(
        files.ledger(),
        [d.unit for d in files.documents],
        indicator=args.indicator,
        unit=args.unit,
        year=args.year,
        kind=args.kind,
    )
    if args.json:
        _print_json([r.to_dict() for r in rows])
    elif args.csv:
        fields = list(rows[0].to_dict()) if rows else ["unit", "year", "indicator", "value", "measure", "span"]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r.to_dict() for r in rows)
    else:
        for r in rows:
            value = f"{r.value:.4f}".rstrip("0").rstrip(".")
            after = r.qualifier in ("余", "多", "以上")
            shown = f"{value}{r.qualifier}{r.measure}" if after else f"{r.qualifier}{value}{r.measure}"
            print(f"{r.unit} · {r.year or '?'} · {r.indicator} · {shown}  “{r.span}”")
        print(f"{len(rows)} figures")
    return 0


def _outline(args: argparse.Namespace) -> int:
    from rag.backends import open_reader
    from rag.errors import InputError
    from rag.ingest import resolve_kind
    from rag.outline import REQUIRED

    rows = open_reader(args.index).outline()
    if args.kind:
        kinds = resolve_kind(args.kind)
        if not kinds:
            raise InputError(f"--kind: '{args.kind}' is no kind of report")
        rows = [r for r in rows if r.kind in kinds]
    if args.json:
        _print_json([r.to_dict() for r in rows])
        return 0
    mark = {"present": "✓", "mentioned": "~", "missing": "✗"}
    print(" | ".join(["unit", "year", "kind", *REQUIRED, "published"]))
    for r in rows:
        parts = dict(r.parts)
        when = f"{r.published or '?'}{' (late)' if r.late else ''}"
        print(" | ".join([r.unit, str(r.year or "?"), r.kind, *(mark[parts[p]] for p in REQUIRED), when]))
    complete = sum(r.complete for r in rows)
    print(f"{complete} of {len(rows)} reports have every part (✓ a heading of its own, ~ only mentioned, ✗ missing)")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from rag import evaluate as ev
    from rag.retrieve import Retriever

    questions = ev.load_questions(args.questions or _sample(DEFAULT_QUESTIONS, "questions.jsonl"))
    limits = args.thresholds or _sample(DEFAULT_THRESHOLDS, "thresholds.toml")
    thresholds = ev.load_thresholds(limits) if args.check else {}
    retriever = Retriever.open(args.index)
    results = ev.evaluate(retriever, questions)
    summary = ev.summarize(results)
    changes = ev.compare(args.compare, results) if args.compare else []
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "results.json").write_text(
        json.dumps(ev.results_json(results, summary), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    (args.results / "results.md").write_text(ev.results_markdown(results, summary), encoding="utf-8")
    if args.json:
        _print_json(summary)
    else:
        print(ev.summary_table(summary))
        print(f"\n{len(questions)} questions; results in {args.results}/results.json and results.md")
    for line in changes:
        print(line)
    if args.compare and not changes:
        print("no question changed pass/fail")
    failures = ev.check(summary, thresholds) if args.check else []
    for line in failures:
        print(f"rag: eval below threshold: {line}", file=sys.stderr)
    return 1 if failures else 0


def _serve(args: argparse.Namespace) -> int:
    try:
        from ui.server import serve
    except ImportError as exc:  # an install without the UI extra: say so before building anything
        print(f"rag: serve needs {exc.name}: pip install 'rag-annual-reports[ui]'", file=sys.stderr)
        return 1
    from rag.backends import has_index, shown

    if not has_index(args.index):
        from rag.backends import build
        from rag.embedding import load_encoder

        seeds = _sample(DEFAULT_SEEDS, "reports")
        print(f"rag: no index in {shown(args.index)}; building one of {seeds} first", file=sys.stderr)
        result = build([seeds], args.index, encoder=load_encoder())
        print(f"indexed {len(result.indexed)}, skipped {len(result.skipped)}")
    serve(args.index, host=args.host, port=args.port)
    return 0


def _mcp(args: argparse.Namespace) -> int:
    try:
        from rag.integrations.mcp_server import serve
    except ImportError as exc:  # an install without the MCP extra
        print(f"rag: mcp needs {exc.name}: pip install 'rag-annual-reports[mcp]'", file=sys.stderr)
        return 1
    serve(args.index)  # stdout is the protocol's: nothing else may print there
    return 0


def _remove(args: argparse.Namespace) -> int:
    from rag.backends import build, open_reader, shown
    from rag.embedding import load_encoder

    reader = open_reader(args.index)  # the encoder it was built with: what is kept is not embedded again
    encoder = load_encoder(reader.encoder_id)
    result = build([], args.index, encoder=encoder, params=reader.params, remove=args.doc_ids, progress=_progress())
    print(f"removed {len(args.doc_ids)} ({result.documents} reports, {result.chunks} chunks in {shown(args.index)})")
    return 0


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    sys.exit(main())
