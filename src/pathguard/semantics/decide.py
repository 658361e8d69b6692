"""`decide()`: the one concrete meaning of a policy (SPEC §3).

The analyser, the model checker, the simulator and the runtime all call this
function; nothing else implements a policy rule. The SMT encoding mirrors it
clause by clause (each of its functions names the clause here it mirrors).
Pure: no clock, no randomness, no I/O; it reads only its arguments.
"""

from __future__ import annotations

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.semantics.effect import Decision, Effect, Reason
from pathguard.semantics.session import SessionState

ALLOW, APPROVAL, DENY = Effect.ALLOW, Effect.APPROVAL, Effect.DENY
CLOSED = Reason("closed", "closed", "closed: the session is closed (its budget ran out, or it was ended)")
REVIEW = Reason("intent", "review", "intent: session under review for intent deviation; "
                "non-read calls need approval")


def decide(world: World, policy: CompiledPolicy, session: SessionState, call: str) -> Decision:
    """Decide one call: the most restrictive effect over the clauses of SPEC §3."""
    plan = policy.plans.get(call)
    if plan is None:
        return Decision(DENY, (Reason("unknown", "unknown", f"unknown endpoint `{call}`"),))

    # 1. closed: a closed session denies everything.
    if session.closed:
        return Decision(DENY, (CLOSED,))

    # 2. layer 1: the most restrictive matching rule whose `when` holds, else `default`.
    effect = -1
    reasons: list[Reason] = []
    for rule in plan.rules:
        if rule.test is None or rule.test(session, plan.resource_slot, plan.index):
            if rule.effect > effect:
                effect, reasons = rule.effect, [rule.reason]
            elif rule.effect == effect:
                reasons.append(rule.reason)
    if effect < 0:
        effect, reasons = policy.default, [policy.default_reason]

    def contribute(e: Effect, reason: Reason) -> None:
        nonlocal effect, reasons
        if e > effect:
            effect, reasons = e, [reason]
        elif e == effect:
            reasons.append(reason)

    # 3. layer 2: critical actions, then the budget over the sliding window.
    if plan.critical:
        if policy.max_critical is not None and session.window_critical >= policy.max_critical:
            contribute(DENY, Reason("critical", "max_critical",
                                    f"critical: {session.window_critical} of {policy.max_critical} "
                                    "critical actions used in the window"))
        else:
            contribute(APPROVAL, Reason("critical", "critical", f"critical: `{call}` needs approval"))
    if policy.max_actions is not None and session.window_actions >= policy.max_actions:
        contribute(DENY, Reason("budget", "max_actions", f"budget: {session.window_actions} of "
                                f"{policy.max_actions} actions used in the window"))
    if not plan.is_read:
        if policy.max_writes is not None and session.window_writes >= policy.max_writes:
            contribute(DENY, Reason("budget", "max_writes", f"budget: {session.window_writes} of "
                                    f"{policy.max_writes} writes used in the window"))
        if (policy.read_only_actions is not None and session.window_actions >= policy.read_only_actions) or (
                policy.read_only_writes is not None and session.window_writes >= policy.read_only_writes):
            contribute(DENY, Reason("budget", "read_only_at",
                                    f"read-only: budget use reached {float(policy.read_only_at or 0):.0%} "
                                    f"({session.window_actions} actions, {session.window_writes} writes "
                                    "in the window)"))

    # 4. layer 3: forbidden sequences ending in this call.
    if plan.forbidden:
        recent = session.recent
        for entry in plan.forbidden:
            if entry.first in recent[-entry.within:]:
                contribute(entry.effect, entry.reason)

    # 5. intent: a session under review needs approval for every non-read call.
    if session.review and not plan.is_read:
        contribute(APPROVAL, REVIEW)

    return Decision(Effect(effect), tuple(reasons))
