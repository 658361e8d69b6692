"""Import time of every real spec in ../shared/specs, and `analyze --max-length 6` on the result.

Figures: import wall-clock seconds (best of 3 runs, in this process: read,
parse, infer, validate), the model's size, and the wall-clock seconds of
`pathguard analyze GENERATED --max-length 6 --format json` in a fresh process
(one run), with its path count and whether the enumeration was complete,
once without the model checker (`--no-check`: paths only) and once with it.
Target (issue 5): the largest spec imports in <= 5 s; analyze in <= 30 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pathguard.importers.detect import import_file
from pathguard.importers.emit import emit

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT.parent / "shared" / "specs"
FILES = ("digitalocean.openapi.yaml", "linode.openapi.yaml", "fly-machines.openapi.yaml",
         "github-mcp.tools.json", "kubernetes-mcp.tools.json", "neon-mcp.tools.json")
ANALYZE_TIMEOUT = 600


def best_import(path: Path, runs: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = import_file(path)
        best = min(best, time.perf_counter() - start)
    return best, result


def run_analyze(model: Path, *extra: str) -> str:
    cmd = [sys.executable, "-m", "pathguard.cli.main", "analyze", str(model), "--max-length", "6",
           "--format", "json", *extra]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=ANALYZE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"timed out after {ANALYZE_TIMEOUT} s"
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        return f"exit {proc.returncode} after {seconds:.2f} s: {proc.stderr.strip().splitlines()[-1:]}"
    doc = json.loads(proc.stdout)
    paths = doc["paths"]
    hazards = doc.get("hazards") or {}
    verdicts: dict[str, int] = {}
    for h in hazards.values():
        verdicts[h["verdict"]] = verdicts.get(h["verdict"], 0) + 1
    total = f"{paths['total']:,}" + ("" if paths["complete"] else " (lower bound: " + ", ".join(
        paths.get("limits") or ["a limit"]) + ")")
    shown = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) or "not checked"
    return f"{seconds:.2f} s; paths {total}, complete {paths['complete']}; hazards: {shown}"


def main() -> None:
    print("pathguard import: real specs (import = best of 3, wall clock; analyze = 1 run, wall clock)")
    with tempfile.TemporaryDirectory() as tmp:
        for name in FILES:
            seconds, result = best_import(SPECS / name)
            world = result.world  # type: ignore[attr-defined]
            model = Path(tmp) / f"{name}.endpoints.yaml"
            model.write_text(emit(result.draft, f"bench import of {name}"))  # type: ignore[attr-defined]
            size = (SPECS / name).stat().st_size
            print(f"{name:28} {size / 1e6:5.2f} MB  import {seconds:5.2f} s  "
                  f"{len(world.endpoints):4} endpoints, {len(world.facts):3} facts, "
                  f"{len(world.variables):3} variables, {len(world.hazards):3} hazards, "
                  f"{len(world.targets):3} targets")
            print(f"{'':28} analyze --max-length 6 --no-check: {run_analyze(model, '--no-check')}")
            print(f"{'':28} analyze --max-length 6: {run_analyze(model)}")


if __name__ == "__main__":
    main()
