"""Explicit-state breadth-first search over the transition system.

States are packed into one integer: `facts << 64 | session << 32 | world`,
where `world` and `session` are ids of interned (reduced) values and `facts`
a bit set. Successors depend on (world, session) only up to which facts are
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

_LOW = (1 << 64) - 1
_WORLD = (1 << 32) - 1
_CHUNK = 1 << 15
_ROW_CACHE = 1 << 18  # rows kept for reuse; past this the cache is dropped (memory stays bounded)


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
    """Interned worlds and sessions, and the cached successor rows of (world, session) pairs."""

    def __init__(self, system: TransitionSystem, targets: frozenset[str]) -> None:
        self.system = system
        world = system.world
        self.names = [e.name for e in world.endpoints]
        self.calls = len(self.names)
        self.wait_code = self.calls * (system.options.subagents + 1)
        self.spawn_code = self.wait_code + 1
        self.code = {n: i for i, n in enumerate(self.names)}
        self.fact_bit = {f: 1 << i for i, f in enumerate(world.facts)}
        self.hazard_names = list(system.hazards)
        self.worlds: list[tuple[str, ...]] = []
        self.world_id: dict[tuple[str, ...], int] = {}
        self.world_mask: list[int] = []
        self.sessions: list[Sessions] = []
        self.session_id: dict[Sessions, int] = {}
        self.session_steps: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.rows: dict[int, tuple[tuple[int, int, int, int, int], ...]] = {}
        self.world_rows: dict[int, tuple[tuple[int, int], ...]] = {}
        self.waits: dict[int, int] = {}
        self.spawns: dict[int, int] = {}
        self.target_codes = frozenset(self.names.index(t) for t in targets)
        self.endpoint_masks = [(sum(self.fact_bit[f] for f in e.needs),
                                sum(self.fact_bit[f] for f in e.produces) << 64) for e in world.endpoints]

    def world(self, values: tuple[str, ...]) -> int:
        wid = self.world_id.get(values)
        if wid is None:
            wid = self.world_id[values] = len(self.worlds)
            self.worlds.append(values)
            self.world_mask.append(sum(1 << i for i, h in enumerate(self.hazard_names)
                                       if self.system.satisfies(values, h)))
        return wid

    def session(self, s: Sessions) -> int:
        sid = self.session_id.get(s)
        if sid is None:
            sid = self.session_id[s] = len(self.sessions)
            self.sessions.append(s)
        return sid

    def pack(self, facts: int, sid: int, wid: int) -> int:
        return facts << 64 | sid << 32 | wid

    def row(self, key: int) -> tuple[tuple[int, int, int, int, int], ...]:
        """Successor rows of a (world, sessions) pair: per session, calls in file order.
        The last field flags rows worth a look: a hazard world or a wanted target."""
        wid, sid = key & _WORLD, key >> 32
        system = self.system
        out = []
        calls = self.world_rows.get(wid)
        if calls is None:
            if len(self.world_rows) > _ROW_CACHE:
                self.world_rows.clear()
            values = self.worlds[wid]
            calls = self.world_rows[wid] = tuple(
                (self.code[name], self.world(system.world_after(values, name)))
                for name in system.enabled_calls(values))
        sessions = self.sessions[sid]
        for who in range(len(sessions)):
            for code, nwid in calls:
                moves = self.session_steps.get((sid, code))
                if moves is None:
                    moves = self.session_steps[(sid, code)] = []
                    for w in range(len(sessions)):
                        _, after = system.session_step(sessions, w, self.names[code])
                        moves.append((w, -1 if after is None else self.session(after)))
                nsid = moves[who][1]
                if nsid < 0:
                    continue
                need, prod = self.endpoint_masks[code]
                flag = self.world_mask[nwid] | (code in self.target_codes)
                out.append((need, prod, nsid << 32 | nwid, who * self.calls + code, flag))
        if len(self.rows) > _ROW_CACHE:
            self.rows.clear()
        result = self.rows[key] = tuple(out)
        return result

    def waited(self, key: int) -> int:
        """(world, session) after a `wait`, or -1 when waiting changes nothing."""
        after = self.waits.get(key)
        if after is None:
            s = self.system.waited(self.sessions[key >> 32])
            after = self.waits[key] = -1 if s is None else (self.session(s) << 32 | (key & _WORLD))
        return after

    def spawned(self, key: int) -> int:
        """(world, sessions) after a `spawn`, or -1 when no child may be spawned."""
        after = self.spawns.get(key)
        if after is None:
            s = self.system.spawned(self.sessions[key >> 32])
            after = self.spawns[key] = -1 if s is None else (self.session(s) << 32 | (key & _WORLD))
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

    init = system.initial_state()
    start = packer.pack(0, packer.session(init.session), packer.world(init.world))
    parent: dict[int, int] = {start: -1}
    frontier = [start]

    def discovered(state: int, level: list[int]) -> None:
        nonlocal pending
        hit = packer.world_mask[state & _WORLD] & pending
        if hit:
            for i in range(len(packer.hazard_names)):
                if hit >> i & 1:
                    found_hazard[i] = state
            pending &= ~hit
        if free_steps:
            for code, w in ((packer.wait_code, packer.waited(state & _LOW)),
                            (packer.spawn_code, packer.spawned(state & _LOW))):
                nxt = (state & ~_LOW) | w
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
                key = cur & _LOW
                succ = rows.get(key) or row(key)
                high = cur & ~_LOW
                f = cur >> 64
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
