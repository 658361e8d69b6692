"""`pathguard analyze`: every path to a destructive call and what the policy does to it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pathguard.analysis import DEFAULT_LIST_LIMIT, DEFAULT_MAX_PATHS, Analysis, PathOptions, analyze
from pathguard.cli.common import (
    add_format,
    add_inputs,
    add_limits,
    baseline_of,
    limits_of,
    load_inputs,
    output_dir,
    positive_int,
    print_plain,
    print_rich,
    warnings_text,
    with_warnings,
    write_atomic,
)
from pathguard.errors import Problem
from pathguard.graph.paths import DEFAULT_MAX_STEPS
from pathguard.report.markdown import render_markdown
from pathguard.report.text import render_text


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("analyze", help="enumerate every path to a destructive call",
                              description="Build the action graph, enumerate every path from an entry "
                              "to a destructive endpoint and give each its verdict under the policy.")
    add_inputs(p)
    p.add_argument("--from", dest="start", metavar="E", help="keep only paths starting at endpoint E")
    p.add_argument("--max-length", type=positive_int, metavar="L", help="keep paths of at most L calls")
    p.add_argument("--max-paths", type=positive_int, default=DEFAULT_MAX_PATHS, metavar="N",
                   help=f"stop counting after N paths (default {DEFAULT_MAX_PATHS:,}); the count is "
                   "then reported as a lower bound")
    p.add_argument("--max-search-steps", type=positive_int, default=DEFAULT_MAX_STEPS, metavar="N",
                   help=f"stop the path search after N steps (default {DEFAULT_MAX_STEPS:,}); the count is "
                   "then reported as a lower bound")
    p.add_argument("--list", type=positive_int, default=DEFAULT_LIST_LIMIT, metavar="N", dest="list_limit",
                   help=f"list at most N paths, shortest first (default {DEFAULT_LIST_LIMIT:,})")
    p.add_argument("--no-check", dest="hazards", action="store_false",
                   help="skip the model checker (no `hazards`, no `bypasses`)")
    p.add_argument("--engine", choices=("auto", "explicit", "smt"), default="auto",
                   help="model-checking engine for the hazards (default auto)")
    p.add_argument("--bound", type=positive_int, metavar="K",
                   help="depth bound of the model checker when it cannot exhaust the state space")
    p.add_argument("--knowledge", choices=("given", "discover"), default="given",
                   help="what the agent knows at the start, for the hazards (default given: every fact "
                   "that is not secret)")
    add_limits(p)
    add_format(p, findings=True)
    p.add_argument("--out", metavar="DIR", help="also write report.md, report.json, graph.png, graph.svg")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = output_dir(args.out) if args.out else None
    inputs = load_inputs(args)
    options = PathOptions(start=args.start, max_length=args.max_length, max_paths=args.max_paths,
                          list_limit=args.list_limit, max_steps=args.max_search_steps, hazards=args.hazards,
                          engine=args.engine, bound=args.bound, knowledge=args.knowledge,
                          limits=limits_of(args))
    result = analyze(inputs.world, inputs.policy, options)
    doc = result.document
    warnings = inputs.warnings
    if out is not None:
        write_outputs(result, out, warnings)
    data = doc.model_dump(mode="json")
    comparison = baseline_of(args, data)
    if args.format == "json":
        extra = {"baseline": comparison.model_dump(mode="json")} if comparison else {}
        print_plain(json.dumps({**data, **extra}, indent=2))
    elif args.format == "sarif":
        from pathguard.report.sarif import analyze_sarif

        print_plain(json.dumps(analyze_sarif(doc, inputs.world, inputs.policy, comparison), indent=2))
    elif args.format == "markdown":
        print_plain(with_warnings(render_markdown(doc), warnings, "markdown"))
    else:
        print_rich(render_text(doc))
        if warnings:
            print_plain("\n" + warnings_text(warnings, "text"))
    if comparison is not None:
        if args.format in ("text", "markdown"):
            from pathguard.report.baseline import render_comparison

            print_plain("\n" + render_comparison(comparison))
        return 1 if comparison.failing else 0
    return 1 if doc.findings else 0


def write_outputs(result: Analysis, out: Path, warnings: tuple[Problem, ...] = ()) -> None:
    """report.md, report.json and the graph pictures, each written whole or not at all."""
    from pathguard.report.plots import draw_action_graph

    doc = result.document
    pictures = draw_action_graph(result)
    for suffix, data in pictures.items():
        write_atomic(out / f"graph.{suffix}", data)
    write_atomic(out / "report.json", doc.model_dump_json(indent=2) + "\n")
    write_atomic(out / "report.md", with_warnings(render_markdown(doc, image="graph.svg"), warnings,
                                                  "markdown") + "\n")
