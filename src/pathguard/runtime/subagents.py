"""Sub-agents: a child session with a budget carved out of its parent's.

The child's budget is min(asked, `subagents.max_budget`, the parent's remaining
actions in the window); it is reserved at once (the parent's own checks see it
as used) and every call the child runs counts against both. The child gets the
same policy with `max_actions` set to its budget (read-only threshold scaled by
the same `read_only_at`), so `decide()` enforces it like any budget. Layer 3 is
inherited in full: the child's recent history starts from the parent's, and the
parent's history receives the child's calls. When the policy has an intent
threshold, the child's intent must be at least that similar (cosine) to its
parent's, or the spawn itself needs an out-of-band approval (kind `spawn`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pathguard.policy.compile import read_only_threshold
from pathguard.runtime.approvals import call_hash, resolve
from pathguard.runtime.decision import ApprovalRequired, Checked, Denied
from pathguard.runtime.intent import cosine
from pathguard.semantics.effect import Effect, Reason
from pathguard.store.base import AlertRow, ApprovalRow

if TYPE_CHECKING:
    from pathguard.policy.compile import CompiledPolicy
    from pathguard.runtime.session import GuardedSession


def child_budget(parent: GuardedSession, asked: int) -> int:
    """Actions the child may take: never more than the parent has left."""
    policy = parent.policy
    budget = asked if policy.subagent_budget is None else min(asked, policy.subagent_budget)
    if policy.max_actions is not None:
        state = parent._view()
        if state.closed:
            return 0
        budget = min(budget, policy.max_actions - state.window_actions)
    return max(0, budget)


def child_policy(policy: CompiledPolicy, budget: int) -> CompiledPolicy:
    return replace(policy, max_actions=budget,
                   read_only_actions=read_only_threshold(policy.read_only_at, budget))


def spawn(parent: GuardedSession, intent: str, asked: int, agent: str | None = None) -> GuardedSession:
    """Open a child session, or raise Denied (no budget left) / ApprovalRequired (intent strays)."""
    from pathguard.runtime.session import GuardedSession

    guard = parent.guard
    now = guard.clock()
    params = {"intent": intent, "budget": asked}
    budget = child_budget(parent, asked)
    if budget <= 0:
        parent.seq += 1
        raise Denied(Checked(parent.session_id, parent.seq, "spawn", params, Effect.DENY,
                             (Reason("subagents", "budget", "subagents: the parent has no budget left to "
                                     "give a sub-agent"),), parent.deviation, None))
    track = guard.track(intent) if parent.track is not None else None
    threshold = parent.policy.intent_threshold
    if track is not None and parent.track is not None and threshold is not None:
        similarity = cosine(track.intent, parent.track.intent)
        if similarity < threshold:
            why = (f"subagents: child intent similarity {similarity:.3f} to the parent's is below "
                   f"{threshold:g}")
            row = ApprovalRow(0, call_hash(parent.session_id, "spawn", params), parent.session_id,
                              parent.agent, parent.barred, "spawn", params, "spawn", (why,), "pending",
                              now, now + guard.approval_timeout)
            outcome = resolve(guard.store, row, now)
            if not outcome.run:
                guard.store.add_alert(AlertRow(parent.session_id, now, "spawn", f"spawn of a sub-agent held: "
                                               f"{why}; {outcome.text}"))  # durable, and so is the request
                parent.seq += 1
                effect = Effect.APPROVAL if outcome.wait else Effect.DENY
                decision = Checked(parent.session_id, parent.seq, "spawn", params, effect,
                                   (Reason("subagents", "intent", why),
                                    Reason("approval", "spawn", outcome.text)), parent.deviation,
                                   outcome.approval_id)
                raise ApprovalRequired(decision) if outcome.wait else Denied(decision)
    name = agent or f"{parent.agent}/sub{len(parent.children) + 1}"
    child = GuardedSession(guard, name, intent, policy=child_policy(parent.policy, budget), parent=parent,
                           scope=parent.scope, track=track, budget=budget)
    parent.reserved += budget
    parent.children.append(child)
    guard.store.add_alert(AlertRow(parent.session_id, now, "spawn", f"spawned `{name}` "
                                   f"({child.session_id}) with {budget} actions: {intent}"))
    return child
