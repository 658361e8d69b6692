"""Benchmark of `pathguard fuzz`: operations per second through the real Guard (memory store).

An operation is one step of a fuzz sequence (a call checked by the guard and
decided by the model, a spawn, a grant, a retry, a clock step, a close); each
is judged by every property. Figures, on the Railway post-incident policy,
seed 0, 50 operations per sequence, no model checker (its time is a fixed
cost per run, printed apart):

- fuzz: the whole loop (Hypothesis drawing the sequences, the guard, the
  model, the oracle), wall clock and per CPU second of this process (the
  machine is shared: the load average is printed next to it);
- harness: the same sequences run again without Hypothesis (what the guard
  and the properties cost alone);
- find and shrink: a runtime double with a planted bug (tests/fuzz), time to
  the minimal sequence and its length.
Target (issue 12): at least 2,000 operations per second through the real Guard.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "fuzz"))


def main() -> int:
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from pathguard.fuzz.run import FuzzOptions, fuzz, make_setup, run_operations
    from pathguard.fuzz.strategies import OpSpace
    from pathguard.inputs import load_inputs
    from pathguard.modelcheck.check import check

    railway = REPO / "models" / "railway"
    inputs = load_inputs(railway / "endpoints.yaml", railway / "policy-post-incident.yaml")
    world, policy = inputs.world, inputs.policy
    assert policy is not None
    examples = int(os.environ.get("BENCH_FUZZ_EXAMPLES", "400"))

    load = os.getloadavg()[0]
    cpu, wall = time.process_time(), time.perf_counter()
    report = fuzz(world, policy, FuzzOptions(examples=examples, check_hazards=False))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert report.passed, report.failure
    ops = report.operations
    print(f"fuzz: {ops:,} operations ({report.decisions:,} guard decisions) in {report.examples} sequences: "
          f"{ops / wall:,.0f} operations/s wall, {ops / cpu:,.0f} per CPU second (load average {load:.1f} on "
          f"{os.cpu_count()} cores)")

    space = OpSpace.of(world, policy)
    sequences: list[list] = []

    @seed(0)
    @settings(max_examples=examples, database=None, phases=(Phase.generate,), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(space.codes(50))
    def draw(codes: list[tuple[int, int]]) -> None:
        sequences.append(space.sequence(codes))

    draw()
    setup = make_setup(world, policy, FuzzOptions())
    count = sum(len(s) for s in sequences)
    cpu, wall = time.process_time(), time.perf_counter()
    for ops in sequences:
        _, violated = run_operations(setup, ops)
        assert violated is None, violated
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"harness alone: {count:,} operations: {count / wall:,.0f} operations/s wall, "
          f"{count / cpu:,.0f} per CPU second")

    from fuzz_doubles import leaky_guard

    tight_file = REPO / "tests" / "fuzz" / "data" / "policy-tight.yaml"
    tight = load_inputs(railway / "endpoints.yaml", tight_file).policy
    assert tight is not None
    wall = time.perf_counter()
    found = fuzz(world, tight, FuzzOptions(check_hazards=False), make_guard=leaky_guard)
    wall = time.perf_counter() - wall
    assert found.failure is not None
    print(f"find and shrink (sub-agent escaping its ancestors' budget): {wall:.2f} s, {found.examples} "
          f"sequences, minimal sequence of {len(found.failure.operations)} operations (first failure: "
          f"{found.failure.first_failure})")

    wall = time.perf_counter()
    from pathguard.fuzz.run import checker_options

    check(world, policy, options=checker_options(2))
    print(f"model checker, once per run (--subagents 2, approvals, time): {time.perf_counter() - wall:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
