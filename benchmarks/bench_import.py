"""Import time of every vendored spec in corpus/specs, of a 1,318-operation spec, and
`analyze --max-length 6` on the six specs the project was built on.

Figures: import wall-clock seconds (best of 3 runs, in this process: read, parse, infer,
validate), the model's size, and the wall-clock seconds of `pathguard analyze GENERATED
--max-length 6 --format json` in a fresh process (one run), with its path count and whether
the enumeration was complete, once without the model checker (`--no-check`: paths only) and
once with it. The 1,318-operation spec is synthetic, said so where it is printed: every path of
DigitalOcean's spec twice, under `/a` and `/b`, operation ids suffixed, written as YAML (the
slower format to read). Targets (issues 5 and 11): a 1,300-operation spec imports in <= 5 s;
analyze in <= 30 s. `--quick` skips the analyze runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from pathguard.importers.detect import Imported, import_file
from pathguard.importers.emit import emit

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "corpus" / "specs"
ANALYZED = ("digitalocean.openapi.yaml", "linode.openapi.yaml", "fly-machines.openapi.yaml",
            "github-mcp.tools.json", "kubernetes-mcp.tools.json", "neon-mcp.tools.json")
ANALYZE_TIMEOUT = 600


def best_import(path: Path, runs: int = 3) -> tuple[float, Imported]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = import_file(path)
        best = min(best, time.perf_counter() - start)
    assert result is not None
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
    verdicts: dict[str, int] = {}
    for h in (doc.get("hazards") or {}).values():
        verdicts[h["verdict"]] = verdicts.get(h["verdict"], 0) + 1
    total = f"{paths['total']:,}" + ("" if paths["complete"] else " (lower bound: " + ", ".join(
        paths.get("limits") or ["a limit"]) + ")")
    shown = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) or "not checked"
    return f"{seconds:.2f} s; paths {total}, complete {paths['complete']}; hazards: {shown}"


def doubled(spec: Path, out: Path) -> int:
    """Write `spec` with every path twice (under `/a` and `/b`); return its operation count."""
    data: Any = yaml.load(spec.read_text(), Loader=yaml.CSafeLoader)
    paths: dict[str, Any] = {}
    ops = 0
    for prefix in ("/a", "/b"):
        for path, item in data["paths"].items():
            copy = dict(item)
            for method in ("get", "put", "post", "delete", "patch"):
                if isinstance(copy.get(method), dict):
                    op = dict(copy[method])
                    if op.get("operationId"):
                        op["operationId"] = f"{op['operationId']}_{prefix[1:]}"
                    copy[method] = op
                    ops += 1
            paths[prefix + path] = copy
    data["paths"] = paths
    out.write_text(yaml.dump(data, Dumper=_Plain, sort_keys=False))
    return ops


class _Plain(yaml.CSafeDumper):
    """Writes every copy out in full (no anchors), as a real spec of that size would be."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def line(name: str, path: Path, seconds: float, result: Imported) -> str:
    world = result.world
    return (f"{name:36} {path.stat().st_size / 1e6:5.2f} MB  import {seconds:5.2f} s  "
            f"{len(world.endpoints):5} endpoints, {len(world.facts):4} facts, "
            f"{len(world.variables):4} variables, {len(world.hazards):4} hazards, "
            f"{len(world.targets):4} targets")


def main() -> None:
    quick = "--quick" in sys.argv
    print("pathguard import: vendored specs (import = best of 3, wall clock; analyze = 1 run, wall clock)")
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "digitalocean-doubled.openapi.yaml"
        ops = doubled(SPECS / "digitalocean.openapi.yaml", big)
        seconds, result = best_import(big)
        print(line(f"synthetic: DigitalOcean x2 ({ops} ops)", big, seconds, result)
              + f"  [target <= 5 s: {'met' if seconds <= 5 else 'NOT met'}]")
        for spec in sorted(SPECS.iterdir()):
            seconds, result = best_import(spec)
            print(line(spec.name, spec, seconds, result))
            if quick or spec.name not in ANALYZED:
                continue
            model = Path(tmp) / f"{spec.name}.endpoints.yaml"
            model.write_text(emit(result.draft, f"bench import of {spec.name}"))
            print(f"{'':36} analyze --max-length 6 --no-check: {run_analyze(model, '--no-check')}")
            print(f"{'':36} analyze --max-length 6: {run_analyze(model)}")


if __name__ == "__main__":
    main()
