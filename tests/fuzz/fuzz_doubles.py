"""Test doubles of the runtime with a planted bug, for the fuzz to find (never used by the product)."""

from __future__ import annotations

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.runtime.approvals import Trust
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
    """`pathguard fuzz --guard fuzz_doubles:leaky_guard`: the guard with the planted bug."""
    return LeakyGuard(world, policy, store, clock=clock, keyring=keyring)


class _TrustAll(Trust):
    def refuses(self, row: object, tree: object, now: float) -> str | None:
        return None


class TrustingGuard(Guard):
    """The planted bug: any grant in the store is used, signed or not, by anyone."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.trust = _TrustAll(self.keyring, None, self.approval_timeout)


def trusting_guard(world: World, policy: CompiledPolicy, store: Store, clock: ManualClock,
                   keyring: Keyring) -> Guard:
    return TrustingGuard(world, policy, store, clock=clock, keyring=keyring)


def permissive_guard(world: World, policy: CompiledPolicy, store: Store, clock: ManualClock,
                     keyring: Keyring) -> Guard:
    """The planted bug: the guard enforces no policy at all."""
    from pathguard.policy.compile import allow_everything

    return Guard(world, allow_everything(world), store, clock=clock, keyring=keyring)


class GenerousSession(GuardedSession):
    """The planted bug: a sub-agent gets the budget it asks for."""

    def spawn(self, intent: str, budget: int, agent: str | None = None) -> GuardedSession:
        child = super().spawn(intent, budget, agent)
        child.budget = budget
        child.policy = child.guard.policy.with_budget(budget)
        child.__class__ = GenerousSession
        return child


class GenerousGuard(Guard):
    def session(self, agent: str, intent: str = "", scope: str | None = None) -> GuardedSession:
        session = super().session(agent, intent, scope)
        session.__class__ = GenerousSession
        return session


def generous_guard(world: World, policy: CompiledPolicy, store: Store, clock: ManualClock,
                   keyring: Keyring) -> Guard:
    return GenerousGuard(world, policy, store, clock=clock, keyring=keyring)


class ForgetfulStore:
    """The planted bug: a store that drops the result of every third recorded call."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._updates = 0

    def update_action(self, *args: object, **kwargs: object) -> None:
        self._updates += 1
        if self._updates % 3:
            self._store.update_action(*args, **kwargs)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


def forgetful_guard(world: World, policy: CompiledPolicy, store: Store, clock: ManualClock,
                    keyring: Keyring) -> Guard:
    return Guard(world, policy, ForgetfulStore(store), clock=clock, keyring=keyring)  # type: ignore[arg-type]
