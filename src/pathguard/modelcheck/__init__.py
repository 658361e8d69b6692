"""The model checker of SPEC §5: hazards proved unreachable or shown with a shortest trace.

`analyze_hazards` is the entry point `pathguard analyze` calls; `check` (in
`pathguard.modelcheck.check`) is the full form `pathguard check` uses.
"""

from __future__ import annotations

from typing import Any

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy


def analyze_hazards(world: World, policy: CompiledPolicy, blocked_paths: list[tuple[str, ...]], *,
                    engine: str = "auto", bound: int | None = None) -> dict[str, Any]:
    """SPEC §6's `hazards` and `bypasses` fields for `pathguard analyze`.

    `hazards` maps each hazard to `verdict`, `depth` (calls in the shortest
    counterexample, else null), `trace` (call names), `bound` (the depth an
    `unknown` stopped at, else null), plus `proof`, `engine`, `condition` and
    `steps` (each call with its decision, reasons and the world after it).
    `bypasses` lists the blocked paths whose destructive target is still
    executed by some trace under the policy: `path`, `trace` (a shortest trace
    whose last call is the target, replayed through `decide()`), `target`,
    `depth`, `steps`. See `pathguard.modelcheck.bypass` for exactly what is searched.
    """
    from pathguard.modelcheck.check import check

    result = check(world, policy, engine=engine, bound=bound,  # type: ignore[arg-type]
                   blocked=[tuple(p) for p in blocked_paths])
    data = result.to_json()
    return {"hazards": data["hazards"], "bypasses": data["bypasses"],
            "blocked_unreached": data["blocked_unreached"], "reductions": data["reductions"],
            "states": data["states"], "engine": data["engine"]}
