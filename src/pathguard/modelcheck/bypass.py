"""Bypasses of blocked paths (SPEC §5): the chain the policy blocked, run anyway.

A bypass of a blocked path `e0 … ek` is a run under the policy that executes
`e0, …, ek` in this order with any calls between them (padding, detours,
waiting under `--model-time`, sub-agents under `--subagents`) and ends with
`ek`. It is searched exactly: a breadth-first search of the transition system
extended with one more world digit that counts how many of the path's calls
ran in order (`Packer(watch=...)`), so the first run found is a shortest one.
It is replayed through `decide()` and checked to contain the path in order.

A blocked path with no bypass whose target some other run still executes is
`target_reachable`: the policy blocks that chain, not the target. Paths are
searched shortest first with what is left of the run's budget; how many were
searched, and the limit that stopped the rest, is reported (`BypassSearch`).
A call the static closure shows never runs settles a path without search.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pathguard.graph.build import action_graph
from pathguard.graph.paths import enumerate_paths, path_scope
from pathguard.graph.verdicts import Walker
from pathguard.model.world import World
from pathguard.modelcheck.explicit import explore
from pathguard.modelcheck.limits import Budget
from pathguard.modelcheck.packing import CHAIN
from pathguard.modelcheck.replay import ReplayError, replay
from pathguard.modelcheck.results import (
    Bypass,
    BypassSearch,
    TargetReachable,
    Unbypassed,
    call_count,
    is_call,
)
from pathguard.modelcheck.static import Reachable
from pathguard.modelcheck.system import TransitionSystem, parse_label
from pathguard.policy.compile import CompiledPolicy

DEFAULT_MAX_LENGTH = 8


def blocked_paths(world: World, policy: CompiledPolicy, max_length: int = DEFAULT_MAX_LENGTH,
                  max_paths: int | None = 100_000) -> list[tuple[str, ...]]:
    """SPEC §4 paths of at most `max_length` calls whose verdict is `blocked`, shortest first,
    as `pathguard.graph` enumerates and judges them (the one implementation of §4)."""
    scope = path_scope(action_graph(world), world.entries, world.targets)
    found = enumerate_paths(scope, Walker(world, policy), max_length=max_length, max_paths=max_paths)
    return [verdict.calls for verdict in found.listed if verdict.verdict == "blocked"]


@dataclass
class Search:
    bypasses: list[Bypass] = field(default_factory=list)
    target_reachable: list[TargetReachable] = field(default_factory=list)
    unbypassed: list[Unbypassed] = field(default_factory=list)
    summary: BypassSearch | None = None


def in_order(trace: list[str], path: tuple[str, ...]) -> bool:
    """The path's calls appear in the trace in this order (from any session of the tree)."""
    calls = iter(parse_label(step)[1] for step in trace if is_call(step))
    return all(any(c == wanted for c in calls) for wanted in path)


def search_bypasses(world: World, policy: CompiledPolicy, system: TransitionSystem, reach: Reachable,
                    paths: list[tuple[str, ...]], *, budget: Budget, bound: int | None) -> Search:
    """Each blocked path, shortest first: its bypass, or the run that still executes its target,
    or why there is neither; until the budget runs out."""
    out = Search()
    targets: dict[str, tuple[list[str] | None, str | None, int | None, str | None]] = {}
    checked, unknown, limit = 0, 0, None
    for path in paths:
        limit = budget.over()
        if limit:
            break
        checked += 1
        never = next((c for c in path if c not in reach.runnable), None)
        if never == path[-1]:  # no bypass, and no run reaches the target either
            out.unbypassed.append(Unbypassed(path=list(path), target=never, verdict="no bypass", proof=(
                f"static: the target `{never}` never runs ({reach.why_never(world.by_name[never])})")))
            continue
        if never is not None:
            proof: str | None = f"static: `{never}` never runs ({reach.why_never(world.by_name[never])})"
        else:
            found = explore(system, hazards=(CHAIN,), watch=path, bound=bound, budget=budget)
            calls = found.hazards.get(CHAIN)
            if calls is not None:
                steps = replay(world, policy, calls, system.options, target=path[-1])
                if not in_order(calls, path):
                    raise ReplayError(f"bypass trace {calls} does not run {list(path)} in order")
                out.bypasses.append(Bypass(path=list(path), target=path[-1], trace=calls,
                                           depth=call_count(calls), steps=steps))
                continue
            if not found.exhausted:
                unknown += 1
                out.unbypassed.append(Unbypassed(path=list(path), target=path[-1], verdict="unknown",
                                                 bound=found.explored, limit=found.stopped_by))
                continue
            proof = f"no run executes these calls in order: state space exhausted, {found.states:,} states"
        target = path[-1]
        if target not in targets:
            targets[target] = _target(system, reach, target, budget=budget, bound=bound)
        trace, target_proof, target_bound, target_limit = targets[target]
        if trace is not None:
            steps = replay(world, policy, trace, system.options, target=target)
            out.target_reachable.append(TargetReachable(path=list(path), target=target, trace=trace,
                                                        depth=call_count(trace), steps=steps))
            continue
        note = f"; the target never runs either ({target_proof})" if target_proof else \
            f"; whether `{target}` runs otherwise is unknown (no run of at most {target_bound} calls; " \
            f"{target_limit})"
        out.unbypassed.append(Unbypassed(path=list(path), target=target, verdict="no bypass",
                                         proof=(proof or "") + note))
    out.summary = BypassSearch(
        blocked=len(paths), checked=checked, bypassed=len(out.bypasses),
        target_reachable=len(out.target_reachable), no_bypass=checked - len(out.bypasses)
        - len(out.target_reachable) - unknown, unknown=unknown, unchecked=len(paths) - checked,
        limit=limit if checked < len(paths) else None)
    return out


def _target(system: TransitionSystem, reach: Reachable, target: str, *, budget: Budget, bound: int | None
            ) -> tuple[list[str] | None, str | None, int | None, str | None]:
    """A shortest run whose last call executes `target`, or the proof that none does, or how far
    the search went and what stopped it."""
    if target not in reach.runnable:
        why = reach.why_never(system.world.by_name[target])
        return None, f"static: `{target}` never runs ({why})", None, None
    found = explore(system, hazards=(), targets=(target,), bound=bound, budget=budget)
    if target in found.targets:
        return found.targets[target], None, None, None
    if found.exhausted:
        return None, f"state space exhausted: {found.states:,} states", None, None
    return None, None, found.explored, found.stopped_by
