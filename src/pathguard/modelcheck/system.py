"""The transition system of SPEC §5: states, initial state and steps, through `decide()`.

A state is (world variables, known facts, session state). A call is enabled
when its `needs` are known, its `when` holds and `decide()` allows it (or asks
for approval, under `assume_approvals`). Running it adds `produces`, applies
`sets` and updates the session with `executed()`. The model knows nothing of
search (stateright's split): the explicit BFS, the SMT encoding's replay and
the simulator drive it.

Reductions (kept exact, listed in `Reductions.applied`): the session holds only
what the compiled policy can observe, and counters are saturated at a cap above
which no decision can change. Why that is decision-preserving: `decide()` reads
a counter either as `count >= T` (budget thresholds: `max_actions`,
`max_writes`, `max_critical`, the read-only thresholds) or, in a rule's `when`,
compared with an integer literal. With `cap >= T` for every threshold and
`cap > c` for every literal `c`, every value `>= cap` answers every such test
like `cap` does; `executed()` only adds one, and `min(min(x, cap) + 1, cap) ==
min(x + 1, cap)`, so saturating after each step commutes with running the
calls. A counter compared with another counter in a `when` is never saturated.
Counters no clause reads are held at 0.

`--model-time` adds a `wait` step: the agent waits until its whole window has
expired, so the window counts (`window_*`) drop to 0; totals, history and
`closed` stay. Waiting for only part of the window gives window counts between
0 and the current ones, and since every budget test is monotone in them (lower
counts are never more restrictive) the full expiry simulates every partial
one: the reachable worlds are exactly those of the real sliding window. A
`wait` is not a call: counterexample lengths count calls only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from pathguard.model.world import Knowledge, World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.when import Cmp, Expr, Lit, Name, Not
from pathguard.semantics.approval import runs
from pathguard.semantics.effect import Decision, Effect, Reason
from pathguard.semantics.session import SessionState
from pathguard.semantics.tree import (
    Tree,
    decide_in_tree,
    root_tree,
    run_in_tree,
    spawn_in_tree,
    window_expired,
)

WAIT = "wait"
SPAWN = "spawn"
WAIT_DECISION = Decision(Effect.ALLOW, (Reason("time", "wait", "time: the agent waits until its "
                                               "budget window has expired"),))
SPAWN_DECISION = Decision(Effect.ALLOW, (Reason("subagents", "spawn", "subagents: the session spawns a "
                                                 "child with as many actions as it may give"),))
_SCALARS = frozenset({"actions", "reads", "writes", "deletes", "critical", "window_actions",
                      "window_writes", "window_critical"})
_TOTALS = ("actions", "reads", "writes", "deletes", "critical")
_FIELDS = SessionState._fields
_VALUES = attrgetter(*_FIELDS)


@dataclass(frozen=True, slots=True)
class Options:
    """What the static default leaves out (SPEC §5 assumes none of these)."""

    assume_approvals: bool = False
    model_time: bool = False
    subagents: int = 0
    knowledge: Knowledge = "given"


@dataclass(frozen=True, slots=True)
class State:
    """World values (in `world.variables` order), known facts, the session tree (root first)."""

    world: tuple[str, ...]
    facts: frozenset[str]
    sessions: Tree


@dataclass(frozen=True, slots=True)
class Step:
    call: str
    decision: Decision
    state: State


def _literals(expr: Expr, out: dict[str, int]) -> None:
    """The largest integer literal each name is compared with in `expr`, into `out`."""
    if isinstance(expr, Cmp):
        for a, b in ((expr.left, expr.right), (expr.right, expr.left)):
            if isinstance(a, Name) and isinstance(b, Lit) and isinstance(b.value, int):
                out[a.name] = max(out.get(a.name, b.value), b.value)
    elif isinstance(expr, Not):
        _literals(expr.item, out)
    else:
        for item in expr.items:
            _literals(item, out)


def _compared_names(expr: Expr) -> set[str]:
    """Names compared with another name somewhere in `expr` (never saturated)."""
    if isinstance(expr, Cmp):
        if isinstance(expr.left, Name) and isinstance(expr.right, Name):
            return {expr.left.name, expr.right.name}
        return set()
    if isinstance(expr, Not):
        return _compared_names(expr.item)
    return set().union(*(_compared_names(i) for i in expr.items))


@dataclass(frozen=True)
class Reductions:
    """Caps per session counter (None: never saturated, 0: not observed, held at 0)."""

    caps: dict[str, int | None]
    applied: tuple[str, ...] = field(default=())
    _slots: tuple[tuple[int, int], ...] = field(default=(), init=False, repr=False, compare=False)
    _tuple_slots: tuple[tuple[int, int], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Caps by position in the session's fields, so `reduce` reads them all in one call.
        object.__setattr__(self, "_slots", tuple((_FIELDS.index(n), c) for n, c in self.caps.items()
                                                 if c is not None and n in _SCALARS))
        object.__setattr__(self, "_tuple_slots", tuple(
            (_FIELDS.index(f), c) for f, c in (("resource_reads", self.caps["same_resource_reads"]),
                                               ("endpoint_calls", self.caps["same_endpoint"]))
            if c is not None))

    @classmethod
    def of(cls, policy: CompiledPolicy, subagents: bool = False) -> Reductions:
        """Caps valid for `policy` and, with `subagents`, for every child budget it can give (each
        at most `subagents.max_budget` or the root's `max_actions`, so their thresholds are too)."""
        unsaturable: set[str] = set()
        largest: dict[str, int] = {}
        for plan in policy.plans.values():
            for rule in plan.rules:
                if rule.condition is not None:
                    unsaturable |= _compared_names(rule.condition)
                    _literals(rule.condition, largest)

        def when_cap(name: str) -> int | None:
            if name not in policy.observed:
                return 0
            return None if name in unsaturable else max(largest.get(name, 0) + 1, 1)

        def budget_cap(*limits: int | None) -> int:
            return max((x for x in limits if x is not None), default=0)

        caps: dict[str, int | None] = {name: when_cap(name) for name in _TOTALS}
        caps["same_resource_reads"] = when_cap("same_resource_reads")
        caps["same_endpoint"] = when_cap("same_endpoint")
        caps["window_actions"] = budget_cap(policy.max_actions, policy.read_only_actions,
                                            policy.subagent_budget if subagents else None)
        caps["window_writes"] = budget_cap(policy.max_writes, policy.read_only_writes)
        caps["window_critical"] = budget_cap(policy.max_critical)
        dropped = sorted(n for n, c in caps.items() if c == 0)
        saturated = sorted(f"{n} at {c}" for n, c in caps.items() if c)
        applied = []
        if dropped:
            applied.append("not observed by the policy, held at 0: " + ", ".join(dropped))
        if saturated:
            applied.append("saturated (no decision changes above): " + ", ".join(saturated))
        if policy.memory:
            applied.append(f"history kept: last {policy.memory} call(s)")
        else:
            applied.append("history not observed, not kept")
        unbounded = sorted(n for n, c in caps.items() if c is None)
        if unbounded:
            applied.append("compared with another counter, not saturated: " + ", ".join(unbounded))
        return cls(caps, tuple(applied))

    @property
    def finite(self) -> bool:
        return all(c is not None for c in self.caps.values())

    def reduce(self, s: SessionState) -> SessionState:
        """`s` with every counter saturated at its cap (decision-preserving, see module doc).
        Runs after every call the explicit search makes, hence positional fields, not `replace`."""
        values = _VALUES(s)
        changed: list[Any] | None = None
        for i, c in self._slots:
            if values[i] > c:
                if changed is None:
                    changed = list(values)
                changed[i] = c
        for i, c in self._tuple_slots:
            if max(values[i], default=0) > c:
                if changed is None:
                    changed = list(values)
                changed[i] = tuple(min(x, c) for x in values[i])
        return s if changed is None else SessionState(*changed)


def label(who: int, call: str) -> str:
    """How a step appears in a trace: bare for the root session, `childN:` for the N-th child
    spawned (children are numbered in the order they were spawned, from 1)."""
    return call if who == 0 else f"child{who}:{call}"


def parse_label(text: str) -> tuple[int, str]:
    if text.startswith("child") and ":" in text:
        who, call = text.split(":", 1)
        return int(who[5:]), call
    return 0, text


def spawn_label(parent: int) -> str:
    return label(parent, SPAWN)


class TransitionSystem:
    """`initial_state()` and `steps(state)` of one world under one policy."""

    def __init__(self, world: World, policy: CompiledPolicy, options: Options | None = None,
                 *, reduce: bool = True) -> None:
        self.world = world
        self.policy = policy
        self.options = options or Options()
        self.variables = tuple(world.variables)
        self.slot = {v: i for i, v in enumerate(self.variables)}
        self.reductions = Reductions.of(policy, subagents=self.options.subagents > 0)
        self._reduce = self.reductions.reduce if reduce else (lambda s: s)
        self.hazards = {name: tuple((self.slot[v], values) for v, values in conj)
                        for name, conj in world.hazards.items()}
        # Calls indexed by their first `when` variable's accepted values: only those
        # (and the calls with no `when`) need their full `when` checked on a world.
        self._free = [e.index for e in world.endpoints if not e.when]
        by_var: dict[str, dict[str, list[int]]] = {}
        for e in world.endpoints:
            if e.when:
                var, values = e.when[0]
                for value in values:
                    by_var.setdefault(var, {}).setdefault(value, []).append(e.index)
        self._guarded: list[tuple[int, dict[str, list[int]]]] = [
            (self.slot[v], table) for v, table in by_var.items()]

    def initial_state(self) -> State:
        """The initial world, the facts known at the start (SPEC §5 knowledge), a fresh root."""
        world = tuple(self.world.initial[v] for v in self.variables)
        return State(world, self.world.initial_facts(self.options.knowledge),
                     self._reduced(root_tree(self.policy)))

    def _reduced(self, tree: Tree) -> Tree:
        reduce = self._reduce
        return tuple(m._replace(state=reduce(m.state)) for m in tree)

    def world_enabled(self, world: tuple[str, ...], call: str) -> bool:
        """The call's `when` holds on these world values."""
        return all(world[self.slot[v]] in values for v, values in self.world.by_name[call].when)

    def enabled_calls(self, world: tuple[str, ...]) -> list[str]:
        """The calls whose `when` holds on these world values, in file order."""
        candidates = list(self._free)
        for slot, table in self._guarded:
            candidates += table.get(world[slot], ())
        names = self.world.endpoints
        return [names[i].name for i in sorted(candidates) if self.world_enabled(world, names[i].name)]

    def world_after(self, world: tuple[str, ...], call: str) -> tuple[str, ...]:
        values = list(world)
        for v, value in self.world.by_name[call].sets:
            values[self.slot[v]] = value
        return tuple(values)

    def session_step(self, tree: Tree, who: int, call: str) -> tuple[Decision, Tree | None]:
        """The decision on a call made from session `who` (against it and every ancestor, SPEC §3)
        and the (reduced) tree after it, if it runs (`allow`, or `approval` under
        `--assume-approvals`)."""
        decision = decide_in_tree(self.world, self.policy, tree, who, call)
        if not runs(decision, granted=self.options.assume_approvals):
            return decision, None
        return decision, self._reduced(run_in_tree(self.policy, tree, who, call))

    def waited(self, tree: Tree) -> Tree | None:
        """The tree after a `wait` step, or None when time is not modelled or changes nothing."""
        if not self.options.model_time:
            return None
        after = tuple(m._replace(state=window_expired(m.state)) for m in tree)
        return None if after == tree else after

    def spawned(self, tree: Tree, parent: int) -> Tree | None:
        """The tree after session `parent` spawns a child with as many actions as it may get (the
        most a child can do), or None when no more children are modelled or it cannot give any."""
        if len(tree) > self.options.subagents:
            return None
        after = spawn_in_tree(self.policy, tree, parent)
        return None if after is None else self._reduced(after)

    def steps(self, state: State) -> Iterator[Step]:
        """Every enabled step from `state`: calls in file order per session, `wait`, spawns."""
        for who in range(len(state.sessions)):
            for name in self.enabled_calls(state.world):
                e = self.world.by_name[name]
                if not e.needs <= state.facts:
                    continue
                decision, tree = self.session_step(state.sessions, who, e.name)
                if tree is not None:
                    yield Step(label(who, e.name), decision, State(self.world_after(state.world, e.name),
                                                                   state.facts | e.produces, tree))
        tree = self.waited(state.sessions)
        if tree is not None:
            yield Step(WAIT, WAIT_DECISION, State(state.world, state.facts, tree))
        for parent in range(len(state.sessions)):
            tree = self.spawned(state.sessions, parent)
            if tree is not None:
                yield Step(spawn_label(parent), SPAWN_DECISION, State(state.world, state.facts, tree))

    def satisfies(self, world: tuple[str, ...], hazard: str) -> bool:
        return all(world[i] in values for i, values in self.hazards[hazard])
