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
common prefix between every path that extends it.
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


Position = tuple[tuple[int, ...], int]
"""The world and facts of a walk: each variable's value index, and the known facts as bits."""
Carry = tuple[int | Stop, Position | Halt, int]
"""A walk so far: the session (an interned id, or where the policy stopped it), the world and
facts (or where a call could not run), and its length."""


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


class _Call:
    """What executability needs of one endpoint, compiled once: fact bits and value indices."""

    __slots__ = ("needs", "produces", "sets", "when")

    def __init__(self, needs: int, produces: int, when: tuple[tuple[int, frozenset[int]], ...],
                 sets: tuple[tuple[int, int], ...]) -> None:
        self.needs, self.produces, self.when, self.sets = needs, produces, when, sets


class Walker:
    """Extends walks by one call: decisions are cached per (interned session, call), sparsely
    (a session meets few of the calls); the world and facts are carried along and stepped
    directly (a few integer operations), so memory stays proportional to the sessions met,
    not to the paths walked."""

    def __init__(self, world: World, policy: CompiledPolicy) -> None:
        self.world = world
        self.policy = policy
        self.index = {name: i for i, name in enumerate(world.names)}
        root = SessionState.root(policy)
        self._sessions: list[SessionState] = [root]
        self._session_ids: dict[SessionState, int] = {root: 0}
        self._moves: list[dict[int, int | tuple[Verdict, tuple[Reason, ...]]]] = [{}]
        variables = tuple(world.variables)
        slot = {v: i for i, v in enumerate(variables)}
        value = {v: {x: i for i, x in enumerate(world.variables[v])} for v in variables}
        bit = {f: 1 << i for i, f in enumerate(world.facts)}
        self._calls = [_Call(sum(bit[f] for f in e.needs), sum(bit[f] for f in e.produces),
                             tuple((slot[v], frozenset(value[v][x] for x in xs)) for v, xs in e.when),
                             tuple((slot[v], value[v][x]) for v, x in e.sets))
                       for e in world.endpoints]
        self._start: Position = (tuple(value[v][world.initial[v]] for v in variables),
                               sum(bit[f] for f in world.initial_facts("discover")))
        self._facts = {b: f for f, b in bit.items()}

    def start(self) -> Carry:
        return (0, self._start, 0)

    def extend(self, carry: Carry, call: str) -> Carry:
        session, state, depth = carry
        code = self.index[call]
        if isinstance(session, int):
            move = self._moved(session, code)
            session = move if isinstance(move, int) else Stop(depth, *move)
        if isinstance(state, tuple):
            state = self._step(state, code, depth)
        return (session, state, depth + 1)

    def leaf(self, carry: Carry, call: str) -> tuple[Verdict, bool]:
        """The verdict and executability of the walk `carry` extended by `call`, without building
        it (the enumerator asks this for every path, and builds only the paths it lists)."""
        session, state, _ = carry
        code = self.index[call]
        if isinstance(session, int):
            move = self._moved(session, code)
            verdict: Verdict = "open" if isinstance(move, int) else move[0]
        else:
            verdict = session.verdict
        if not isinstance(state, tuple):
            return verdict, False
        values, facts = state
        c = self._calls[code]
        return verdict, c.needs & ~facts == 0 and all(values[s] in accepted for s, accepted in c.when)

    def _moved(self, sid: int, code: int) -> int | tuple[Verdict, tuple[Reason, ...]]:
        """Call `code` in session `sid`, from the cache when it was asked before."""
        move = self._moves[sid].get(code)
        return self._move(sid, code) if move is None else move

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
                self._moves.append({})
        self._moves[sid][code] = result
        return result

    def _step(self, state: Position, code: int, depth: int) -> Position | Halt:
        """Call `code` from `state`: the world and facts after it, or why it cannot run."""
        values, facts = state[0], state[1]
        c = self._calls[code]
        missing = c.needs & ~facts
        if missing:
            names = sorted(f for b, f in self._facts.items() if missing & b)
            return Halt(depth, f"needs {', '.join(f'`{f}`' for f in names)}, which nothing before it on "
                        "the path reveals and an agent does not know at the start")
        for s, accepted in c.when:
            if values[s] not in accepted:
                var = list(self.world.variables)[s]
                domain = self.world.variables[var]
                wanted = " or ".join(domain[i] for i in sorted(accepted))
                now = domain[values[s]]
                return Halt(depth, f"needs {var}={wanted}, but {var} is {now} when its turn comes")
        if c.sets:
            changed = list(values)
            for s, v in c.sets:
                changed[s] = v
            values = tuple(changed)
        return (values, facts | c.produces)

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
