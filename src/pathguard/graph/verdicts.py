"""Verdict of a path under a policy (SPEC §4): run it as a fresh root session.

The first call whose decision is not `allow` decides: `deny` blocks the path,
`approval` gates it; a path with no such call is open. World preconditions
are not checked: a path is a chain of enabling, not a plan.

`Walker` does the same one call at a time, so the enumerator can share the
work of a common prefix between all the paths that extend it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Decision, Effect, Reason
from pathguard.semantics.session import SessionState, executed

Verdict = Literal["open", "gated", "blocked"]
_VERDICT: dict[Effect, Verdict] = {Effect.DENY: "blocked", Effect.APPROVAL: "gated"}


@dataclass(frozen=True, slots=True)
class Stop:
    """Where a path stopped: the 0-based step and the decision there."""

    step: int
    verdict: Verdict
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Carry:
    """The walk so far: the session before the next call, or the stop already reached."""

    session: SessionState
    stop: Stop | None
    depth: int


@dataclass(frozen=True, slots=True)
class PathVerdict:
    calls: tuple[str, ...]
    verdict: Verdict
    step: int | None
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, object]:
        return {"calls": list(self.calls), "verdict": self.verdict, "step": self.step,
                "reasons": [r.text for r in self.reasons]}


class Walker:
    """Extends a walk by one call, caching decisions of identical (session, call) pairs."""

    def __init__(self, world: World, policy: CompiledPolicy) -> None:
        self.world = world
        self.policy = policy
        self._cache: dict[tuple[SessionState, str], tuple[Decision, SessionState | None]] = {}

    def start(self) -> Carry:
        return Carry(SessionState.root(self.policy), None, 0)

    def extend(self, carry: Carry, call: str) -> Carry:
        if carry.stop is not None:
            return Carry(carry.session, carry.stop, carry.depth + 1)
        key = (carry.session, call)
        cached = self._cache.get(key)
        if cached is None:
            decision = decide(self.world, self.policy, carry.session, call)
            after = (executed(self.policy, carry.session, self.policy.plans[call])
                     if decision.effect is Effect.ALLOW else None)
            if len(self._cache) > 500_000:
                self._cache.clear()
            cached = self._cache[key] = (decision, after)
        decision, after = cached
        if after is None:
            return Carry(carry.session, Stop(carry.depth, _VERDICT[decision.effect], decision.reasons),
                         carry.depth + 1)
        return Carry(after, None, carry.depth + 1)

    def finish(self, calls: tuple[str, ...], carry: Carry) -> PathVerdict:
        if carry.stop is None:
            return PathVerdict(calls, "open", None, ())
        return PathVerdict(calls, carry.stop.verdict, carry.stop.step, carry.stop.reasons)


def path_verdict(world: World, policy: CompiledPolicy, calls: Sequence[str]) -> PathVerdict:
    """The verdict of one path, walked from a fresh root session."""
    walker = Walker(world, policy)
    carry = walker.start()
    for call in calls:
        carry = walker.extend(carry, call)
    return walker.finish(tuple(calls), carry)
