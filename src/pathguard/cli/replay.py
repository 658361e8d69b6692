"""`pathguard replay TRACE`: run a fuzz failure's operations again, deterministically.

Reads the files the trace names (a note says which changed since), runs the
operations once through a fresh guard and prints what each did. Exit 1 when
a property breaks (the same one at the same step: reproduced), 0 when the
sequence now passes, 2 for an unusable trace.
"""

from __future__ import annotations

import argparse
from typing import Any

from pathguard.cli.common import print_plain


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("replay", help="reproduce a fuzz failure from its JSON trace",
                              description=__doc__)
    p.add_argument("trace", help="fuzz-trace.json, as `pathguard fuzz` saved it")
    p.add_argument("--store", metavar="URL", help="store to replay against (default: the trace's)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from pathguard.cli.fuzz import guard_factory
    from pathguard.fuzz.invariants import load_invariants
    from pathguard.fuzz.run import FuzzOptions, make_setup, run_operations
    from pathguard.fuzz.run import _doc as violation_doc
    from pathguard.fuzz.trace import changed_inputs, check_endpoints, load_trace
    from pathguard.inputs import load_inputs
    from pathguard.policy.compile import allow_everything
    from pathguard.report.fuzz import render_replay

    trace, doc = load_trace(args.trace)
    inputs = load_inputs(trace.endpoints.path, trace.policy.path if trace.policy else None)
    world = inputs.world
    check_endpoints(trace, doc, world.names)
    policy = inputs.policy or allow_everything(world)
    invariants = load_invariants(trace.invariants.path, world) if trace.invariants else None
    extra = {"make_guard": guard_factory(trace.guard)} if trace.guard else {}
    store = args.store or ("memory" if "***" in trace.store else trace.store)
    setup = make_setup(world, policy, FuzzOptions(subagents=trace.subagents, store=store),
                       safe=tuple(h for h in trace.safe_hazards if h in world.hazards), invariants=invariants,
                       **extra)
    try:
        log, violated = run_operations(setup, [op.to_op() for op in trace.operations])
    finally:
        setup.store.close()
    found = [violation_doc(v) for v in violated.violations] if violated else []
    step = violated.step if violated else None
    if args.format == "json":
        print_plain(json.dumps({"reproduced": step == trace.step, "step": step,
                                "violations": [v.model_dump() for v in found], "log": log}, indent=2))
    else:
        print_plain(render_replay(log, found, trace.violations, step=step, recorded_step=trace.step,
                                  changed=changed_inputs(trace)))
    return 1 if violated else 0
