"""Out-of-band approvals: a pending call, granted or denied by an approver, used once.

A request is keyed by the sha256 of exactly (session, endpoint, canonical JSON
of the parameters), so a grant can run only that call, in that session, once
(the `granted -> used` step is one atomic UPDATE in the store). A decision is
signed by its approver (`approvers.py`); the runtime uses a grant only when

- its signature verifies under the key the guard's keyring holds for the approver,
- the approver is one the policy names (`approvals.approvers`, when given),
- the approver is no agent of the requesting session's tree (itself, its ancestors,
  descendants and siblings), compared as identities (`identity.py`), and
- it is younger than the policy's `approvals.expire_minutes` (unused grants expire).

A pending request expires after the same time: the next check of that call is
denied and a later retry opens a fresh request. A denial is final for that exact
call. Kinds: `approval` unlocks an `approval` decision (only those are
unlockable, SPEC §2: a `deny` is final); `spawn` lets a sub-agent whose intent
strays from its parent's start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pathguard.errors import PathguardError
from pathguard.runtime.approvers import Approver, Keyring, fingerprint, verify
from pathguard.runtime.identity import same_identity
from pathguard.semantics.params import canonical_json
from pathguard.store.base import ApprovalRow, Store

COVERS = {"approval": {"approval"}, "spawn": {"spawn"}}


def call_hash(session_id: str, endpoint: str, params: dict[str, Any]) -> str:
    """sha256 of session, endpoint and canonical parameters, NUL-separated (no name contains NUL)."""
    return hashlib.sha256(f"{session_id}\0{endpoint}\0{canonical_json(params)}".encode()).hexdigest()


@dataclass(frozen=True)
class Trust:
    """Whose grants a guard accepts: the keyring, the approvers the policy names (None: anyone in
    the keyring), and how long a grant stays usable."""

    keyring: Keyring | None
    approvers: tuple[str, ...] | None
    expire_seconds: float

    def refuses(self, row: ApprovalRow, tree: Iterable[str], now: float) -> str | None:
        """Why a granted request may not be used, or None when it may."""
        if self.keyring is None:
            return "the guard has no keyring, so it trusts no approver (Guard(keyring=...))"
        who = row.decided_by or ""
        if self.approvers is not None and not any(same_identity(who, a) for a in self.approvers):
            return f"`{who}` is not an approver of this policy ({', '.join(self.approvers)})"
        if any(same_identity(who, agent) for agent in tree):
            return f"`{who}` is an agent of the requesting session tree"
        if row.decided_at is None or now > row.decided_at + self.expire_seconds:
            return f"the grant expired {self.expire_seconds:g} s after it was given"
        return verify(self.keyring, row)


class Outcome:
    """What the approval machinery says about one call: run it, wait, or deny."""

    __slots__ = ("approval_id", "run", "text", "wait")

    def __init__(self, run: bool, wait: bool, text: str, approval_id: int) -> None:
        self.run, self.wait, self.text, self.approval_id = run, wait, text, approval_id


def resolve(store: Store, row: ApprovalRow, now: float, trust: Trust, tree: Iterable[str], *,
            asked: bool = True) -> Outcome:
    """Use a matching grant, report a pending/denied/expired request, or open a new one.

    `row` describes the request to open if none applies (its id is ignored); `tree` names every
    agent of the requester's session tree. Its writes are not durable on their own: the check's
    action row, written durably next, makes them so. `asked=False` says no request for this hash
    was ever opened, so the lookup is skipped: the hash contains the session id, and only the
    session's own checks open its requests."""
    latest = store.latest_approval(row.call_hash) if asked else None
    if latest is not None:
        if latest.status == "granted" and row.kind in COVERS[latest.kind]:
            refused = trust.refuses(latest, tree, now)
            if refused is not None:
                return Outcome(False, False, f"approval: #{latest.id} granted by {latest.decided_by}, but "
                               f"not usable: {refused}", latest.id)
            if store.transition(latest.id, "granted", "used", durable=False):
                return Outcome(True, False, f"approval: #{latest.id} granted by {latest.decided_by} "
                               "(signed; used once, for this exact call)", latest.id)
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
                   f"{approval_id} --as NAME --key NAME.key)", approval_id)


def decide_request(store: Store, approval_id: int, approver: Approver, grant: bool, now: float, *,
                   keyring: Keyring | None = None) -> ApprovalRow:
    """Grant or deny a pending request as `approver`, signed; PathguardError when not allowed.
    With `keyring`, the approver's key must be the one it holds for that name."""
    row = store.approval(approval_id)
    if row is None:
        raise PathguardError(f"no approval request #{approval_id}")
    tree = set(row.barred) | set(store.tree_agents(row.root) if row.root else ())
    barred = next((agent for agent in sorted(tree) if same_identity(approver.name, agent)), None)
    if barred is not None:
        raise PathguardError(f"`{approver.name}` may not decide request #{approval_id}: it reads as "
                             f"`{barred}`, an agent of the requesting session tree")
    public = approver.public_text
    if keyring is not None and keyring.public_key(approver.name) != public:
        raise PathguardError(f"the key given is not the one keyring {keyring.file} holds for "
                             f"`{approver.name}`")
    if row.status == "pending" and now > row.expires:
        store.transition(approval_id, "pending", "expired", at=now)
        raise PathguardError(f"request #{approval_id} expired at {row.expires:.0f} (unanswered)")
    if row.status != "pending":
        raise PathguardError(f"request #{approval_id} is {row.status}, not pending")
    decision = "granted" if grant else "denied"
    signature = approver.sign(row, decision, now)
    if not store.transition(approval_id, "pending", decision, by=approver.name, at=now, signature=signature,
                            key=fingerprint(public)):
        current = store.approval(approval_id)
        raise PathguardError(f"request #{approval_id} is {current.status if current else 'gone'}, "
                             "not pending")
    decided = store.approval(approval_id)
    assert decided is not None
    return decided
