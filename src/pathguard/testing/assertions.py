"""One-line assertions for a project's own tests: hazards proved unreachable, policy changes that do
not weaken, operation sequences that break no fuzz property."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pathguard.model.world import Knowledge, World
from pathguard.policy.compile import CompiledPolicy

if TYPE_CHECKING:
    from pathguard.fuzz.ops import Op

Model = str | Path | World
Policy = str | Path | CompiledPolicy | None


def _load(spec: Model, *policies: Policy) -> tuple[World, list[CompiledPolicy | None]]:
    """The world and each policy, loaded from files where given as paths."""
    from pathguard.inputs import load_inputs
    from pathguard.policy.load import load_policy

    world = spec if isinstance(spec, World) else load_inputs(spec).world
    return world, [p if p is None or isinstance(p, CompiledPolicy) else load_policy(p, world)
                   for p in policies]


def assert_no_hazard(spec: Model, policy: Policy = None, *, hazards: list[str] | None = None,
                     assume_approvals: bool = False, model_time: bool = False, subagents: int = 0,
                     knowledge: Knowledge = "given", bound: int | None = None,
                     time_limit: float = 60) -> None:
    """Every hazard of `spec` (or those named) is proved `safe` under `policy` and the options.

    Fails with the shortest counterexample, step by step, when one is `unsafe`, and with the limit that
    stopped the search when one is `unknown` (not proved is not safe)."""
    from pathguard.modelcheck.check import check
    from pathguard.modelcheck.limits import Limits
    from pathguard.modelcheck.system import Options
    from pathguard.policy.compile import allow_everything
    from pathguard.report.findings import step_lines

    world, (compiled,) = _load(spec, policy)
    compiled = compiled or allow_everything(world)
    names = hazards if hazards is not None else list(world.hazards)
    unknown = [n for n in names if n not in world.hazards]
    assert not unknown, f"no hazard {', '.join(f'`{n}`' for n in unknown)} in `{world.system}`"
    result = check(world, compiled, bound=bound, limits=Limits(seconds=time_limit),
                   options=Options(assume_approvals=assume_approvals, model_time=model_time,
                                   subagents=subagents, knowledge=knowledge))
    problems = []
    for name in names:
        h = result.hazards[name]
        if h.verdict == "unsafe":
            problems.append(f"hazard `{name}` is reachable in {h.depth} call(s) under `{compiled.name}`:")
            problems += step_lines(h.steps)
        elif h.verdict == "unknown":
            problems.append(f"hazard `{name}` is not proved safe: {h.proof} (unknown is not safe)")
    assert not problems, "\n".join([*problems, "every verdict assumes: " + "; ".join(result.assumptions)])


def assert_policy_not_weaker(spec: Model, old: Policy, new: Policy, *, subagents: int = 0,
                             model_time: bool = False, max_states: int = 1_000_000,
                             seconds: float = 60) -> None:
    """`new` decides every call at least as restrictively as `old` along every run it allows
    (the precise definition is in `pathguard.testing.weaker`); fails with a shortest witness."""
    from pathguard.policy.compile import allow_everything
    from pathguard.testing.weaker import find_weakening

    world, (before, after) = _load(spec, old, new)
    witness = find_weakening(world, before or allow_everything(world), after or allow_everything(world),
                             subagents=subagents, model_time=model_time, max_states=max_states,
                             seconds=seconds)
    assert witness is None, f"the new policy is weaker: {witness}"


def assert_operations_hold(spec: Model, policy: Policy, operations: list[Op], *, subagents: int = 2) -> None:
    """Run `operations` (see `pathguard.fuzz.ops`) through a real guard as `pathguard fuzz` does; fails
    with what each did and which property broke."""
    from pathguard.fuzz.run import FuzzOptions, make_setup, run_operations
    from pathguard.policy.compile import allow_everything

    world, (compiled,) = _load(spec, policy)
    setup = make_setup(world, compiled or allow_everything(world), FuzzOptions(subagents=subagents))
    try:
        log, violated = run_operations(setup, operations)
    finally:
        setup.store.close()
    assert violated is None, "\n".join([*log, str(violated)])
