"""Model checker benchmarks: explicit states/s, SMT seconds per BMC depth, peak memory.

Run: `python benchmarks/bench_modelcheck.py`. Times are CPU seconds of this process (one
core, so other load on the machine does not inflate them); each explicit figure is the
median of several runs (`REPEATS`). The generated model has exactly 10**6 reachable
states (six counters of ten values each, stepped up one at a time) and an unreachable
hazard, so the BFS must exhaust it; its seven-counter version (10**7 states) runs once
in a child process, whose peak RSS is the memory figure at 10**7 states.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
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
REPEATS = {"small": 21, "large": 3}


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


def bench_explicit(label: str, world: World, policy: CompiledPolicy, max_states: int | None,
                   repeats: int) -> None:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        found = explore(TransitionSystem(world, policy), max_states=max_states)
        times.append(time.process_time() - started)
    seconds = statistics.median(times)
    how = "exhausted" if found.exhausted else f"stopped by {found.stopped_by}"
    print(f"explicit  {label:<38} {found.states:>9} states {seconds:8.3f} s "
          f"{found.states / seconds:>9.0f} states/s  (median of {repeats}; {how}; "
          f"peak RSS {peak_mb():.0f} MB)")


def bench_ten_million() -> None:
    """The 10**7-state generated model, once, in a process of its own: the peak RSS it prints
    is that search's alone."""
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "--ten-million"], check=True)


def ten_million() -> None:
    world = generated(counters=7)
    bench_explicit("generated 10^7 / no policy (own process)", world, allow_everything(world), None, 1)


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
    bench_explicit("railway / pre-incident", railway, pre, None, REPEATS["small"])
    bench_explicit("railway / post-incident (first 300k)", railway, post, 300_000, REPEATS["large"])
    bench_explicit("generated 10^6 / no policy", gen, allow_everything(gen), None, REPEATS["large"])
    bench_bmc("railway / post-incident / data_loss", railway, post, "data_loss", 20)
    bench_bmc("generated 10^6 / impossible", gen, allow_everything(gen), "impossible", 20)
    print(f"peak RSS {peak_mb():.0f} MB (this process)")
    bench_ten_million()


if __name__ == "__main__":
    if sys.argv[1:] == ["--ten-million"]:
        ten_million()
    else:
        main()
