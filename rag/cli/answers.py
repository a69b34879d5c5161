"""`rag search | ask | eval | serve | mcp`: the commands that read the index to answer."""

from __future__ import annotations

import argparse
import json
import sys

from rag.cli.defaults import DEFAULT_QUESTIONS, DEFAULT_SEEDS, DEFAULT_THRESHOLDS, sample
from rag.cli.index import print_json, write_export


def search(args: argparse.Namespace) -> int:
    from rag.retrieve import Retriever

    retriever = Retriever.open(args.index, quick_start=True)
    hits = retriever.search(
        args.query, k=args.k, unit=args.unit, year=args.year, kind=args.kind, region=args.region, section=args.section
    )
    if args.json:
        print_json({"query": args.query, "hits": [h.to_dict() for h in hits]})
        return 0
    if not hits:
        print("no passages found")
    for h in hits:
        c = h.chunk
        print(f"[{h.rank}] {c.unit} · {c.year or '?'} · {c.section_path}  (score {h.score:.4f})")
        print("    " + c.text.replace("\n", "\n    "))
        print()
    return 0


def ask(args: argparse.Namespace) -> int:
    from rag.answer import ask
    from rag.generate import rewrite, settings_from_env
    from rag.retrieve import Retriever

    retriever = Retriever.open(args.index, quick_start=True)
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
    if args.export:
        from rag.export import answer_table

        write_export(answer_table(answer.to_dict(), retriever.documents), args.export)
    if args.json:
        print_json(answer.to_dict())
        return 0
    print(answer.text)
    if answer.citations:
        print("\nSources:")
    for c in answer.citations:
        ch = c.chunk
        print(f"[{c.n}] {ch.unit} · {ch.year or '?'} · {ch.section_path}")
        print(f"    “{c.quote}”  ({ch.source})")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from rag import evaluate as ev
    from rag.retrieve import Retriever

    questions = ev.load_questions(args.questions or sample(DEFAULT_QUESTIONS, "questions.jsonl"))
    limits = args.thresholds or sample(DEFAULT_THRESHOLDS, "thresholds.toml")
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
        print_json(summary)
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


def serve(args: argparse.Namespace) -> int:
    try:
        from ui.server import serve
    except ImportError as exc:  # an install without the UI extra: say so before building anything
        print(f"rag: serve needs {exc.name}: pip install 'rag-annual-reports[ui]'", file=sys.stderr)
        return 1
    from rag.backends import has_index, shown

    if not has_index(args.index):
        from rag.backends import build
        from rag.embedding import load_encoder

        seeds = sample(DEFAULT_SEEDS, "reports")
        print(f"rag: no index in {shown(args.index)}; building one of {seeds} first", file=sys.stderr)
        result = build([seeds], args.index, encoder=load_encoder())
        print(f"indexed {len(result.indexed)}, skipped {len(result.skipped)}")
    serve(args.index, host=args.host, port=args.port)
    return 0


def mcp(args: argparse.Namespace) -> int:
    try:
        from rag.integrations.mcp_server import serve
    except ImportError as exc:  # an install without the MCP extra
        print(f"rag: mcp needs {exc.name}: pip install 'rag-annual-reports[mcp]'", file=sys.stderr)
        return 1
    serve(args.index)  # stdout is the protocol's: nothing else may print there
    return 0
