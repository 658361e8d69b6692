"""Out-of-band approvals: a pending call, granted or denied by someone else, used once.

A request is keyed by the sha256 of exactly (session, endpoint, canonical JSON
of the parameters), so a grant can run only that call, in that session, once
(the `granted -> used` step is one atomic UPDATE in the store). The agent and
the agents of its ancestor sessions are barred from deciding it. A pending
request expires after `timeout` seconds: the next check of that call is denied
and a later retry opens a fresh request. A denial is final for that exact call.

Kinds: `approval` unlocks an `approval` decision (only those are unlockable,
SPEC §2: a `deny` is final); `spawn` lets a sub-agent whose intent strays from
its parent's start.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pathguard.errors import PathguardError
from pathguard.semantics.params import canonical_json
from pathguard.store.base import ApprovalRow, Store

COVERS = {"approval": {"approval"}, "spawn": {"spawn"}}


def call_hash(session_id: str, endpoint: str, params: dict[str, Any]) -> str:
    """sha256 of session, endpoint and canonical parameters, NUL-separated (no name contains NUL)."""
    return hashlib.sha256(f"{session_id}\0{endpoint}\0{canonical_json(params)}".encode()).hexdigest()


def identity(name: str) -> str:
    """Identities compare trimmed and case-folded (`Ops-Agent` is `ops-agent`)."""
    return name.strip().casefold()


class Outcome:
    """What the approval machinery says about one call: run it, wait, or deny."""

    __slots__ = ("approval_id", "run", "text", "wait")

    def __init__(self, run: bool, wait: bool, text: str, approval_id: int) -> None:
        self.run, self.wait, self.text, self.approval_id = run, wait, text, approval_id


def resolve(store: Store, row: ApprovalRow, now: float, *, asked: bool = True) -> Outcome:
    """Use a matching grant, report a pending/denied/expired request, or open a new one.

    `row` describes the request to open if none applies (its id is ignored). Its writes are
    not durable on their own: the check's action row, written durably next, makes them so.
    `asked=False` says no request for this hash was ever opened, so the lookup is skipped: the
    hash contains the session id, and only the session's own checks open its requests."""
    latest = store.latest_approval(row.call_hash) if asked else None
    if latest is not None:
        if latest.status == "granted" and row.kind in COVERS[latest.kind]:
            if store.transition(latest.id, "granted", "used", durable=False):
                return Outcome(True, False, f"approval: #{latest.id} granted by {latest.decided_by} "
                               "(used once, for this exact call)", latest.id)
        elif latest.status == "pending" and row.kind in COVERS[latest.kind]:
            if now <= latest.expires:
                return Outcome(False, True, f"approval: #{latest.id} pending", latest.id)
            if store.transition(latest.id, "pending", "expired", at=now, durable=False):
                return Outcome(False, False, f"approval: #{latest.id} expired unanswered after "
                               f"{latest.expires - latest.created:g} s", latest.id)
        elif latest.status == "denied":
            return Outcome(False, False, f"approval: #{latest.id} denied by {latest.decided_by}", latest.id)
    approval_id = store.open_approval(row, durable=False)
    return Outcome(False, True, f"approval: #{approval_id} requested (pathguard approvals approve "
                   f"{approval_id} --as NAME)", approval_id)


def decide_request(store: Store, approval_id: int, by: str, grant: bool, now: float) -> ApprovalRow:
    """Grant or deny a pending request as `by`; raises PathguardError when not allowed."""
    row = store.approval(approval_id)
    if row is None:
        raise PathguardError(f"no approval request #{approval_id}")
    who = identity(by)
    if not who:
        raise PathguardError("an approver needs a name (--as NAME)")
    if who in row.barred:
        raise PathguardError(f"`{by}` may not decide request #{approval_id}: it is the requesting agent "
                             "or the agent of a parent session")
    if row.status == "pending" and now > row.expires:
        store.transition(approval_id, "pending", "expired", at=now)
        raise PathguardError(f"request #{approval_id} expired at {row.expires:.0f} (unanswered)")
    if not store.transition(approval_id, "pending", "granted" if grant else "denied", by=by, at=now):
        current = store.approval(approval_id)
        raise PathguardError(f"request #{approval_id} is {current.status if current else 'gone'}, "
                             "not pending")
    decided = store.approval(approval_id)
    assert decided is not None
    return decided
