"""`pathguard check ENDPOINTS [--policy POLICY]`: the model checker of SPEC §5.

Per hazard: `unsafe` with a numbered shortest counterexample (each call with the
decision that let it through and what it changed), `safe` with its proof, or
`unknown` with the bound reached and the limit that stopped the search; every
verdict lists what it assumes. First come the bypasses: blocked paths whose
calls still all run, in order, with other calls between them. Exit 0 when
every hazard is safe and no blocked path is bypassed, 1 otherwise (unknown
counts as a finding: nothing was proved), 2 for unusable input.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pathguard.cli.common import (
    add_format,
    add_inputs,
    add_limits,
    baseline_of,
    limits_of,
    load_inputs,
    non_negative_int,
    positive_int,
    print_plain,
    warnings_json,
    with_warnings,
)
from pathguard.modelcheck.bypass import DEFAULT_MAX_LENGTH, blocked_paths
from pathguard.report.check import render_check

OPTION_TEXT = {
    "assume_approvals": "approval counts as granted (what a rubber-stamping approver lets through)",
    "model_time": "the agent may wait until its budget window has expired (window counts drop to 0)",
    "subagents": "sessions may spawn up to N sub-agents in all, each decided against every ancestor "
                 "and counted in all of them (SPEC §3)",
    "knowledge": "given (default): the agent knows every fact that is not secret, so no verdict rests on "
                 "its ignorance of an id; discover: it starts knowing only what no endpoint reveals",
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("check", help="prove hazards unreachable under a policy, or give a "
                              "shortest counterexample", description=__doc__)
    add_inputs(p)
    p.add_argument("--engine", choices=("auto", "explicit", "smt"), default="auto",
                   help="explicit BFS, z3 (BMC + Spacer), or static proof, explicit, then z3 (default)")
    p.add_argument("--bound", type=non_negative_int, metavar="K", help="explore traces of at most K calls")
    p.add_argument("--knowledge", choices=("given", "discover"), default="given",
                   help=OPTION_TEXT["knowledge"])
    p.add_argument("--assume-approvals", action="store_true", help=OPTION_TEXT["assume_approvals"])
    p.add_argument("--model-time", action="store_true", help=OPTION_TEXT["model_time"])
    p.add_argument("--subagents", type=non_negative_int, default=0, metavar="N", help=OPTION_TEXT["subagents"]
                   + " (explicit engine)")
    p.add_argument("--max-length", type=positive_int, default=DEFAULT_MAX_LENGTH, metavar="L",
                   help=f"longest blocked path searched for bypasses (default {DEFAULT_MAX_LENGTH})")
    add_limits(p)
    add_format(p, findings=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathguard.modelcheck.check import check
    from pathguard.modelcheck.system import Options
    from pathguard.policy.compile import allow_everything

    inputs = load_inputs(args)
    world = inputs.world
    policy = inputs.policy or allow_everything(world)
    options = Options(assume_approvals=args.assume_approvals, model_time=args.model_time,
                      subagents=args.subagents, knowledge=args.knowledge)
    result = check(world, policy, engine=args.engine, bound=args.bound, options=options,
                   blocked=blocked_paths(world, policy, args.max_length), limits=limits_of(args))
    data = result.model_dump(mode="json")
    comparison = baseline_of(args, data)
    if args.format == "json":
        extra = {"baseline": comparison.model_dump(mode="json")} if comparison else {}
        print_plain(json.dumps({**data, "warnings": warnings_json(inputs.warnings), **extra}, indent=2))
    elif args.format == "sarif":
        from pathguard.report.sarif import check_sarif

        print_plain(json.dumps(check_sarif(result, world, inputs.policy, comparison), indent=2))
    else:
        print_plain(with_warnings(render_check(result, markdown=args.format == "markdown"), inputs.warnings,
                                  args.format))
        if comparison is not None:
            from pathguard.report.baseline import render_comparison

            print_plain("\n" + render_comparison(comparison))
    if comparison is not None:
        return 1 if comparison.failing else 0
    return 0 if result.all_safe else 1
