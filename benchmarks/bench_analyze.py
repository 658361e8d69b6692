"""Benchmark `pathguard analyze`, end to end (process start to exit).

Targets (issue 2): Railway under 1 s; a generated 1,000-endpoint spec with
`--max-length 6` under 10 s.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import dump, rest_world  # benchmarks/ is on sys.path when run as a script

REPO = Path(__file__).resolve().parent.parent
PATHGUARD = [sys.executable, "-m", "pathguard.cli.main"]


def timed(args: list[str], runs: int) -> tuple[float, float, dict]:
    """Median and best wall-clock seconds of `runs` runs, and the last JSON document."""
    times, doc = [], {}
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([*PATHGUARD, *args, "--format", "json"], cwd=REPO, capture_output=True,
                              text=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"analyze failed: {proc.stderr}")
        doc = json.loads(proc.stdout)
    return statistics.median(times), min(times), doc


def main() -> None:
    for policy, extra, what in (("pre-incident", [], "paths and hazards"),
                                ("post-incident", ["--no-check"], "paths only"),
                                ("post-incident", [], "paths and hazards")):
        args = ["analyze", "models/railway/endpoints.yaml",
                "--policy", f"models/railway/policy-{policy}.yaml",
                *extra]
        median, best, doc = timed(args, 5)
        print(f"analyze railway {policy} ({what}), process start to exit: median {median:.3f} s, "
              f"best {best:.3f} s over 5 runs (target < 1 s); {doc['paths']['total']} paths")
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "synthetic-1000.yaml"
        spec.write_text(dump(rest_world(1000)))
        median, best, doc = timed(["analyze", str(spec), "--max-length", "6"], 3)
        p = doc["paths"]
        print(f"analyze synthetic 1,000 endpoints --max-length 6: median {median:.2f} s, best {best:.2f} s "
              f"over 3 runs (target < 10 s); {p['total']:,} paths, complete={p['complete']}, "
              f"{doc['graph']['edges']:,} edges")


if __name__ == "__main__":
    main()
