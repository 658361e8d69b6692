"""Replay a trace through the real semantics: the check every counterexample passes.

Runs the calls on an unreduced `SessionState` with `decide()` and `executed()`
and the world's `needs`/`when`/`sets`, exactly as the runtime would. Any step
that would not run is an internal error (`ReplayError`), never a result: it
means an engine or a reduction disagrees with `decide()`.
"""

from __future__ import annotations

from pathguard.model.world import World
from pathguard.modelcheck.results import TraceStep
from pathguard.modelcheck.system import WAIT, WAIT_DECISION, Options, expire_window
from pathguard.policy.compile import CompiledPolicy
from pathguard.semantics.decide import decide
from pathguard.semantics.session import SessionState, executed


class ReplayError(AssertionError):
    """An engine produced a trace that `decide()` does not let through (a bug)."""


def replay(world: World, policy: CompiledPolicy, calls: list[str], options: Options | None = None,
           *, hazard: str | None = None, target: str | None = None) -> list[TraceStep]:
    """The steps of `calls` from the initial state; checks the end satisfies `hazard` and
    that the last call is `target`, when given."""
    options = options or Options()
    values = dict(world.initial)
    facts: set[str] = set()
    session = SessionState.root(policy)
    steps: list[TraceStep] = []
    for i, call in enumerate(calls, 1):
        if call == WAIT:
            if not options.model_time:
                raise ReplayError(f"step {i}: `wait` without --model-time")
            session = expire_window(session)
            steps.append(TraceStep(WAIT, str(WAIT_DECISION.effect), tuple(WAIT_DECISION.texts),
                                   dict(values)))
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
        decision = decide(world, policy, session, call)
        if decision.effect > options.max_effect:
            raise ReplayError(f"step {i}: decide() says {decision.effect} for `{call}`: "
                              + "; ".join(decision.texts))
        session = executed(policy, session, policy.plans[call])
        facts |= endpoint.produces
        values.update(endpoint.sets)
        steps.append(TraceStep(call, str(decision.effect), tuple(decision.texts), dict(values)))
    if hazard is not None and not all(values[v] == x for v, x in world.hazards[hazard]):
        raise ReplayError(f"the trace ends outside hazard `{hazard}`: {values}")
    if target is not None and (not calls or calls[-1] != target):
        raise ReplayError(f"the trace does not end with `{target}`")
    return steps
