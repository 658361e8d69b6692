"""Bypasses (SPEC §5): blocked paths whose target the model checker still executes.

What is computed, exactly: for each blocked path `e0 -> ... -> ek` the explicit
engine searches (BFS, same transition system, same `decide()`) for a shortest
trace from the initial state whose last call executes `ek`, the path's
destructive target; when the BFS stops at its state limit (engine `auto` or
`smt`), z3 takes over: BMC for a shortest prefix after which `ek` is enabled
(needs known, `when` true, `decide()` allowing it), and Spacer to prove that no
reachable state enables `ek`. If one exists the block did not protect the target: the
path is a bypass and that trace is its witness (for example the forbidden pair
with a harmless call inserted in between, or the target reached through another
chain). Paths sharing a target share the witness. A target not found is
reported with how far the search went (`unreachable` with its proof, else
`unknown` up to a depth).

`pathguard analyze` gives its own blocked paths; `pathguard check` takes them
from the same code, `pathguard.graph` (simple paths of the action graph from an
entry to a first target, each run as a fresh root session through `decide()`).
"""

from __future__ import annotations

from typing import Any

from pathguard.graph.build import action_graph
from pathguard.graph.paths import enumerate_paths, path_scope
from pathguard.graph.verdicts import Walker
from pathguard.model.world import World
from pathguard.modelcheck.explicit import Exploration
from pathguard.modelcheck.replay import replay
from pathguard.modelcheck.results import Bypass
from pathguard.modelcheck.system import Options
from pathguard.policy.compile import CompiledPolicy


def blocked_paths(world: World, policy: CompiledPolicy, max_length: int = 8) -> list[tuple[str, ...]]:
    """SPEC §4 paths of at most `max_length` calls whose verdict is `blocked`, shortest first,
    as `pathguard.graph` enumerates and judges them (the one implementation of §4)."""
    scope = path_scope(action_graph(world), world.entries, world.targets)
    found = enumerate_paths(scope, Walker(world, policy), max_length=max_length)
    return [verdict.calls for verdict in found.listed if verdict.verdict == "blocked"]


TargetOutcome = tuple[list[str] | None, dict[str, Any]]


def explicit_targets(found: Exploration, targets: list[str]) -> dict[str, TargetOutcome]:
    """What a BFS established about each target: a trace, or why there is none."""
    out: dict[str, TargetOutcome] = {}
    for t in targets:
        if t in found.targets:
            out[t] = (found.targets[t], {})
        elif found.exhausted:
            out[t] = (None, {"verdict": "unreachable",
                             "proof": f"state space exhausted: {found.states} states"})
        else:
            out[t] = (None, {"verdict": "unknown", "bound": found.explored, "stopped_by": found.stopped_by})
    return out


def bypasses(world: World, policy: CompiledPolicy, paths: list[tuple[str, ...]],
             reached: dict[str, TargetOutcome], options: Options
             ) -> tuple[list[Bypass], list[dict[str, Any]]]:
    """Bypasses among `paths`, each trace replayed through `decide()`; and the blocked paths
    whose target was not reached, with why."""
    result: list[Bypass] = []
    unreached: list[dict[str, Any]] = []
    for path in paths:
        target = path[-1]
        calls, info = reached[target]
        if calls is not None:
            trace = replay(world, policy, calls, options, target=target)
            result.append(Bypass(list(path), trace, target))
        else:
            unreached.append({"path": list(path), "target": target, **info})
    return result, unreached
