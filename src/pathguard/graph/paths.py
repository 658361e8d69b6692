"""Paths of SPEC §4: simple paths from an entry to the first destructive endpoint.

Three habits keep this exact and usable on imported specs of hundreds of
endpoints:

- prune first: only nodes reachable from an entry (through non-targets) and
  able to reach a target (through non-targets) can lie on a path;
- shortest first, lazily: paths are produced by iterative deepening, so a cap
  on their number keeps the shortest ones and still says up to which length
  the count is exhaustive;
- a walk is extended one call at a time (`Walker`), so a common prefix is
  decided once for all the paths that extend it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import networkx as nx

from pathguard.graph.verdicts import Carry, PathVerdict, Walker

UNREACHABLE = 1 << 30


@dataclass(frozen=True)
class Scope:
    """The nodes that can lie on a path, and each one's distance (edges) to a target."""

    entries: tuple[str, ...]
    targets: frozenset[str]
    distance: dict[str, int]
    successors: dict[str, tuple[str, ...]]
    inner: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Successors that are not targets (a path goes on through them)."""
    final: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Successors that are targets (a path ends there)."""


def path_scope(graph: nx.DiGraph, entries: Iterable[str], targets: Iterable[str]) -> Scope:
    """Prune to reach ∩ co-reach (linear time). Targets are never passed through."""
    targets = frozenset(targets)
    entries = tuple(entries)
    reach = set(entries)
    queue = deque(e for e in entries if e not in targets)
    while queue:
        node = queue.popleft()
        for nxt in graph.successors(node):
            if nxt not in reach:
                reach.add(nxt)
                if nxt not in targets:
                    queue.append(nxt)
    distance = {t: 0 for t in targets if t in reach}
    queue = deque(distance)
    while queue:
        node = queue.popleft()
        for prev in graph.predecessors(node):
            if prev in reach and prev not in targets and prev not in distance:
                distance[prev] = distance[node] + 1
                queue.append(prev)
    successors = {
        node: tuple(n for n in graph.successors(node) if n in distance)
        for node in distance if node not in targets
    }
    return Scope(tuple(e for e in entries if e in distance), targets, distance, successors,
                 inner={n: tuple(x for x in succ if x not in targets) for n, succ in successors.items()},
                 final={n: tuple(x for x in succ if x in targets) for n, succ in successors.items()})


DEFAULT_MAX_STEPS = 10_000_000
"""Search steps (nodes visited while walking) an enumeration may take before it stops."""


@dataclass
class Enumeration:
    """What a run of the enumerator found. `total` is exact when `complete`, else a lower bound.
    `executable` counts, per verdict, the paths that can run as they stand (SPEC §4)."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"blocked": 0, "gated": 0, "open": 0})
    executable: dict[str, int] = field(default_factory=lambda: {"blocked": 0, "gated": 0, "open": 0})
    listed: list[PathVerdict] = field(default_factory=list)
    complete: bool = True
    limits: list[str] = field(default_factory=list)
    exhaustive_up_to: int | None = None
    longest: int = 0
    steps: int = 0


def _walks(scope: Scope, walker: Walker, length: int, budget: list[int]
           ) -> Iterator[tuple[list[str], str, Carry]]:
    """Every path of exactly `length` calls, in entry order then edge order: its calls but the
    last (a list the caller must not keep), the last, and the walk of the calls before it.
    Each node visited costs one unit of `budget[0]`; the walk stops when it is spent."""
    targets, distance, extend = scope.targets, scope.distance, walker.extend
    inner, final = scope.inner, scope.final
    for entry in scope.entries:
        if distance[entry] > length - 1:
            continue
        budget[0] -= 1
        if budget[0] < 0:
            return
        if entry in targets:
            if length == 1:
                yield [], entry, walker.start()
            continue
        path = [entry]
        on_path = {entry}
        carries = [extend(walker.start(), entry)]
        if length == 2:
            for last in final[entry]:
                yield path, last, carries[0]
            continue
        stack = [iter(inner[entry])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                on_path.discard(path.pop())
                carries.pop()
                continue
            budget[0] -= 1
            if budget[0] < 0:
                return
            if nxt in on_path or len(path) + 1 + distance[nxt] > length:
                continue
            path.append(nxt)
            on_path.add(nxt)
            carry = extend(carries[-1], nxt)
            if len(path) == length - 1:  # every path of this length ends at a target next to it
                budget[0] -= len(final[nxt])
                for last in final[nxt]:
                    yield path, last, carry
                on_path.discard(path.pop())
                continue
            carries.append(carry)
            stack.append(iter(inner[nxt]))


def _longer_path_exists(scope: Scope, length: int, budget: list[int]) -> bool | None:
    """Is there a path of more than `length` calls? None when `budget` ran out before it was settled."""
    for entry in scope.entries:
        if entry in scope.targets:
            continue
        path, on_path, stack = [entry], {entry}, [iter(scope.successors[entry])]
        while stack:
            budget[0] -= 1
            if budget[0] < 0:
                return None
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                on_path.discard(path.pop())
                continue
            if nxt in on_path:
                continue
            if nxt in scope.targets:
                if len(path) + 1 > length:
                    return True
                continue
            path.append(nxt)
            on_path.add(nxt)
            stack.append(iter(scope.successors[nxt]))
    return False


def enumerate_paths(scope: Scope, walker: Walker, *, max_length: int | None = None,
                    max_paths: int | None = None, list_limit: int | None = None,
                    max_steps: int = DEFAULT_MAX_STEPS) -> Enumeration:
    """Count every path with its verdict and executability, shortest first.

    `max_length` keeps paths of at most that many calls; `max_paths` stops after that many
    paths and `max_steps` after that many search steps (the count is then a lower bound,
    exhaustive up to the last finished length, and `limits` names what stopped it);
    `list_limit` caps how many paths are kept for the report (counts are unaffected).
    """
    result = Enumeration()
    budget = [max_steps]
    ceiling = len(scope.distance) if max_length is None else min(max_length, len(scope.distance))
    counts, executable, listed, finish, leaf = (result.counts, result.executable, result.listed,
                                                walker.finish, walker.leaf)
    room = list_limit if list_limit is not None else -1
    total, length = 0, 0
    while length < ceiling:
        length += 1
        for path, last, carry in _walks(scope, walker, length, budget):
            if max_paths is not None and total >= max_paths:
                result.complete = False
                result.limits.append(f"max_paths={max_paths}")
                result.total, result.exhaustive_up_to = total, length - 1
                result.steps = max_steps - budget[0]
                return result
            verdict, runs = leaf(carry, last)
            total += 1
            counts[verdict] += 1
            if runs:
                executable[verdict] += 1
            if room:
                room -= 1
                listed.append(finish((*path, last), walker.extend(carry, last)))
            result.longest = length
        if budget[0] < 0:
            result.complete = False
            result.limits.append(f"max_search_steps={max_steps}")
            result.total, result.exhaustive_up_to, result.steps = total, length - 1, max_steps
            return result
        if max_length is None and _longer_path_exists(scope, length, [min(budget[0], 10_000)]) is False:
            break
    result.total, result.exhaustive_up_to = total, length
    if max_length is not None and max_length < len(scope.distance):
        longer = _longer_path_exists(scope, max_length, budget)
        if longer is not False:
            result.complete = False
            result.limits.append(f"max_length={max_length}" + (
                "" if longer else " (whether longer paths exist was not settled)"))
    result.steps = max_steps - max(budget[0], 0)
    return result
