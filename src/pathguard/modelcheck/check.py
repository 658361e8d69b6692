"""Run the engines and turn what they established into verdicts.

`explicit`: BFS; an exhausted state space proves `safe`. `smt`: bounded model
checking up to the bound, then an unbounded proof attempt (Spacer). `auto`:
first the static proof (`static.py`: values no run can produce), then explicit
search while the state space stays under `AUTO_STATES` states, then SMT for the
hazards still open. `--subagents` is modelled by the explicit
engine only (the z3 encoding has one session). Every counterexample, whichever engine found
it, is replayed through `decide()` before it is reported.
"""

from __future__ import annotations

import time
from typing import Literal

from pathguard.errors import PathguardError
from pathguard.model.world import World
from pathguard.modelcheck.bypass import bypasses, explicit_targets
from pathguard.modelcheck.explicit import Exploration, explore
from pathguard.modelcheck.replay import replay
from pathguard.modelcheck.results import CheckResult, HazardResult, call_count
from pathguard.modelcheck.static import Reachable, reachable, static_proof
from pathguard.modelcheck.system import Options, TransitionSystem
from pathguard.policy.compile import CompiledPolicy

Engine = Literal["auto", "explicit", "smt"]
AUTO_STATES = 100_000
EXPLICIT_STATES = 20_000_000
DEFAULT_SMT_BOUND = 30


def check(world: World, policy: CompiledPolicy, *, engine: Engine = "auto", bound: int | None = None,
          options: Options | None = None, blocked: list[tuple[str, ...]] | None = None,
          max_states: int | None = None) -> CheckResult:
    """Verdicts for every hazard of `world` under `policy`, and the bypasses among `blocked`."""
    options = options or Options()
    if options.subagents and engine == "smt":
        raise PathguardError("--subagents is modelled by the explicit engine only: use --engine explicit "
                             "or auto")
    started = time.perf_counter()
    system = TransitionSystem(world, policy, options)
    blocked = blocked or []
    targets = tuple(dict.fromkeys(p[-1] for p in blocked))
    limit = max_states or (EXPLICIT_STATES if engine == "explicit" else AUTO_STATES)
    hazards: dict[str, HazardResult] = {}
    never: dict[str, str] = {}
    if engine == "auto":  # the static proof first; a named engine is run on its own
        reach = reachable(world, policy, options.assume_approvals)
        hazards = _static_verdicts(world, reach)
        never = {t: _never_runs(reach, t) for t in targets if t not in reach.runnable}
    searched = tuple(n for n in world.hazards if n not in hazards)
    used: str = engine
    found = explore(system, hazards=() if engine == "smt" else searched,
                    targets=tuple(t for t in targets if t not in never), bound=bound, max_states=limit)
    if engine != "smt":
        used = "explicit"
        for name in searched:
            hazards[name] = _explicit_verdict(world, policy, options, name, found)
    open_hazards = [n for n in world.hazards if n not in hazards or hazards[n].verdict == "unknown"]
    if engine != "explicit" and open_hazards and not options.subagents:
        from pathguard.modelcheck.smt.engine import smt_check

        smt_bound = bound if bound is not None else DEFAULT_SMT_BOUND
        for name, result in smt_check(world, policy, open_hazards, bound=smt_bound, options=options).items():
            hazards[name] = result
        used = "smt" if engine == "smt" else "auto (explicit, then smt)"
    reached = explicit_targets(found, [t for t in targets if t not in never])
    reached.update({t: (None, {"verdict": "unreachable", "proof": proof}) for t, proof in never.items()})
    open_targets = [t for t, (calls, info) in reached.items()
                    if calls is None and info["verdict"] == "unknown"]
    if engine != "explicit" and open_targets and not options.subagents:
        from pathguard.modelcheck.smt.engine import smt_targets

        reached.update(smt_targets(world, policy, open_targets, options=options,
                                   bound=bound if bound is not None else DEFAULT_SMT_BOUND))
    found_bypasses, unreached = bypasses(world, policy, blocked, reached, options)
    return CheckResult(
        system=world.system, policy=policy.name, engine=used,
        options={"assume_approvals": options.assume_approvals, "model_time": options.model_time,
                 "subagents": options.subagents, "bound": bound, "max_states": limit},
        reductions=system.reductions.applied, hazards={n: hazards[n] for n in world.hazards},
        bypasses=found_bypasses, blocked_unreached=unreached, states=found.states,
        seconds=round(time.perf_counter() - started, 3))


def _static_verdicts(world: World, reach: Reachable) -> dict[str, HazardResult]:
    """Hazards proved unreachable before any search (see `pathguard.modelcheck.static`)."""
    proofs = {name: static_proof(world, reach, name) for name in world.hazards}
    return {name: HazardResult(name, "safe", "static", proof=proof, condition=world.hazard_condition(name))
            for name, proof in proofs.items() if proof is not None}


def _never_runs(reach: Reachable, target: str) -> str:
    why = reach.refused.get(target, "its needs or preconditions are never met")
    return f"static: `{target}` never runs ({why})"


def _explicit_verdict(world: World, policy: CompiledPolicy, options: Options, name: str,
                      found: Exploration) -> HazardResult:
    condition = world.hazard_condition(name)
    calls = found.hazards.get(name)
    if calls is not None:
        trace = replay(world, policy, calls, options, hazard=name)
        depth = call_count(calls)
        return HazardResult(name, "unsafe", "explicit", depth=depth, trace=trace, condition=condition)
    if found.exhausted:
        return HazardResult(name, "safe", "explicit", proof=f"state space exhausted: {found.states} states",
                            condition=condition)
    return HazardResult(name, "unknown", "explicit", bound=found.explored, condition=condition,
                        proof=f"no counterexample of at most {found.explored} calls; stopped by "
                              f"{found.stopped_by}")
