"""Model checker benchmarks: explicit states/s, SMT seconds per BMC depth, peak memory.

Run: `python benchmarks/bench_modelcheck.py`. Times are CPU seconds of this process (one
core, so other load on the machine does not inflate them); figures are measured on this
machine, one core; the generated model has exactly 10**6 reachable states
(six counters of ten values each, stepped up one at a time) and an
unreachable hazard, so the BFS must exhaust it.
"""

from __future__ import annotations

import resource
import time
from functools import partial
from pathlib import Path

import yaml

from pathguard.model.load import load_world, world_from_document
from pathguard.model.world import World
from pathguard.modelcheck.explicit import explore
from pathguard.modelcheck.smt.bmc import bmc
from pathguard.modelcheck.smt.encoding import Encoding
from pathguard.modelcheck.system import Options, TransitionSystem
from pathguard.policy.compile import CompiledPolicy, allow_everything
from pathguard.policy.load import load_policy
from pathguard.source import parse_yaml

RAILWAY = Path(__file__).resolve().parents[1] / "models" / "railway"


def generated(counters: int = 6, values: int = 10) -> World:
    """`counters` variables over 0..values-1 plus an unreachable value; one step per increment."""
    domain = [*map(str, range(values)), "never"]
    endpoints = {f"inc_c{i}_{v}": {"kind": "write", "resource": f"r{i}", "when": {f"c{i}": str(v)},
                                   "sets": {f"c{i}": str(v + 1)}}
                 for i in range(counters) for v in range(values - 1)}
    state = {f"c{i}": {"values": domain, "initial": "0"} for i in range(counters)}
    spec = {"system": "generated", "state": state,
            "endpoints": endpoints, "hazards": {"impossible": {"c0": "never"}}}
    return world_from_document(parse_yaml(yaml.safe_dump(spec), "generated.yaml"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_explicit(label: str, world: World, policy: CompiledPolicy, max_states: int | None) -> None:
    started = time.process_time()
    found = explore(TransitionSystem(world, policy), max_states=max_states)
    seconds = time.process_time() - started
    how = "exhausted" if found.exhausted else f"stopped by {found.stopped_by}"
    print(f"explicit  {label:<38} {found.states:>9} states {seconds:7.2f} s "
          f"{found.states / seconds:>9.0f} states/s  ({how}; peak RSS {peak_mb():.0f} MB)")


def bench_bmc(label: str, world: World, policy: CompiledPolicy, hazard: str, depth: int) -> None:
    enc = Encoding(world, policy, Options())
    started = time.process_time()
    found, undecided, checked, per_depth = bmc(enc, {hazard: partial(enc.hazard, name=hazard)}, depth)
    seconds = time.process_time() - started
    status = "counterexample" if found else ("z3 unknown" if undecided else "none")
    slowest = max(per_depth) if per_depth else 0.0
    print(f"smt bmc   {label:<38} depth {checked:>3} in {seconds:6.2f} s  "
          f"({seconds / max(checked, 1):.3f} s/depth mean, {slowest:.3f} s slowest; {status})")


def main() -> None:
    railway = load_world(RAILWAY / "endpoints.yaml")
    pre = load_policy(RAILWAY / "policy-pre-incident.yaml", railway)
    post = load_policy(RAILWAY / "policy-post-incident.yaml", railway)
    gen = generated()
    bench_explicit("railway / pre-incident", railway, pre, None)
    bench_explicit("railway / post-incident (first 300k)", railway, post, 300_000)
    bench_explicit("generated 10^6 / no policy", gen, allow_everything(gen), None)
    bench_bmc("railway / post-incident / data_loss", railway, post, "data_loss", 20)
    bench_bmc("generated 10^6 / impossible", gen, allow_everything(gen), "impossible", 20)
    print(f"peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
