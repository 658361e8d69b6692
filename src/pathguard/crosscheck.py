"""A model checker's trace run through the real runtime: the checker and the `Guard` must agree.

`replay_in_runtime` drives a fresh `Guard` (any store, a manual clock) with the
steps of a counterexample: calls through `GuardedSession.check`, spawns through
`spawn` (asking for as many actions as a child may get, as the checker does),
`wait` as the clock moving past the budget window, and, under
`--assume-approvals`, every approval granted by an approver outside the
session tree before the call is retried. Every step must run; the world the
trace reaches (by the model's `sets`) must satisfy the hazard, when one is
named. Anything else is a `RuntimeDisagrees` error: the two disagree on the
one semantics, which is a bug of one of them.

The checker assumes no session enters intent review (SPEC §3), so the guard
runs the policy without its intent layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pathguard.model.world import World, holds
from pathguard.modelcheck.system import SPAWN, WAIT, Options, parse_label
from pathguard.policy.compile import CompiledPolicy
from pathguard.runtime.approvals import decide_request
from pathguard.runtime.approvers import Approver, Keyring
from pathguard.runtime.clock import ManualClock
from pathguard.semantics.effect import Effect

if TYPE_CHECKING:
    from pathguard.runtime.guard import Guard
    from pathguard.runtime.session import GuardedSession

APPROVER = "crosscheck-approver"
AGENT = "crosscheck-agent"
AS_MUCH_AS_ALLOWED = 1 << 40  # a child asks for more than any budget gives; `child_budget` takes the least


class RuntimeDisagrees(AssertionError):
    """The runtime did not run a step the model checker let through (or ended elsewhere)."""


@dataclass
class RuntimeReplay:
    """What the runtime did with a trace: the guard (its store holds the trace), the sessions in
    spawn order (root first) and the world the model's `sets` reached."""

    guard: Guard
    sessions: list[GuardedSession]
    world: dict[str, str]
    granted: list[int] = field(default_factory=list)


def replay_in_runtime(world: World, policy: CompiledPolicy, trace: list[str], options: Options | None = None,
                      *, hazard: str | None = None, store: str = "memory") -> RuntimeReplay:
    """Run `trace` (labels as the checker prints them) through a real `Guard`."""
    from pathguard.runtime.guard import Guard

    options = options or Options()
    clock = ManualClock()
    approver = Approver.generate(policy.approvers[0] if policy.approvers else APPROVER)
    guard = Guard(world, replace(policy, intent_threshold=None), store, clock=clock,
                  keyring=Keyring({approver.name: approver.public_text}))
    sessions = [guard.session(agent=AGENT, intent="replay a model checker trace")]
    values = dict(world.initial)
    out = RuntimeReplay(guard, sessions, values)
    for i, step in enumerate(trace, 1):
        if step == WAIT:
            clock.advance(policy.window_seconds + 1)
            continue
        who, call = parse_label(step)
        if who >= len(sessions):
            raise RuntimeDisagrees(f"step {i} `{step}`: no such session")
        if call == SPAWN:
            sessions.append(sessions[who].spawn("replay a model checker trace", AS_MUCH_AS_ALLOWED,
                                                agent=f"{AGENT}/child{len(sessions)}"))
            continue
        decision = sessions[who].check(call, {"step": i})
        granted = options.assume_approvals and decision.approval_id is not None
        if decision.effect is Effect.APPROVAL and granted:
            assert decision.approval_id is not None
            decide_request(guard.store, decision.approval_id, approver, True, clock())
            out.granted.append(decision.approval_id)
            decision = sessions[who].check(call, {"step": i})
        if not decision.allowed:
            raise RuntimeDisagrees(f"step {i} `{step}`: the runtime says {decision.effect}: "
                                   + "; ".join(decision.texts))
        sessions[who].record(decision, "replayed")
        values.update(world.by_name[call].sets)
    if hazard is not None and not holds(world.hazards[hazard], values):
        raise RuntimeDisagrees(f"the runtime's run ends outside hazard `{hazard}`: {values}")
    return out
