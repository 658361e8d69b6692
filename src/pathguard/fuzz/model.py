"""An independent model of a session tree, deciding through `pathguard.semantics` only.

The fuzz compares the runtime with this model call by call. It holds, per
session, what the pure functions need (its action budget, its `SessionState`)
and the one thing they leave to a host, the clock: the calls counted in each
session with their times, from which the sliding window's counts are
recounted before every decision (`SessionState.with_window`). Every rule
comes from `semantics.tree` (`decide_lineage`, `run_lineage`, `child_budget`,
`child_state`, `host_closed`); nothing here decides on its own.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy, EndpointPlan
from pathguard.semantics.effect import Decision
from pathguard.semantics.session import SessionState
from pathguard.semantics.tree import (
    child_budget,
    child_state,
    decide_lineage,
    host_closed,
    run_lineage,
)


@dataclass
class ModelSession:
    parent: int
    """Index of the parent session, -1 for the root."""
    budget: int | None
    """Its own action budget (`max_actions`), as `child_budget` gave it."""
    policy: CompiledPolicy
    state: SessionState
    window: deque[tuple[float, EndpointPlan]] = field(default_factory=deque)
    """The calls counted in this session (its own and its descendants'), oldest first, with
    their times, while they are inside its budget window."""


class TreeModel:
    """The tree of one fuzz example: sessions by index, root first, children in spawn order."""

    def __init__(self, world: World, policy: CompiledPolicy) -> None:
        self.world = world
        self.policy = policy
        self.span = policy.window_seconds
        self.sessions = [ModelSession(-1, policy.max_actions, policy, SessionState.root(policy))]

    def lineage(self, who: int) -> list[int]:
        """`who` and its ancestors, nearest first."""
        out = [who]
        while self.sessions[out[-1]].parent >= 0:
            out.append(self.sessions[out[-1]].parent)
        return out

    def descendants(self, who: int) -> list[int]:
        """`who` and every session below it."""
        return [i for i in range(len(self.sessions)) if who in self.lineage(i)]

    def _slid(self, index: int, now: float) -> ModelSession:
        """The session with its window slid to `now`: calls at or before `now - span` leave it."""
        session = self.sessions[index]
        window, edge = session.window, now - self.span
        if window and window[0][0] <= edge:
            while window and window[0][0] <= edge:
                window.popleft()
            plans = [p for _, p in window]
            session.state = session.state.with_window(len(plans), sum(p.is_write for p in plans),
                                                      sum(p.critical for p in plans))
        return session

    def decide(self, who: int, call: str, now: float) -> Decision:
        """`decide_lineage` against `who` and its ancestors, at time `now`."""
        chain = [self._slid(i, now) for i in self.lineage(who)]
        return decide_lineage(self.world, [(s.policy, s.state) for s in chain], call)

    def run(self, who: int, call: str, now: float) -> None:
        """The call ran: counted in, and appended to the history of, `who` and every ancestor."""
        indices = self.lineage(who)
        chain = [self._slid(i, now) for i in indices]
        plan = self.policy.plans[call]
        for session, state in zip(chain, run_lineage([(s.policy, s.state) for s in chain], plan),
                                  strict=True):
            session.state = state
            session.window.append((now, plan))

    def child_budget(self, who: int, asked: int, now: float) -> int | None:
        """The budget `child_budget` gives a child of `who` asking for `asked` actions (0: none)."""
        parent = self._slid(who, now)
        return child_budget(parent.policy, parent.state, asked)

    def add_child(self, who: int, budget: int | None) -> int:
        parent = self.sessions[who]
        policy = self.policy.with_budget(budget)
        self.sessions.append(ModelSession(who, budget, policy, child_state(parent.state, policy)))
        return len(self.sessions) - 1

    def close(self, who: int) -> None:
        """The host ended `who`: it and its descendants run nothing more."""
        for i in self.descendants(who):
            self.sessions[i].state = host_closed(self.sessions[i].state)
