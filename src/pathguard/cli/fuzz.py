"""`pathguard fuzz ENDPOINTS --policy POLICY`: property-based fuzzing of a real Guard.

Random agents call endpoints with parameters, spawn sub-agents, wait across
budget windows, ask for approvals that the policy's approver grants or
denies (and that a principal of the tree, an impostor and a forger try to
grant), and close sessions; every decision is held to the semantics and to
the limits SPEC §3 promises, and to the user's own invariants. A failure is
shrunk to a minimal sequence, printed, and saved as a JSON trace that
`pathguard replay` reproduces. Exit 0 when nothing broke, 1 when something
did, 2 for unusable input. The same seed gives the same run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from pathguard.cli.common import (
    add_inputs,
    add_limits,
    limits_of,
    load_inputs,
    non_negative_int,
    output_dir,
    positive_int,
    print_plain,
    warnings_text,
    write_atomic,
)
from pathguard.errors import InputError, Problem

DEFAULT_OUT = "pathguard-fuzz"


def register(subparsers: Any) -> None:
    from pathguard.fuzz.run import DEFAULT_EXAMPLES, DEFAULT_STEPS, DEFAULT_SUBAGENTS

    p = subparsers.add_parser("fuzz", help="fuzz a real Guard against the semantics (Hypothesis)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inputs(p)
    p.add_argument("--invariants", metavar="FILE",
                   help="your own invariants over the run (YAML, see docs/ci.md)")
    p.add_argument("--examples", type=positive_int, default=DEFAULT_EXAMPLES, metavar="N",
                   help=f"sequences to run (default {DEFAULT_EXAMPLES})")
    p.add_argument("--seed", type=non_negative_int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--max-steps", type=positive_int, default=DEFAULT_STEPS, metavar="K",
                   help=f"operations per sequence (default {DEFAULT_STEPS})")
    p.add_argument("--subagents", type=non_negative_int, default=DEFAULT_SUBAGENTS, metavar="N",
                   help=f"sub-agents an example may spawn (default {DEFAULT_SUBAGENTS}); the model checker's "
                   "hazards are established for as many")
    p.add_argument("--store", default="memory", metavar="URL",
                   help="store the guard writes to: memory (default), sqlite:///file.db or postgresql://... "
                   "(use a throw-away database)")
    p.add_argument("--guard", metavar="MODULE:FUNCTION",
                   help="fuzz the guard your code builds: FUNCTION(world, policy, store, clock, keyring) "
                   "returns it (MODULE is imported from the current directory)")
    p.add_argument("--no-check", dest="check", action="store_false",
                   help="skip the model checker (no hazard is held safe, no counterexample replayed)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text",
                   help="report format on stdout (default: text)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help=f"where a failure's trace is saved as fuzz-trace.json (default {DEFAULT_OUT})")
    add_limits(p)
    p.set_defaults(func=run)


def guard_factory(spec: str) -> Any:
    """`module:function`, imported with the current directory on the path."""
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise InputError([Problem("--guard", None, "guard", "invalid", f"`{spec}` is not MODULE:FUNCTION")])
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        problem = Problem("--guard", None, "guard", "import", f"cannot import `{module_name}`: {exc}")
        raise InputError([problem]) from None
    factory = getattr(module, name, None)
    if not callable(factory):
        raise InputError([Problem("--guard", None, "guard", "invalid",
                                  f"`{module_name}` has no function `{name}`")])
    return factory


def run(args: argparse.Namespace) -> int:
    from pathguard.fuzz.invariants import load_invariants
    from pathguard.fuzz.run import FuzzOptions, fuzz
    from pathguard.fuzz.trace import make_trace
    from pathguard.policy.compile import allow_everything
    from pathguard.report.fuzz import render_fuzz

    out = output_dir(args.out)
    inputs = load_inputs(args)
    world = inputs.world
    policy = inputs.policy or allow_everything(world)
    invariants = load_invariants(args.invariants, world) if args.invariants else None
    make_guard = guard_factory(args.guard) if args.guard else None
    options = FuzzOptions(examples=args.examples, seed=args.seed, max_steps=args.max_steps,
                          subagents=args.subagents, store=args.store, check_hazards=args.check,
                          limits=limits_of(args), guard=args.guard)
    extra = {"make_guard": make_guard} if make_guard else {}
    report = fuzz(world, policy, options, invariants=invariants, **extra)
    if report.failure is not None:
        safe = tuple(n for n, h in report.hazards.items() if h.verdict == "safe")
        trace = make_trace(report, args.endpoints, args.policy, args.invariants, safe)
        path = out / "fuzz-trace.json"
        write_atomic(path, trace.model_dump_json(indent=2) + "\n")
        report.failure.trace_file = str(path)
    if args.format == "json":
        print_plain(report.model_dump_json(indent=2))
    elif args.format == "sarif":
        import json

        from pathguard.report.sarif import fuzz_sarif

        print_plain(json.dumps(fuzz_sarif(report, world, policy, invariants), indent=2))
    else:
        print_plain(render_fuzz(report))
        if inputs.warnings:
            print_plain("\n" + warnings_text(inputs.warnings, "text"))
    return 0 if report.passed else 1
