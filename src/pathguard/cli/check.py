"""`pathguard check ENDPOINTS [--policy POLICY]`: the model checker of SPEC §5.

Per hazard: `unsafe` with a numbered shortest counterexample (each call with the
decision that let it through and the world after it), `safe` with its proof,
or `unknown` with the bound reached; then the bypasses (blocked paths whose
target is still executed), the headline finding. Exit 0 when every hazard is
safe and no blocked path is bypassed, 1 otherwise (unknown counts as a finding:
nothing was proved), 2 for unusable input.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pathguard.cli.common import (
    add_format,
    add_inputs,
    load_inputs,
    print_plain,
    warnings_json,
    with_warnings,
)
from pathguard.modelcheck.results import CheckResult, HazardResult, TraceStep

OPTION_TEXT = {
    "assume_approvals": "approval counts as granted (what a rubber-stamping approver lets through)",
    "model_time": "the agent may wait until its budget window has expired (window counts drop to 0)",
    "subagents": "the agent may spawn up to N child sessions, each with `subagents.max_budget` actions "
                 "taken from the parent's budget and a fresh history",
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("check", help="prove hazards unreachable under a policy, or give a "
                              "shortest counterexample", description=__doc__)
    add_inputs(p)
    p.add_argument("--engine", choices=("auto", "explicit", "smt"), default="auto",
                   help="explicit BFS, z3 (BMC + Spacer), or explicit while small then z3 (default)")
    p.add_argument("--bound", type=int, help="explore traces of at most K calls")
    p.add_argument("--assume-approvals", action="store_true", help=OPTION_TEXT["assume_approvals"])
    p.add_argument("--model-time", action="store_true", help=OPTION_TEXT["model_time"])
    p.add_argument("--subagents", type=int, default=0, metavar="N", help=OPTION_TEXT["subagents"]
                   + " (explicit engine)")
    p.add_argument("--max-length", type=int, default=8,
                   help="longest action-graph path considered for bypasses (default 8)")
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathguard.errors import PathguardError
    from pathguard.modelcheck.bypass import blocked_paths
    from pathguard.modelcheck.check import check
    from pathguard.modelcheck.system import Options
    from pathguard.policy.compile import allow_everything

    inputs = load_inputs(args)
    world = inputs.world
    policy = inputs.policy or allow_everything(world)
    if args.bound is not None and args.bound < 0:
        raise PathguardError("--bound must be >= 0")
    if args.subagents < 0:
        raise PathguardError("--subagents must be >= 0")
    options = Options(assume_approvals=args.assume_approvals, model_time=args.model_time,
                      subagents=args.subagents)
    result = check(world, policy, engine=args.engine, bound=args.bound, options=options,
                   blocked=blocked_paths(world, policy, args.max_length))
    if args.format == "json":
        print_plain(json.dumps({**result.to_json(), "warnings": warnings_json(inputs.warnings)}, indent=2))
    else:
        print_plain(with_warnings(render(result, markdown=args.format == "markdown"), inputs.warnings,
                                  args.format))
    return 0 if all(h.verdict == "safe" for h in result.hazards.values()) and not result.bypasses else 1


def _trace_lines(trace: list[TraceStep], md: bool) -> list[str]:
    out = []
    for i, step in enumerate(trace, 1):
        world = ", ".join(f"{k}={v}" for k, v in step.world.items())
        why = "; ".join(step.reasons)
        call = f"`{step.call}`" if md else step.call
        out.append(f"  {i}. {call}: {step.effect} ({why}) -> {world}")
    return out


def _hazard_lines(h: HazardResult, md: bool) -> list[str]:
    cond = ", ".join(f"{k}={'|'.join(v)}" for k, v in h.condition.items())
    name = f"**{h.name}**" if md else h.name
    if h.verdict == "unsafe":
        lines = [f"- {name} ({cond}): UNSAFE, reached in {h.depth} call(s) [{h.engine}]"]
        return lines + _trace_lines(h.trace, md)
    if h.verdict == "safe":
        return [f"- {name} ({cond}): safe, proof: {h.proof} [{h.engine}]"]
    return [f"- {name} ({cond}): unknown, no counterexample up to {h.bound} call(s) (a bound, "
            f"not a proof) [{h.engine}]"]


def render(result: CheckResult, *, markdown: bool = False) -> str:
    """The report as text or markdown: bypasses first (the headline), then hazards."""
    md = markdown
    head = "## " if md else ""
    lines = [f"{'# ' if md else ''}pathguard check: {result.system} under policy {result.policy}", ""]
    options = [OPTION_TEXT[k].replace("up to N", f"up to {result.options[k]}")
               for k in OPTION_TEXT if result.options.get(k)]
    lines.append(f"engine: {result.engine}; assumptions: " + ("; ".join(options) if options else
                 "no approval granted, every call inside one budget window"))
    lines.append("")
    n = len(result.bypasses)
    lines.append(f"{head}BYPASSES: {n} blocked path(s) whose target is still executed" if n else
                 f"{head}Bypasses: none")
    for b in result.bypasses:
        lines.append(f"- blocked path {' -> '.join(b.path)}: `{b.target}` still runs after "
                     f"{len(b.trace)} step(s):" if md else
                     f"- blocked path {' -> '.join(b.path)}: {b.target} still runs after "
                     f"{len(b.trace)} step(s):")
        lines += _trace_lines(b.trace, md)
    for u in result.blocked_unreached:
        how = u.get("proof") or f"not reached up to {u.get('bound')} call(s) ({u.get('stopped_by')})"
        lines.append(f"- blocked path {' -> '.join(u['path'])}: target not reached ({u['verdict']}: {how})")
    lines.append("")
    lines.append(f"{head}Hazards")
    for h in result.hazards.values():
        lines += _hazard_lines(h, md)
    if not result.hazards:
        lines.append("- the model declares no hazards")
    lines.append("")
    lines.append(f"{head}Reductions (exact)")
    lines += [f"- {r}" for r in result.reductions]
    lines.append(f"- states explored (explicit): {result.states}")
    return "\n".join(lines)
