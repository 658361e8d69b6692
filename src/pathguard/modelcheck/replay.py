"""Replay a trace through the real semantics: the check every counterexample passes.

Runs the calls on an unreduced `SessionState` with `decide()` and `executed()`
and the world's `needs`/`when`/`sets`, exactly as the runtime would. Any step
that would not run is an internal error (`ReplayError`), never a result: it
means an engine or a reduction disagrees with `decide()`.
"""

from __future__ import annotations

from pathguard.model.world import World, holds
from pathguard.modelcheck.results import TraceStep
from pathguard.modelcheck.system import SPAWN, SPAWN_DECISION, WAIT, WAIT_DECISION, Options, parse_label
from pathguard.policy.compile import CompiledPolicy
from pathguard.semantics.approval import runs
from pathguard.semantics.tree import decide_in_tree, root_tree, run_in_tree, spawn_in_tree, window_expired


class ReplayError(AssertionError):
    """An engine produced a trace that `decide()` does not let through (a bug)."""


def replay(world: World, policy: CompiledPolicy, calls: list[str], options: Options | None = None,
           *, hazard: str | None = None, target: str | None = None) -> list[TraceStep]:
    """The steps of `calls` from the initial state; checks the end satisfies `hazard` and
    that the last call is `target`, when given."""
    options = options or Options()
    values = dict(world.initial)
    facts = set(world.initial_facts(options.knowledge))
    tree = root_tree(policy)
    steps: list[TraceStep] = []
    for i, step in enumerate(calls, 1):
        who, call = parse_label(step)
        if who >= len(tree):
            raise ReplayError(f"step {i}: no session `child{who}`")
        if step == WAIT:
            if not options.model_time:
                raise ReplayError(f"step {i}: `wait` without --model-time")
            tree = tuple(m._replace(state=window_expired(m.state)) for m in tree)
            steps.append(TraceStep(call=WAIT, decision=str(WAIT_DECISION.effect), reasons=WAIT_DECISION.texts,
                                   world=dict(values)))
            continue
        if call == SPAWN:
            spawned = spawn_in_tree(policy, tree, who)
            if len(tree) > options.subagents or spawned is None:
                raise ReplayError(f"step {i}: `{step}`: no child may be spawned here")
            tree = spawned
            steps.append(TraceStep(call=step, decision=str(SPAWN_DECISION.effect),
                                   reasons=SPAWN_DECISION.texts, world=dict(values)))
            continue
        endpoint = world.by_name.get(call)
        if endpoint is None:
            raise ReplayError(f"step {i}: `{call}` is not an endpoint")
        if not endpoint.needs <= facts:
            raise ReplayError(f"step {i}: `{call}` needs {sorted(endpoint.needs - facts)}")
        for var, allowed in endpoint.when:
            if values[var] not in allowed:
                raise ReplayError(f"step {i}: `{call}` needs {var} in {sorted(allowed)}, "
                                  f"world has {values[var]}")
        decision = decide_in_tree(world, policy, tree, who, call)
        if not runs(decision, granted=options.assume_approvals):
            raise ReplayError(f"step {i}: decide() says {decision.effect} for `{step}`: "
                              + "; ".join(decision.texts))
        tree = run_in_tree(policy, tree, who, call)
        facts |= endpoint.produces
        changed = {v: x for v, x in endpoint.sets if values[v] != x}
        values.update(changed)
        steps.append(TraceStep(call=step, decision=str(decision.effect), reasons=decision.texts,
                               changed=changed, world=dict(values)))
    if hazard is not None and not holds(world.hazards[hazard], values):
        raise ReplayError(f"the trace ends outside hazard `{hazard}`: {values}")
    if target is not None and (not calls or parse_label(calls[-1])[1] != target):
        raise ReplayError(f"the trace does not end with `{target}`")
    return steps
