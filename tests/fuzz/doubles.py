"""Test doubles of the runtime with a planted bug, for the fuzz to find (never used by the product)."""

from __future__ import annotations

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.runtime.approvers import Keyring
from pathguard.runtime.clock import ManualClock
from pathguard.runtime.guard import Guard
from pathguard.runtime.session import GuardedSession
from pathguard.store.base import Store


class LeakySession(GuardedSession):
    """The planted bug: a sub-agent's calls are decided and counted against the sub-agent alone,
    so its ancestors' budgets (and their histories) never see them."""

    def _lineage(self, now: float) -> list[GuardedSession]:
        return super()._lineage(now)[:1]

    def spawn(self, intent: str, budget: int, agent: str | None = None) -> GuardedSession:
        child = super().spawn(intent, budget, agent)
        child.__class__ = LeakySession
        return child


class LeakyGuard(Guard):
    def session(self, agent: str, intent: str = "", scope: str | None = None) -> GuardedSession:
        session = super().session(agent, intent, scope)
        session.__class__ = LeakySession
        return session


def leaky_guard(world: World, policy: CompiledPolicy, store: Store, clock: ManualClock,
                keyring: Keyring) -> Guard:
    """`pathguard fuzz --guard doubles:leaky_guard`: the guard with the planted bug."""
    return LeakyGuard(world, policy, store, clock=clock, keyring=keyring)
