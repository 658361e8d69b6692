"""Verdict and executability of a path (SPEC §4), walked one call at a time.

Verdict: run the path as a fresh root session through `decide()`; the first
call whose decision is not `allow` decides: `deny` blocks the path, `approval`
gates it; a path with no such call is open. World preconditions are not
checked here: a path is a chain of enabling, not a plan.

Executable: run the path from the initial world with the facts known at the
start under discovery (SPEC §5); it is executable when each call's `needs`
are known and its `when` holds when its turn comes. If not, the first call
that cannot run and why.

`Walker` extends a walk by one call, so the enumerator shares the work of a
common prefix between every path that extends it. Session states and
(world, facts) states are interned to small integers and each step is cached
in a table per state, so extending a walk is two list lookups once the table
is warm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect, Reason
from pathguard.semantics.session import SessionState, executed

Verdict = Literal["open", "gated", "blocked"]
_VERDICT: dict[Effect, Verdict] = {Effect.DENY: "blocked", Effect.APPROVAL: "gated"}


@dataclass(frozen=True, slots=True)
class Stop:
    """Where a walk stopped: the 0-based step and why (a decision, or a call that cannot run)."""

    step: int
    verdict: Verdict
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Halt:
    """The first call of a walk that cannot run from the initial world, and why (0-based step)."""

    step: int
    why: str


Carry = tuple[int | Stop, int | Halt, int]
"""A walk so far: the session (an interned id, or where the policy stopped it), the world and
facts (an interned id, or where a call could not run), and its length."""


@dataclass(frozen=True, slots=True)
class PathVerdict:
    calls: tuple[str, ...]
    verdict: Verdict
    step: int | None
    reasons: tuple[Reason, ...]
    executable: bool = True
    why: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"calls": list(self.calls), "verdict": self.verdict, "step": self.step,
                "reasons": [r.text for r in self.reasons], "executable": self.executable, "why": self.why}


class Walker:
    """Extends walks by one call; caches every (session, call) decision and (world, call) step."""

    def __init__(self, world: World, policy: CompiledPolicy) -> None:
        self.world = world
        self.policy = policy
        self.index = {name: i for i, name in enumerate(world.names)}
        self._variables = tuple(world.variables)
        root = SessionState.root(policy)
        self._sessions: list[SessionState] = [root]
        self._session_ids: dict[SessionState, int] = {root: 0}
        self._moves: list[list[int | tuple[Verdict, tuple[Reason, ...]] | None]] = [[None] * len(self.index)]
        start = (tuple(world.initial[v] for v in self._variables), world.initial_facts("discover"))
        self._states: list[tuple[tuple[str, ...], frozenset[str]]] = [start]
        self._state_ids = {start: 0}
        self._steps: list[list[int | str | None]] = [[None] * len(self.index)]

    def start(self) -> Carry:
        return (0, 0, 0)

    def extend(self, carry: Carry, call: str) -> Carry:
        session, state, depth = carry
        code = self.index[call]
        if isinstance(session, int):
            move = self._moves[session][code]
            if move is None:
                move = self._move(session, code)
            session = move if isinstance(move, int) else Stop(depth, *move)
        if isinstance(state, int):
            step = self._steps[state][code]
            if step is None:
                step = self._step(state, code)
            state = step if isinstance(step, int) else Halt(depth, step)
        return (session, state, depth + 1)

    def leaf(self, carry: Carry, call: str) -> tuple[Verdict, bool]:
        """The verdict and executability of the walk `carry` extended by `call`, without building
        it (the enumerator asks this for every path, and builds only the paths it lists)."""
        session, state, _ = carry
        code = self.index[call]
        if isinstance(session, int):
            move = self._moves[session][code]
            if move is None:
                move = self._move(session, code)
            verdict: Verdict = "open" if isinstance(move, int) else move[0]
        else:
            verdict = session.verdict
        if not isinstance(state, int):
            return verdict, False
        step = self._steps[state][code]
        if step is None:
            step = self._step(state, code)
        return verdict, isinstance(step, int)

    def _move(self, sid: int, code: int) -> int | tuple[Verdict, tuple[Reason, ...]]:
        """`decide()` on call `code` in session `sid`: the next session's id, or the stop."""
        policy = self.policy
        session = self._sessions[sid]
        name = self.world.endpoints[code].name
        decision = decide(self.world, policy, session, name)
        if decision.effect is not Effect.ALLOW:
            result: int | tuple[Verdict, tuple[Reason, ...]] = (_VERDICT[decision.effect], decision.reasons)
        else:
            after = executed(policy, session, policy.plans[name])
            result = self._session_ids.get(after, -1)
            if result < 0:
                result = self._session_ids[after] = len(self._sessions)
                self._sessions.append(after)
                self._moves.append([None] * len(self.index))
        self._moves[sid][code] = result
        return result

    def _step(self, wid: int, code: int) -> int | str:
        """Call `code` on world and facts `wid`: the next state's id, or why it cannot run."""
        values, facts = self._states[wid]
        e = self.world.endpoints[code]
        missing = sorted(e.needs - facts)
        result: int | str
        if missing:
            result = (f"needs {', '.join(f'`{f}`' for f in missing)}, which nothing before it on the path "
                      "reveals and an agent does not know at the start")
        else:
            slot = {v: i for i, v in enumerate(self._variables)}
            broken = next(((v, xs) for v, xs in e.when if values[slot[v]] not in xs), None)
            if broken is not None:
                var, accepted = broken
                wanted = " or ".join(x for x in self.world.variables[var] if x in accepted)
                result = f"needs {var}={wanted}, but {var} is {values[slot[var]]} when its turn comes"
            else:
                after_values = list(values)
                for var, value in e.sets:
                    after_values[slot[var]] = value
                after = (tuple(after_values), facts | e.produces)
                result = self._state_ids.get(after, -1)
                if result < 0:
                    result = self._state_ids[after] = len(self._states)
                    self._states.append(after)
                    self._steps.append([None] * len(self.index))
        self._steps[wid][code] = result
        return result

    def finish(self, calls: tuple[str, ...], carry: Carry) -> PathVerdict:
        session, state, _ = carry
        executable, why = True, None
        if isinstance(state, Halt):
            executable, why = False, f"call {state.step + 1} (`{calls[state.step]}`) {state.why}"
        if isinstance(session, Stop):
            return PathVerdict(calls, session.verdict, session.step, session.reasons, executable, why)
        return PathVerdict(calls, "open", None, (), executable, why)


def verdict_of(carry: Carry) -> Verdict:
    """The verdict of a finished walk, without building its `PathVerdict`."""
    session = carry[0]
    return session.verdict if isinstance(session, Stop) else "open"


def path_verdict(world: World, policy: CompiledPolicy, calls: Sequence[str]) -> PathVerdict:
    """The verdict of one path, walked from a fresh root session."""
    walker = Walker(world, policy)
    carry = walker.start()
    for call in calls:
        carry = walker.extend(carry, call)
    return walker.finish(tuple(calls), carry)
