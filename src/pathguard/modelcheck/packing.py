"""Packed states of the explicit search: worlds, sessions and facts in one integer.

A state is `facts << (W + 32) | session << W | world`: `world` is the world
values in mixed radix (W bits; a call's `when` is a digit test and its `sets`
an addition), `session` the id of the interned (reduced) sessions, `facts` a
bit set. A successor splits into a world part and a session part, cached
apart: per world, the calls whose `when` holds as `(call, needed facts,
produced facts, world delta, flag)` (the calls touching one variable come from
a table per digit of it, built once); per (sessions, call), what `decide()`
and `executed()` make of it, asked once through `TransitionSystem`. A (world,
sessions) pair met again with other facts gets a row of its allowed steps, so
the next state is one OR away. The flag marks steps worth a look: a wanted
target, or a call that sets a hazard variable to a value the hazard accepts
(only such a call can enter a hazard not already seen at its source; the world
it enters is then checked).
"""

from __future__ import annotations

from itertools import pairwise

from pathguard.modelcheck.system import WAIT, TransitionSystem, label, spawn_label
from pathguard.semantics.tree import Tree

Sessions = Tree
WorldStep = tuple[int, int, int, int, bool]  # call, needs, produces, delta, flag
Row = tuple[int, int, int, bool]  # needs, produces | next sessions | next world, who * calls + call, flag
Digits = tuple[tuple[int, int, int], ...]  # (radix, size, digit or accepted-digit mask) per variable

CACHE = 1 << 16  # worlds, rows and seen pairs kept; past this a cache is dropped (memory stays bounded)
SID_BITS = 32
CHAIN = "\0chain"
"""The synthetic hazard of a watched chain: every call of it executed, in order (a bypass)."""


