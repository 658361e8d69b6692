"""Explicit-state breadth-first search over the transition system.

States are packed integers (`pathguard.modelcheck.packing`: world digits,
interned sessions, known facts) whose successors come from cached world steps
and cached `decide()` answers. Parents are stored as `parent * K + step` so
shortest traces can be rebuilt. `wait` and `spawn` steps are free (they are
not calls): they are taken when a state is found, at its own depth.

BFS visits calls in file order, so the same shortest counterexample comes
back on every run. An exhausted state space is a proof of `safe`; a depth
bound or a state limit makes the answer `unknown` up to the last depth that
was fully explored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pathguard.modelcheck.limits import Budget
from pathguard.modelcheck.packing import CACHE, SID_BITS, Packer
from pathguard.modelcheck.system import TransitionSystem

_CHUNK = 1 << 13  # states expanded between two looks at the limits


@dataclass(slots=True)
class Exploration:
    """What one BFS established. `explored` is the depth up to which every state was found."""

    states: int
    explored: int
    exhausted: bool
    hazards: dict[str, list[str]] = field(default_factory=dict)
    targets: dict[str, list[str]] = field(default_factory=dict)
    stopped_by: str | None = None
    learned: frozenset[str] | None = None
    """With `learned=True` and an exhausted space: every fact some reachable state knows."""


def explore(system: TransitionSystem, *, hazards: tuple[str, ...] | None = None,
            targets: tuple[str, ...] = (), bound: int | None = None, max_states: int | None = None,
            budget: Budget | None = None, watch: tuple[str, ...] = (), learned: bool = False) -> Exploration:
    """BFS from the initial state until every wanted hazard and target is found, the state
    space is exhausted, `bound` calls are explored, more than `max_states` states are seen, or
    `budget` meets one of its limits. With `watch`, the hazard `CHAIN` is a run that executed
    the watched calls in order (see `Packer`)."""
    packer = Packer(system, frozenset(targets), watch)
    wanted = list(packer.hazard_names if hazards is None else hazards)
    pending = sum(1 << packer.hazard_names.index(h) for h in wanted)
    pending_targets = set(packer.target_codes)
    found_hazard: dict[int, int] = {}
    found_target: dict[int, tuple[int, int]] = {}
    K = packer.codes
    calls = packer.calls
    free_steps = system.options.model_time or system.options.subagents > 0
    low, world_mask, fshift = packer.low, packer.world_mask, packer.wbits + SID_BITS
    sid_mask = (1 << SID_BITS) - 1

    init = system.initial_state()
    start = packer.pack(packer.fact_bits(init.facts), packer.session(init.sessions), packer.world(init.world))
    parent: dict[int, int] = {start: -1}
    frontier = [start]

    def discovered(state: int, level: list[int]) -> None:
        """Check a new state's hazards and take its free steps, depth first, in the order
        (wait, spawn) per state. A stack, not recursion: a closure calling itself is a cycle
        that would keep `parent` (every state) alive after the search, until a full collection."""
        nonlocal pending
        todo = [(-1, 0, state)]  # (source, step, state) still to add; -1: already added
        while todo:
            source, code, state = todo.pop()
            if source >= 0:
                if state in parent:
                    continue
                parent[state] = source * K + code
                level.append(state)
            hit = packer.hazard_mask(state & world_mask) & pending
            if hit:
                for i in range(len(packer.hazard_names)):
                    if hit >> i & 1:
                        found_hazard[i] = state
                pending &= ~hit
            if free_steps:
                todo += [(state, c, (state & ~low) | w) for c, w in reversed(packer.free_steps(state & low))]

    discovered(start, frontier)
    depth, stopped = 0, None
    world_steps, steps_of, moves, move = packer.world_steps, packer.steps_of, packer.moves, packer.move
    sessions, rows = packer.sessions, packer.rows
    # A (world, sessions) pair expanded a second time (with other facts) gets a row of its
    # allowed steps; without facts no pair comes back, so none is kept.
    reuse = bool(system.world.facts)
    seen: set[int] = set()
    cap = min(max_states if max_states is not None else 1 << 62,
              budget.limits.max_states if budget is not None else 1 << 62)
    while frontier and (pending or pending_targets):
        if bound is not None and depth >= bound:
            stopped = f"depth bound {bound}"
            break
        nxt_frontier: list[int] = []
        append = nxt_frontier.append
        for begin in range(0, len(frontier), _CHUNK):
            if len(parent) > cap:
                break
            if budget is not None:
                stopped = budget.over(len(parent))
                if stopped:
                    break
            for cur in frontier[begin:begin + _CHUNK]:
                if len(parent) > cap:  # the state limit holds to the state, not to the chunk
                    break
                if reuse:
                    key = cur & low
                    row = rows.get(key)
                    if row is None and key in seen:
                        row = packer.row(key)
                    if row is not None:
                        high = cur >> fshift << fshift
                        f = cur >> fshift
                        for need, pw, step, flag in row:
                            if f & need == need:
                                nxt = high | pw
                                if flag and step % calls in pending_targets:
                                    pending_targets.discard(step % calls)
                                    found_target[step % calls] = (cur, step)
                                if nxt not in parent:
                                    parent[nxt] = cur * K + step
                                    append(nxt)
                                    if flag or free_steps:
                                        discovered(nxt, nxt_frontier)
                        continue
                    if len(seen) >= CACHE:
                        seen.clear()
                    seen.add(key)
                w = cur & world_mask
                steps = world_steps.get(w) or steps_of(w)
                sid = cur >> packer.wbits & sid_mask
                table = moves[sid]
                high = cur >> fshift << fshift
                f = cur >> fshift
                for offset in range(0, calls * len(sessions[sid]), calls):
                    for code, need, prod, delta, flag in steps:
                        if f & need == need:
                            step = offset + code
                            ns = table[step]
                            if ns is None:
                                ns = move(sid, step)
                            if ns < 0:
                                continue
                            nxt = high | prod | ns | w + delta
                            if flag and code in pending_targets:
                                pending_targets.discard(code)
                                found_target[code] = (cur, step)
                            if nxt not in parent:
                                parent[nxt] = cur * K + step
                                append(nxt)
                                if flag or free_steps:
                                    discovered(nxt, nxt_frontier)
        if len(parent) > cap:
            stopped = (budget.over(len(parent)) if budget is not None and cap == budget.limits.max_states
                       else f"state limit {cap:,}")
        if stopped:
            break
        frontier = nxt_frontier
        depth += 1
    # `discovered` calls itself through its closure: a cycle that would keep `parent` (every
    # state) alive until the next full garbage collection. Cut it: memory is freed on return.
    del discovered

    def trace(state: int) -> list[str]:
        steps: list[str] = []
        p = parent[state]
        while p >= 0:
            steps.append(packer.name(p % K))
            state = p // K
            p = parent[state]
        return steps[::-1]

    exhausted = not frontier and stopped is None
    known = None
    if learned and exhausted:
        bits = 0
        for state in parent:
            bits |= state
        known = packer.facts_of(bits >> fshift)
    return Exploration(
        states=len(parent), explored=depth, exhausted=exhausted, learned=known,
        hazards={packer.hazard_names[i]: trace(s) for i, s in sorted(found_hazard.items())
                 if packer.hazard_names[i] in wanted},
        targets={packer.names[c]: [*trace(s), packer.name(code)]
                 for c, (s, code) in sorted(found_target.items())},
        stopped_by=stopped)
