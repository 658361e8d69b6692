"""A guard for tests: a manual clock, a throw-away store, and an approver its keyring trusts.

`load_guard` builds one from the user's files; `isolated` rewires the guard a
user's module already built (the one its `@guard.tool` functions are bound
to) for the length of a test, and puts everything back afterwards. Use it
while no session of that guard is open: sessions read the clock and the
store when they start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathguard.runtime.approvals import Trust, decide_request
from pathguard.runtime.approvers import Approver, Keyring
from pathguard.runtime.clock import ManualClock
from pathguard.runtime.guard import Guard
from pathguard.store.base import ApprovalRow, SessionTrace, open_store

TEST_APPROVER = "pathguard-test-approver"


@dataclass
class GuardEnv:
    """A guard under test with the means to drive it: its clock, its approver, its trace."""

    guard: Guard
    clock: ManualClock
    approver: Approver

    def approve(self, approval_id: int) -> ApprovalRow:
        """Grant a pending request as the trusted approver, signed."""
        return decide_request(self.guard.store, approval_id, self.approver, True, self.clock())

    def deny(self, approval_id: int) -> ApprovalRow:
        return decide_request(self.guard.store, approval_id, self.approver, False, self.clock())

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def pass_window(self) -> None:
        """Move the clock past the budget window: every earlier call leaves it."""
        self.clock.advance(self.guard.policy.window_seconds + 1)

    def trace(self, session_id: str) -> SessionTrace:
        trace = self.guard.store.session(session_id)
        assert trace is not None, f"no session {session_id} in the store"
        return trace


def _approver(guard_policy_approvers: tuple[str, ...] | None) -> Approver:
    return Approver.generate(guard_policy_approvers[0] if guard_policy_approvers else TEST_APPROVER)


def load_guard(endpoints: str | Path, policy: str | Path | None = None, *, store: str = "memory",
               **options: Any) -> GuardEnv:
    """A guard on the user's files with a manual clock, a throw-away store (`memory`, or a URL the
    caller throws away) and an approver its keyring trusts (the policy's first, if it names any)."""
    from pathguard.inputs import load_inputs
    from pathguard.policy.compile import allow_everything

    inputs = load_inputs(endpoints, policy)
    compiled = inputs.policy or allow_everything(inputs.world)
    approver = _approver(compiled.approvers)
    clock = ManualClock()
    keyring = Keyring({approver.name: approver.public_text})
    guard = Guard(inputs.world, compiled, store, clock=clock, keyring=keyring, **options)
    return GuardEnv(guard, clock, approver)


@contextmanager
def isolated(guard: Guard, *, store: str = "memory") -> Iterator[GuardEnv]:
    """`guard` with a manual clock, a throw-away store and a trusted test approver, until the end of
    the block; its own clock, store and keyring are put back afterwards."""
    saved = (guard.clock, guard.store, guard.keyring, guard.trust)
    approver = _approver(guard.policy.approvers)
    clock = ManualClock()
    keyring = Keyring({approver.name: approver.public_text})
    guard.clock, guard.store, guard.keyring = clock, open_store(store), keyring
    guard.trust = Trust(keyring, guard.policy.approvers, guard.approval_timeout)
    try:
        yield GuardEnv(guard, clock, approver)
    finally:
        guard.store.close()
        guard.clock, guard.store, guard.keyring, guard.trust = saved