class Packer:
    """Worlds in mixed radix with their cached steps; interned sessions with their cached moves."""

    def __init__(self, system: TransitionSystem, targets: frozenset[str],
                 watch: tuple[str, ...] = ()) -> None:
        """`watch`: a chain of calls to follow (SPEC §5 bypasses): one more digit of the world
        counts how many of its calls ran in order, any calls between them; the synthetic hazard
        `CHAIN` holds once all did."""
        self.system = system
        world = system.world
        self.names = [e.name for e in world.endpoints]
        self.calls = len(self.names)
        self.wait_code = self.calls * (system.options.subagents + 1)
        self.spawn_code = self.wait_code + 1  # + the index of the spawning session
        self.codes = self.spawn_code + system.options.subagents + 1  # steps are numbered below this
        self.hazard_names = list(system.hazards)
        self.place: dict[str, tuple[int, int, dict[str, int]]] = {}
        radix = 1
        for var in system.variables:
            values = world.variables[var]
            self.place[var] = (radix, len(values), {x: i for i, x in enumerate(values)})
            radix *= len(values)
        self.progress_radix, self.watch = radix, tuple(self.names.index(c) for c in watch)
        radix *= len(self.watch) + 1
        self.wbits = max((radix - 1).bit_length(), 1)
        self.world_mask = (1 << self.wbits) - 1
        self.low = (1 << (self.wbits + SID_BITS)) - 1
        self.hazard_digits = [tuple((self.place[v][0], self.place[v][1],
                                     sum(1 << self.place[v][2][x] for x in values))
                                    for v, values in conj) for conj in world.hazards.values()]
        if self.watch:
            self.hazard_names.append(CHAIN)
            self.hazard_digits.append(((self.progress_radix, len(self.watch) + 1, 1 << len(self.watch)),))
        self.target_codes = frozenset(self.names.index(t) for t in targets)
        fact_bit = {f: 1 << i for i, f in enumerate(world.facts)}
        shift = self.wbits + SID_BITS
        self.needs = [sum(fact_bit[f] for f in e.needs) for e in world.endpoints]
        self.produces = [sum(fact_bit[f] for f in e.produces) << shift for e in world.endpoints]
        self._index_calls()
        self.world_steps: dict[int, tuple[WorldStep, ...]] = {}
        self.sessions: list[Sessions] = []
        self.session_id: dict[Sessions, int] = {}
        self.moves: list[list[int | None]] = []  # per session id, per who * calls + call
        self.rows: dict[int, tuple[Row, ...]] = {}
        self.frees: dict[int, tuple[tuple[int, int], ...]] = {}

    def _index_calls(self) -> None:
        """Sort calls by what they read and write: none (`always`), one variable (`by_digit`,
        a table per digit of that variable), several (`general`, tested digit by digit)."""
        world, place = self.system.world, self.place
        hazard_conjs = [dict(conj) for conj in world.hazards.values()]
        self.checks_hazards = []
        for e in world.endpoints:
            sets = dict(e.sets)
            self.checks_hazards.append(any(all(sets[v] in xs for v, xs in conj.items() if v in sets)
                                           and any(v in sets for v in conj) for conj in hazard_conjs))
        self.always: list[WorldStep] = []
        tables: dict[str, list[list[WorldStep]]] = {}
        self.general: list[tuple[int, Digits, Digits]] = []
        for e in world.endpoints:
            touched = {v for v, _ in e.when} | {v for v, _ in e.sets}
            if not touched:
                self.always.append(self._step(e.index, 0))
            elif len(touched) == 1:
                (var,) = touched
                radix, size, index = place[var]
                allowed = {index[x] for _, values in e.when for x in values} if e.when else set(range(size))
                table = tables.setdefault(var, [[] for _ in range(size)])
                for d in sorted(allowed):
                    delta = sum((index[x] - d) * radix for _, x in e.sets)
                    table[d].append(self._step(e.index, delta))
            else:
                self.general.append((
                    e.index,
                    tuple((place[v][0], place[v][1], sum(1 << place[v][2][x] for x in allowed))
                          for v, allowed in e.when),
                    tuple((place[v][0], place[v][1], place[v][2][x]) for v, x in e.sets)))
        self.by_digit = [(place[v][0], place[v][1], table) for v, table in tables.items()]
        # Candidates come out in file order when every group's calls follow the previous group's.
        groups = [[step[0] for step in self.always],
                  *([step[0] for row in t for step in row] for _, _, t in self.by_digit),
                  [c for c, _, _ in self.general]]
        spans = [(min(g), max(g)) for g in groups if g]
        self.in_order = all(a[1] < b[0] for a, b in pairwise(spans))

    def _step(self, code: int, delta: int) -> WorldStep:
        return (code, self.needs[code], self.produces[code], delta,
                self.checks_hazards[code] or code in self.target_codes)

    def world(self, values: tuple[str, ...]) -> int:
        """The mixed-radix number of these world values."""
        return sum(radix * index[values[i]] for i, (radix, _, index) in enumerate(self.place.values()))

    def hazard_mask(self, w: int) -> int:
        mask = 0
        for i, digits in enumerate(self.hazard_digits):
            for radix, size, accepted in digits:
                if not (accepted >> ((w // radix) % size)) & 1:
                    break
            else:
                mask |= 1 << i
        return mask

    def steps_of(self, w: int) -> tuple[WorldStep, ...]:
        """The steps of the calls whose `when` holds in `w`, in file order; cached per world."""
        candidates = list(self.always)
        for radix, size, table in self.by_digit:
            candidates += table[(w // radix) % size]
        for code, checks, sets in self.general:
            for radix, size, mask in checks:
                if not mask >> ((w // radix) % size) & 1:
                    break
            else:
                delta = 0
                for radix, size, d in sets:
                    delta += (d - (w // radix) % size) * radix
                candidates.append(self._step(code, delta))
        if not self.in_order:
            candidates.sort()
        if self.watch:
            done = (w // self.progress_radix) % (len(self.watch) + 1)
            if done < len(self.watch):  # the chain's next call advances it, wherever it runs
                following = self.watch[done]
                candidates = [(c, need, prod, delta + self.progress_radix, True) if c == following else
                              (c, need, prod, delta, flag) for c, need, prod, delta, flag in candidates]
        out = tuple(candidates)
        if len(self.world_steps) >= CACHE:
            self.world_steps.clear()
        self.world_steps[w] = out
        return out

    def session(self, s: Sessions) -> int:
        sid = self.session_id.get(s)
        if sid is None:
            sid = self.session_id[s] = len(self.sessions)
            self.sessions.append(s)
            self.moves.append([None] * (self.calls * len(s)))
        return sid

    def move(self, sid: int, step: int) -> int:
        """The session id (shifted into place) after call `step % calls` from session
        `step // calls`, or -1 when `decide()` stops it; cached per (sessions, step)."""
        who, code = divmod(step, self.calls)
        _, after = self.system.session_step(self.sessions[sid], who, self.names[code])
        result = self.moves[sid][step] = -1 if after is None else self.session(after) << self.wbits
        return result

    def row(self, key: int) -> tuple[Row, ...] | None:
        """The allowed steps of a (world, sessions) pair; cached. None while some step's
        `decide()` has not been asked yet (a row never asks more than the search needs)."""
        w, sid = key & self.world_mask, key >> self.wbits
        steps = self.world_steps.get(w) or self.steps_of(w)
        table, out = self.moves[sid], []
        for offset in range(0, self.calls * len(self.sessions[sid]), self.calls):
            for code, need, prod, delta, flag in steps:
                ns = table[offset + code]
                if ns is None:
                    return None
                if ns >= 0:
                    out.append((need, prod | ns | w + delta, offset + code, flag))
        if len(self.rows) >= CACHE:
            self.rows.clear()
        row = self.rows[key] = tuple(out)
        return row

    def fact_bits(self, facts: frozenset[str]) -> int:
        return sum(1 << i for i, f in enumerate(self.system.world.facts) if f in facts)

    def facts_of(self, bits: int) -> frozenset[str]:
        return frozenset(f for i, f in enumerate(self.system.world.facts) if bits >> i & 1)

    def pack(self, facts: int, sid: int, w: int) -> int:
        return (facts << SID_BITS | sid) << self.wbits | w

    def free_steps(self, key: int) -> tuple[tuple[int, int], ...]:
        """The steps that are not calls from a (world, sessions) pair, as (code, next pair): a `wait`
        (under --model-time) and a spawn from each session that may spawn; cached."""
        free = self.frees.get(key)
        if free is None:
            tree, w = self.sessions[key >> self.wbits], key & self.world_mask
            out = []
            waited = self.system.waited(tree)
            if waited is not None:
                out.append((self.wait_code, self.session(waited) << self.wbits | w))
            for parent in range(len(tree)):
                spawned = self.system.spawned(tree, parent)
                if spawned is not None:
                    out.append((self.spawn_code + parent, self.session(spawned) << self.wbits | w))
            free = self.frees[key] = tuple(out)
        return free

    def name(self, code: int) -> str:
        if code == self.wait_code:
            return WAIT
        if code >= self.spawn_code:
            return spawn_label(code - self.spawn_code)
        return label(code // self.calls, self.names[code % self.calls])
