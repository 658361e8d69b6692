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

`pathguard analyze` gives its own blocked paths; `pathguard check` finds them
here with the same SPEC §4 definition (simple paths of the action graph from an
entry to a first target, run as a fresh root session through `decide()`).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from pathguard.graph.build import action_graph
from pathguard.model.world import World
from pathguard.modelcheck.explicit import Exploration
from pathguard.modelcheck.replay import replay
from pathguard.modelcheck.results import Bypass
from pathguard.modelcheck.system import Options
from pathguard.policy.compile import CompiledPolicy
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect
from pathguard.semantics.session import SessionState, executed


def blocked_paths(world: World, policy: CompiledPolicy, max_length: int = 8) -> list[tuple[str, ...]]:
    """SPEC §4 paths of at most `max_length` calls whose first non-allowed call is denied."""
    graph = action_graph(world)
    targets = set(world.targets)
    view = nx.restricted_view(graph, [], [(u, v) for u, v in graph.edges if u in targets])
    out: list[tuple[str, ...]] = []
    for entry in world.entries:
        if entry in targets:
            candidates: list[list[str]] = [[entry]]
        else:
            candidates = [p for t in sorted(targets, key=world.names.index) if t != entry
                          for p in nx.all_simple_paths(view, entry, t, cutoff=max_length - 1)]
        for path in candidates:
            if _blocked(world, policy, path):
                out.append(tuple(path))
    return out


def _blocked(world: World, policy: CompiledPolicy, path: list[str]) -> bool:
    session = SessionState.root(policy)
    for call in path:
        effect = decide(world, policy, session, call).effect
        if effect is not Effect.ALLOW:
            return effect is Effect.DENY
        session = executed(policy, session, policy.plans[call])
    return False


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
