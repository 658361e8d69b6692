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
    return Scope(tuple(e for e in entries if e in distance), targets, distance, successors)


@dataclass
class Enumeration:
    """What a run of the enumerator found. `total` is exact when `complete`, else a lower bound."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"blocked": 0, "gated": 0, "open": 0})
    listed: list[PathVerdict] = field(default_factory=list)
    complete: bool = True
    limits: list[str] = field(default_factory=list)
    exhaustive_up_to: int | None = None
    longest: int = 0


def _walks(scope: Scope, walker: Walker, length: int) -> Iterator[tuple[tuple[str, ...], Carry]]:
    """Every path of exactly `length` calls, in entry order then edge order, with its walk."""
    for entry in scope.entries:
        if scope.distance[entry] > length - 1:
            continue
        if entry in scope.targets:
            if length == 1:
                yield (entry,), walker.extend(walker.start(), entry)
            continue
        path = [entry]
        on_path = {entry}
        carries = [walker.extend(walker.start(), entry)]
        stack = [iter(scope.successors[entry])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                on_path.discard(path.pop())
                carries.pop()
                continue
            if nxt in on_path:
                continue
            depth = len(path) + 1
            if nxt in scope.targets:
                if depth == length:
                    yield (*path, nxt), walker.extend(carries[-1], nxt)
                continue
            if depth + scope.distance[nxt] > length:
                continue
            path.append(nxt)
            on_path.add(nxt)
            carries.append(walker.extend(carries[-1], nxt))
            stack.append(iter(scope.successors[nxt]))


def _longer_path_exists(scope: Scope, length: int, budget: int) -> bool | None:
    """Is there a path of more than `length` calls? None when `budget` steps did not settle it."""
    steps = 0
    for entry in scope.entries:
        if entry in scope.targets:
            continue
        path, on_path, stack = [entry], {entry}, [iter(scope.successors[entry])]
        while stack:
            steps += 1
            if steps > budget:
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
                    max_paths: int | None = None, list_limit: int | None = None) -> Enumeration:
    """Count every path with its verdict, shortest first.

    `max_length` keeps paths of at most that many calls; `max_paths` stops after that many
    paths (the count is then a lower bound, exhaustive up to the last finished length);
    `list_limit` caps how many paths are kept for the report (counts are unaffected).
    """
    result = Enumeration()
    ceiling = len(scope.distance) if max_length is None else min(max_length, len(scope.distance))
    length = 0
    while length < ceiling:
        length += 1
        for calls, carry in _walks(scope, walker, length):
            if max_paths is not None and result.total >= max_paths:
                result.complete = False
                result.limits.append(f"max_paths={max_paths}")
                result.exhaustive_up_to = length - 1
                return result
            verdict = walker.finish(calls, carry)
            result.total += 1
            result.counts[verdict.verdict] += 1
            result.longest = length
            if list_limit is None or len(result.listed) < list_limit:
                result.listed.append(verdict)
        if max_length is None and _longer_path_exists(scope, length, 10_000) is False:
            break
    result.exhaustive_up_to = length
    if max_length is not None and max_length < len(scope.distance):
        longer = _longer_path_exists(scope, max_length, 1_000_000)
        if longer is not False:
            result.complete = False
            result.limits.append(f"max_length={max_length}" + (
                "" if longer else " (whether longer paths exist was not settled)"))
    return result
