"""Explicit-state breadth-first search over the transition system.

States are packed into one integer: `facts << (W + 32) | session << W | world`,
where `world` is the world values in mixed radix (W bits; a call's `when` is a
digit test and its `sets` an addition), `session` the id of the interned
(reduced) sessions and `facts` a bit set. Successors depend on (world, session) only up to which facts are
known, so they are computed once per (world, session) pair through
`TransitionSystem` (hence through `decide()`) and cached as
`(needed facts, produced facts, next world/session ids, call)` rows; expanding
a state is then a bit test and an OR per row. Parents are stored as
`parent * K + step` so shortest traces can be rebuilt. `wait` and `spawn`
steps are free (they are not calls): they are taken when a state is found, at
its own depth.

BFS visits calls in file order, so the same shortest counterexample comes
back on every run. An exhausted state space is a proof of `safe`; a depth
bound or a state limit makes the answer `unknown` up to the last depth that
was fully explored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pathguard.modelcheck.system import SPAWN, WAIT, TransitionSystem, label
from pathguard.semantics.session import SessionState

Sessions = tuple[SessionState, ...]

_CHUNK = 1 << 15
_ROW_CACHE = 1 << 15  # rows kept for reuse; past this the cache is dropped (memory stays bounded)


@dataclass(slots=True)
class Exploration:
    """What one BFS established. `explored` is the depth up to which every state was found."""

    states: int
    explored: int
    exhausted: bool
    hazards: dict[str, list[str]] = field(default_factory=dict)
    targets: dict[str, list[str]] = field(default_factory=dict)
    stopped_by: str | None = None


class _Packer:
    """Worlds in mixed radix, interned sessions, cached successor rows of (world, session) pairs."""

    def __init__(self, system: TransitionSystem, targets: frozenset[str]) -> None:
        self.system = system
        world = system.world
        self.names = [e.name for e in world.endpoints]
        self.calls = len(self.names)
        self.wait_code = self.calls * (system.options.subagents + 1)
        self.spawn_code = self.wait_code + 1
        self.fact_bit = {f: 1 << i for i, f in enumerate(world.facts)}
        self.hazard_names = list(system.hazards)
        self.place: dict[str, tuple[int, int, dict[str, int]]] = {}
        radix = 1
        for var in system.variables:
            values = world.variables[var]
            self.place[var] = (radix, len(values), {x: i for i, x in enumerate(values)})
            radix *= len(values)
        self.wbits = max((radix - 1).bit_length(), 1)
        self.world_mask_bits = (1 << self.wbits) - 1
        self.low = (1 << (self.wbits + 32)) - 1
        self.checks = [tuple((self.place[v][0], self.place[v][1],
                              sum(1 << self.place[v][2][x] for x in allowed)) for v, allowed in e.when)
                       for e in world.endpoints]
        self.sets = [tuple((self.place[v][0], self.place[v][1], self.place[v][2][x]) for v, x in e.sets)
                     for e in world.endpoints]
        self.free = [e.index for e in world.endpoints if not e.when]
        hazard_vars = {v for conj in world.hazards.values() for v, _ in conj}
        self.touches_hazard = [any(v in hazard_vars for v, _ in e.sets) for e in world.endpoints]
        guarded: dict[str, dict[int, list[int]]] = {}
        for e in world.endpoints:
            if e.when:
                var, allowed = e.when[0]
                for x in allowed:
                    guarded.setdefault(var, {}).setdefault(self.place[var][2][x], []).append(e.index)
        self.guarded = [(self.place[v][0], self.place[v][1], table) for v, table in guarded.items()]
        self.hazard_digits = [tuple((self.place[v][0], self.place[v][1], self.place[v][2][x])
                                    for v, x in conj) for conj in world.hazards.values()]
        self.sessions: list[Sessions] = []
        self.session_id: dict[Sessions, int] = {}
        self.session_steps: dict[int, list[list[int] | None]] = {}
        self.rows: dict[int, tuple[tuple[int, int, int, int, int], ...]] = {}
        self.world_rows: dict[int, tuple[tuple[int, int, int], ...]] = {}
        self.waits: dict[int, int] = {}
        self.spawns: dict[int, int] = {}
        self.target_codes = frozenset(self.names.index(t) for t in targets)
        shift = self.wbits + 32
        self.endpoint_masks = [(sum(self.fact_bit[f] for f in e.needs),
                                sum(self.fact_bit[f] for f in e.produces) << shift) for e in world.endpoints]

    def world(self, values: tuple[str, ...]) -> int:
        """The mixed-radix number of these world values."""
        return sum(radix * index[values[i]] for i, (radix, _, index) in enumerate(self.place.values()))

    def hazard_mask(self, w: int) -> int:
        mask = 0
        for i, digits in enumerate(self.hazard_digits):
            for radix, size, d in digits:
                if (w // radix) % size != d:
                    break
            else:
                mask |= 1 << i
        return mask

    def world_steps(self, w: int) -> tuple[tuple[int, int, int], ...]:
        """(call, next world, its hazard mask) for the calls whose `when` holds in `w`, in file
        order (a call that sets no hazard variable keeps the mask of `w`)."""
        candidates = list(self.free)
        for radix, size, table in self.guarded:
            candidates += table.get((w // radix) % size, ())
        out = []
        checks, sets, touches = self.checks, self.sets, self.touches_hazard
        here = self.hazard_mask(w)
        for code in sorted(candidates):
            for radix, size, mask in checks[code]:
                if not mask >> ((w // radix) % size) & 1:
                    break
            else:
                nw = w
                for radix, size, d in sets[code]:
                    nw += (d - (nw // radix) % size) * radix
                out.append((code, nw, self.hazard_mask(nw) if touches[code] else here))
        return tuple(out)

    def session(self, s: Sessions) -> int:
        sid = self.session_id.get(s)
        if sid is None:
            sid = self.session_id[s] = len(self.sessions)
            self.sessions.append(s)
        return sid

    def pack(self, facts: int, sid: int, w: int) -> int:
        return (facts << 32 | sid) << self.wbits | w

    def row(self, key: int) -> tuple[tuple[int, int, int, int, int], ...]:
        """Successor rows of a (world, sessions) pair: per session, calls in file order.
        The last field flags rows worth a look: a hazard world or a wanted target."""
        wid, sid = key & self.world_mask_bits, key >> self.wbits
        system = self.system
        out = []
        calls = self.world_rows.get(wid)
        if calls is None:
            if len(self.world_rows) > _ROW_CACHE:
                self.world_rows.clear()
            calls = self.world_rows[wid] = self.world_steps(wid)
        sessions = self.sessions[sid]
        table = self.session_steps.get(sid)
        if table is None:
            table = self.session_steps[sid] = [None] * self.calls
        targets, masks, wbits, ncalls = self.target_codes, self.endpoint_masks, self.wbits, self.calls
        for who in range(len(sessions)):
            for code, nwid, hazards in calls:
                moves = table[code]
                if moves is None:
                    moves = table[code] = []
                    for w in range(len(sessions)):
                        _, after = system.session_step(sessions, w, self.names[code])
                        moves.append(-1 if after is None else self.session(after))
                nsid = moves[who]
                if nsid < 0:
                    continue
                need, prod = masks[code]
                flag = hazards | (code in targets)
                out.append((need, prod, nsid << wbits | nwid, who * ncalls + code, flag))
        if len(self.rows) > _ROW_CACHE:
            self.rows.clear()
        result = self.rows[key] = tuple(out)
        return result

    def waited(self, key: int) -> int:
        """(world, session) after a `wait`, or -1 when waiting changes nothing."""
        after = self.waits.get(key)
        if after is None:
            s = self.system.waited(self.sessions[key >> self.wbits])
            after = self.waits[key] = -1 if s is None else \
                (self.session(s) << self.wbits | (key & self.world_mask_bits))
        return after

    def spawned(self, key: int) -> int:
        """(world, sessions) after a `spawn`, or -1 when no child may be spawned."""
        after = self.spawns.get(key)
        if after is None:
            s = self.system.spawned(self.sessions[key >> self.wbits])
            after = self.spawns[key] = -1 if s is None else \
                (self.session(s) << self.wbits | (key & self.world_mask_bits))
        return after

    def name(self, code: int) -> str:
        if code == self.wait_code:
            return WAIT
        if code == self.spawn_code:
            return SPAWN
        return label(code // self.calls, self.names[code % self.calls])


def explore(system: TransitionSystem, *, hazards: tuple[str, ...] | None = None,
            targets: tuple[str, ...] = (), bound: int | None = None,
            max_states: int | None = None) -> Exploration:
    """BFS from the initial state until every wanted hazard and target is found, the state
    space is exhausted, `bound` calls are explored, or more than `max_states` states are seen."""
    packer = _Packer(system, frozenset(targets))
    wanted = list(packer.hazard_names if hazards is None else hazards)
    pending = sum(1 << packer.hazard_names.index(h) for h in wanted)
    pending_targets = set(packer.target_codes)
    found_hazard: dict[int, int] = {}
    found_target: dict[int, tuple[int, int]] = {}
    K = packer.spawn_code + 1
    calls = packer.calls
    free_steps = system.options.model_time or system.options.subagents > 0
    low, fshift = packer.low, packer.wbits + 32

    init = system.initial_state()
    start = packer.pack(0, packer.session(init.sessions), packer.world(init.world))
    parent: dict[int, int] = {start: -1}
    frontier = [start]

    def discovered(state: int, level: list[int]) -> None:
        nonlocal pending
        hit = packer.hazard_mask(state & packer.world_mask_bits) & pending
        if hit:
            for i in range(len(packer.hazard_names)):
                if hit >> i & 1:
                    found_hazard[i] = state
            pending &= ~hit
        if free_steps:
            for code, w in ((packer.wait_code, packer.waited(state & low)),
                            (packer.spawn_code, packer.spawned(state & low))):
                nxt = (state & ~low) | w
                if w >= 0 and nxt not in parent:
                    parent[nxt] = state * K + code
                    level.append(nxt)
                    discovered(nxt, level)

    discovered(start, frontier)
    depth, stopped = 0, None
    rows, row = packer.rows, packer.row
    while frontier and (pending or pending_targets):
        if bound is not None and depth >= bound:
            stopped = f"depth bound {bound}"
            break
        nxt_frontier: list[int] = []
        for begin in range(0, len(frontier), _CHUNK):
            if max_states is not None and len(parent) > max_states:
                stopped = f"state limit {max_states}"
                break
            for cur in frontier[begin:begin + _CHUNK]:
                key = cur & low
                succ = rows.get(key) or row(key)
                high = cur & ~low
                f = cur >> fshift
                for need, prod, ws, code, flag in succ:
                    if f & need == need:
                        nxt = high | prod | ws
                        if flag and code % calls in pending_targets:
                            pending_targets.discard(code % calls)
                            found_target[code % calls] = (cur, code)
                        if nxt not in parent:
                            parent[nxt] = cur * K + code
                            nxt_frontier.append(nxt)
                            if flag or free_steps:
                                discovered(nxt, nxt_frontier)
        if stopped:
            break
        frontier = nxt_frontier
        depth += 1

    def trace(state: int) -> list[str]:
        steps: list[str] = []
        p = parent[state]
        while p >= 0:
            steps.append(packer.name(p % K))
            state = p // K
            p = parent[state]
        return steps[::-1]

    return Exploration(
        states=len(parent), explored=depth, exhausted=not frontier and stopped is None,
        hazards={packer.hazard_names[i]: trace(s) for i, s in sorted(found_hazard.items())
                 if packer.hazard_names[i] in wanted},
        targets={packer.names[c]: [*trace(s), packer.name(code)]
                 for c, (s, code) in sorted(found_target.items())},
        stopped_by=stopped)
