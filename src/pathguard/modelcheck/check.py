"""Run the engines within the run's limits and turn what they established into verdicts.

`explicit`: BFS; an exhausted state space proves `safe`. `smt`: bounded model
checking up to the bound, then an unbounded proof attempt (Spacer). `auto`:
first the static proof (`static.py`: values no run can produce, from the facts
known at the start), then explicit search, then SMT for the hazards still
open. `--subagents` is modelled by the explicit engine only (the z3 encoding
has one session). Every counterexample, whichever engine found it, is replayed
through `decide()` before it is reported. The whole run shares one budget of
time, states and memory (`limits.py`): what a limit cuts off is `unknown`,
naming the limit. Then the blocked paths are searched for bypasses
(`bypass.py`), shortest first, with what is left of the budget.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Literal

from pathguard.errors import PathguardError
from pathguard.model.world import World
from pathguard.modelcheck.bypass import search_bypasses
from pathguard.modelcheck.explicit import Exploration, explore
from pathguard.modelcheck.limits import Limits
from pathguard.modelcheck.replay import replay
from pathguard.modelcheck.results import CheckOptions, CheckResult, HazardResult, call_count
from pathguard.modelcheck.static import Reachable, reachable, static_proof
from pathguard.modelcheck.system import Options, TransitionSystem
from pathguard.policy.compile import CompiledPolicy

Engine = Literal["auto", "explicit", "smt"]
DEFAULT_SMT_BOUND = 30


def assumptions(options: Options, bound: int | None) -> list[str]:
    """What every verdict of a run rests on (SPEC §5 "Assumptions")."""
    out = ["every approval is granted (--assume-approvals)" if options.assume_approvals else
           "no approval is granted",
           "the agent may wait out its budget window (--model-time)" if options.model_time else
           "all calls fall in one budget window",
           f"up to {options.subagents} sub-agent(s), each decided against its ancestors (--subagents)"
           if options.subagents else "no sub-agents",
           "knowledge given: the agent knows every fact that is not secret from the start"
           if options.knowledge == "given" else
           "knowledge discover: the agent starts knowing only the facts no endpoint reveals",
           "no session enters intent review"]
    if bound is not None:
        out.append(f"traces of at most {bound} calls (--bound)")
    return out


def check(world: World, policy: CompiledPolicy, *, engine: Engine = "auto", bound: int | None = None,
          options: Options | None = None, blocked: list[tuple[str, ...]] | None = None,
          limits: Limits | None = None, max_states: int | None = None) -> CheckResult:
    """Verdicts for every hazard of `world` under `policy`, and the bypasses among `blocked`
    (SPEC §4 blocked paths, shortest first)."""
    options = options or Options()
    limits = limits or Limits()
    if max_states is not None:
        limits = replace(limits, max_states=max_states)
    if options.subagents and engine == "smt":
        raise PathguardError("--subagents is modelled by the explicit engine only: use --engine explicit "
                             "or auto")
    started = time.perf_counter()
    budget = limits.start()
    system = TransitionSystem(world, policy, options)
    reach = reachable(world, policy, options.assume_approvals, world.initial_facts(options.knowledge))
    hazards: dict[str, HazardResult] = _static_verdicts(world, reach) if engine == "auto" else {}
    searched = tuple(n for n in world.hazards if n not in hazards)
    states = None
    used: str = engine
    learned: frozenset[str] | None = None  # every fact a reachable state knows (from an exhausted search)
    if engine != "smt" and searched:
        found = explore(system, hazards=searched, bound=bound, budget=budget,
                        learned=options.knowledge == "discover")
        states, used, learned = found.states, "explicit", found.learned
        for name in searched:
            hazards[name] = _explicit_verdict(world, policy, options, name, found)
    open_hazards = [n for n in world.hazards if n not in hazards or hazards[n].verdict == "unknown"]
    if engine != "explicit" and open_hazards and not options.subagents and budget.remaining() > 0:
        from pathguard.modelcheck.smt.engine import smt_check

        smt_bound = bound if bound is not None else DEFAULT_SMT_BOUND
        for name, result in smt_check(world, policy, open_hazards, bound=smt_bound, options=options,
                                      budget=budget).items():
            if result.verdict != "unknown" or name not in hazards:
                hazards[name] = result
        used = "smt" if engine == "smt" else "auto (explicit, then smt)"
    common = assumptions(options, bound)
    for result in hazards.values():
        result.assumptions = list(common)
        if options.knowledge == "discover" and result.verdict == "safe":
            never = _never_learned(world, options, learned if result.engine == "explicit" else reach.facts)
            result.never_learned = never
            if never:
                result.assumptions.append("the agent never learns " + ", ".join(f"`{f}`" for f in never))
    search = search_bypasses(world, policy, system, reach, blocked or [], budget=budget, bound=bound)
    return CheckResult(
        system=world.system, policy=policy.name, engine=used, knowledge=options.knowledge,
        options=CheckOptions(engine=engine, knowledge=options.knowledge,
                             assume_approvals=options.assume_approvals, model_time=options.model_time,
                             subagents=options.subagents, bound=bound, limits=limits.describe()),
        assumptions=common, reductions=list(system.reductions.applied),
        hazards={n: hazards[n] for n in world.hazards}, states=states,
        bypasses=search.bypasses, target_reachable=search.target_reachable, unbypassed=search.unbypassed,
        bypass_search=search.summary, seconds=round(time.perf_counter() - started, 3))


def _static_verdicts(world: World, reach: Reachable) -> dict[str, HazardResult]:
    """Hazards proved unreachable before any search (see `pathguard.modelcheck.static`)."""
    proofs = {name: static_proof(world, reach, name) for name in world.hazards}
    return {name: HazardResult(verdict="safe", engine="static", proof=proof,
                               condition=world.hazard_condition(name))
            for name, proof in proofs.items() if proof is not None}


def _explicit_verdict(world: World, policy: CompiledPolicy, options: Options, name: str,
                      found: Exploration) -> HazardResult:
    condition = world.hazard_condition(name)
    calls = found.hazards.get(name)
    if calls is not None:
        steps = replay(world, policy, calls, options, hazard=name)
        return HazardResult(verdict="unsafe", engine="explicit", depth=call_count(calls), trace=calls,
                            steps=steps, condition=condition)
    if found.exhausted:
        return HazardResult(verdict="safe", engine="explicit", condition=condition,
                            proof=f"state space exhausted: {found.states:,} states")
    return HazardResult(verdict="unknown", engine="explicit", bound=found.explored, condition=condition,
                        limit=found.stopped_by,
                        proof=f"no counterexample of at most {found.explored} calls; stopped by "
                              f"{found.stopped_by}")


def _never_learned(world: World, options: Options, learnable: frozenset[str] | None) -> list[str]:
    """The facts a `safe` under discovery assumes the agent is never told: those no reachable
    state knows (exactly, from an exhausted search; else outside the static closure, the most
    a static or SMT proof can rest on)."""
    known = world.initial_facts(options.knowledge)
    secret = set(world.secret)
    learnable = learnable or frozenset()
    return [f for f in world.facts if f not in known and f not in secret and f not in learnable]

