"""The proxy benchmark runs in CI (a few rounds: its figures are the benchmark's, not a test's)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_overhead_benchmark_runs_and_prints_every_figure() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_proxy.py")], capture_output=True,
                          text=True, check=False, timeout=600,
                          env={**os.environ, "PATHGUARD_BENCH_ROUNDS": "20", "PYTHONPATH": str(REPO / "src")})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for era in ("handshake clients", "sdk-default clients"):
        assert out.count(era) == 2, out  # reads and writes
    assert out.count("| added p50") == 8 and "target added p50 <= 1 ms and p99 <= 5 ms:" in out
