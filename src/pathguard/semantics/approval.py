"""Which decisions an approval can lift, and what a granted approval makes of one (SPEC §2–§3).

Only `approval` is unlockable: a rule, a critical call, an intent review or a
forbidden entry with `decision: approval` waits for an approver; a `deny`,
whichever clause gave it, is final and no grant lifts it. A grant is for one
exact call and turns that call's `approval` into `allow`. The runtime (real
grants), the model checker (`--assume-approvals`: every approval granted) and
the simulator all ask these functions.
"""

from __future__ import annotations

from pathguard.semantics.effect import Decision, Effect, Reason


def unlockable(decision: Decision) -> bool:
    """The call may run once an approver grants it."""
    return decision.effect is Effect.APPROVAL


def runs(decision: Decision, granted: bool) -> bool:
    """A call runs on `allow`, or on `approval` when that exact call was granted."""
    return decision.effect is Effect.ALLOW or (granted and decision.effect is Effect.APPROVAL)


def with_grant(decision: Decision, grant: Reason) -> Decision:
    """The decision once a grant for exactly this call is used: `allow`, keeping why it needed one."""
    assert unlockable(decision), "only an approval decision can be granted"
    return Decision(Effect.ALLOW, (*decision.reasons, grant))
