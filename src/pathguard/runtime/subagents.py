"""Spawning sub-agents at run time: the rules are `pathguard.semantics.tree`'s.

The child's budget is `child_budget` (the least of what it asks, the policy's
`subagents.max_budget` and its parent's remaining actions); its calls are then
decided against it and every ancestor and counted in all of them (the
session's `check`). When the policy has an intent threshold, a child declares
its own intent, which must be at least that similar (cosine) to its parent's,
or the spawn itself needs an out-of-band approval (kind `spawn`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathguard.errors import PathguardError
from pathguard.runtime.approvals import call_hash, resolve
from pathguard.runtime.decision import ApprovalRequired, Checked, Denied
from pathguard.runtime.identity import identities
from pathguard.runtime.intent import cosine
from pathguard.semantics.effect import Effect, Reason
from pathguard.semantics.tree import child_budget
from pathguard.store.base import ApprovalRow

if TYPE_CHECKING:
    from pathguard.runtime.session import GuardedSession


def spawn(parent: GuardedSession, intent: str, asked: int, agent: str | None = None) -> GuardedSession:
    """Open a child session, or raise Denied (no budget left) / ApprovalRequired (intent strays)."""
    from pathguard.runtime.session import GuardedSession

    if type(asked) is not int or asked < 1:
        raise PathguardError(f"a sub-agent's budget is a whole number of actions >= 1, not {asked!r}")
    guard = parent.guard
    with parent.lock:
        now = guard.clock()
        params = {"intent": intent, "budget": asked}
        chain = parent._lineage(now)
        closed = next((s for s in chain if s.state.closed), None)
        budget = 0 if closed is not None else child_budget(parent.policy, parent.state, asked)
        if budget == 0:
            why = ("subagents: the parent's session tree is closed" if closed is not None else
                   "subagents: the parent has no budget left to give a sub-agent")
            parent._alert(now, "spawn", f"spawn of a sub-agent refused: {why}")
            raise Denied(Checked(parent.session_id, 0, "spawn", params, Effect.DENY,
                                 (Reason("subagents", "budget", why),), parent.deviation, None))
        track = guard.track(intent) if parent.track is not None else None
        threshold = parent.policy.intent_threshold
        if track is not None and parent.track is not None and threshold is not None:
            similarity = cosine(track.intent, parent.track.intent)
            if similarity < threshold:
                why = (f"subagents: child intent similarity {similarity:.3f} to the parent's is below "
                       f"{threshold:g}")
                tree = parent.tree_agents()
                row = ApprovalRow(0, call_hash(parent.session_id, "spawn", params), parent.session_id,
                                  parent.agent, tree, "spawn", params, "spawn", (why,),
                                  "pending", now, now + guard.approval_timeout, root=parent.root_id)
                outcome = resolve(guard.store, row, now, guard.trust, tree)
                if not outcome.run:
                    parent._alert(now, "spawn", f"spawn of a sub-agent held: {why}; {outcome.text}")
                    effect = Effect.APPROVAL if outcome.wait else Effect.DENY
                    decision = Checked(parent.session_id, 0, "spawn", params, effect,
                                       (Reason("subagents", "intent", why),
                                        Reason("approval", "spawn", outcome.text)), parent.deviation,
                                       outcome.approval_id)
                    raise ApprovalRequired(decision) if outcome.wait else Denied(decision)
        name = agent or f"{parent.agent}/sub{len(parent.children) + 1}"
        identities(name)  # IdentityError for a name no one can read reliably
        child = GuardedSession(guard, name, intent, parent=parent, scope=parent.scope, track=track,
                               budget=budget)
        parent.children.append(child)
        parent._alert(now, "spawn", f"spawned `{name}` ({child.session_id}) with "
                      f"{'unlimited' if budget is None else budget} actions: {intent}")
        return child
