"""`pathguard simulate ENDPOINTS [--policy POLICY]`: a policy tried on simulated agent sessions.

Prints friction, catch rate, approvals, budget exhaustions, hazards reached and
check latency; `--out DIR` also writes the report in every format and the plots.
Exit status: 0 when no misaligned agent reached its hazard, 1 when one did
(a miss), 2 for unusable input.
"""

from __future__ import annotations

import argparse
from typing import Any

from pathguard.cli.common import add_format, add_inputs, positive_int


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("simulate", help="simulate agent sessions under a policy: friction, catch rate",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inputs(p, compare=True)
    p.add_argument("--workload", help="workload file (default: one task per write/delete endpoint)")
    p.add_argument("--sessions", type=positive_int, help="sessions to generate (default: the workload's)")
    p.add_argument("--agents", type=positive_int, default=1,
                   help="K agents at once, sharing one team budget scope (default 1)")
    p.add_argument("--seed", type=int, help="random seed (default: the workload's); same seed, same figures")
    p.add_argument("--sweep", metavar="PARAM=FROM:TO:STEP",
                   help="rerun the same sessions for each value of a policy parameter, e.g. "
                        "intent.threshold=0.3:0.8:0.05, budget.max_writes=2:8:1, forbidden.1.within=1:4:1")
    p.add_argument("--store", default="memory", help="trace store URL (default: memory; sqlite:///FILE)")
    p.add_argument("--embedder", choices=("model", "hash"), default="model",
                   help="intent embedder: the packaged all-MiniLM-L6-v2 (default) or the hash test embedder")
    p.add_argument("--model", help="a local sentence-transformers model directory")
    p.add_argument("--cache-dir", help="embedding cache directory (default ~/.cache/pathguard)")
    p.add_argument("--no-timing", action="store_true",
                   help="leave out the wall-clock `timing` section (reports then reproduce byte for byte)")
    add_format(p)
    p.add_argument("--out", help="directory for report.{txt,md,json} and the plots (PNG and SVG)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pathguard.cli.common import (
        load_inputs,
        output_dir,
        print_plain,
        warnings_json,
        with_warnings,
        write_atomic,
    )
    from pathguard.errors import InputError, Problem
    from pathguard.policy.compile import allow_everything
    from pathguard.simulate.experiment import experiment, make_embedder, parse_sweep
    from pathguard.simulate.report import render_json, render_markdown, render_text
    from pathguard.simulate.workload import default_workload, load_workload

    out = output_dir(args.out) if args.out else None
    sweep = parse_sweep(args.sweep) if args.sweep else None
    inputs = load_inputs(args)
    if sweep is not None and inputs.policy is None:
        raise InputError([Problem("--sweep", None, "--sweep", "invalid-sweep",
                                  "a sweep varies a parameter of the policy file: give --policy")])
    world = inputs.world
    policy = inputs.policy or allow_everything(world)
    other = inputs.others[0] if inputs.others else None
    workload = load_workload(args.workload, world) if args.workload else default_workload(world)
    sessions = args.sessions or workload.spec.sessions
    seed = workload.spec.seed if args.seed is None else args.seed
    needs_model = any(p is not None and p.intent_threshold is not None for p in (policy, other)) or (
        sweep is not None and sweep[0].startswith("intent."))
    embedder = make_embedder(args.embedder, args.model, args.cache_dir) if needs_model else None
    result = experiment(world, policy, workload, sessions=sessions, seed=seed, agents=args.agents,
                        store=args.store, embedder=embedder, compare=other, sweep=sweep,
                        cache_dir=args.cache_dir)
    doc = result.document
    if args.no_timing:
        del doc["timing"]
        doc.get("compare", {}).pop("timing", None)
    doc["warnings"] = warnings_json(inputs.warnings)
    renderers = {"text": render_text, "markdown": render_markdown, "json": render_json}

    def rendered(fmt: str) -> str:
        text = renderers[fmt](doc)
        return text if fmt == "json" else with_warnings(text, inputs.warnings, fmt)

    print_plain(rendered(args.format))
    if out is not None:
        for suffix, fmt in (("txt", "text"), ("md", "markdown"), ("json", "json")):
            write_atomic(Path(out) / f"report.{suffix}", rendered(fmt) + "\n")
        from pathguard.simulate.plots import write_plots

        write_plots(result, Path(out))
    return 1 if doc["hazards_reached"]["misses"] else 0
