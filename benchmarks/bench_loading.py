"""What hostile input costs before it is refused, and what the input limits cost on good input.

Figures, each in a fresh process (`python -m pathguard.cli.main analyze FILE`): exit status,
wall-clock seconds and the process's peak resident memory (VmHWM, Linux: a bound that
includes the interpreter and its imports, about 50 MB). Measured on the first version for the
issue: the 1 KB alias bomb took 5.8 GB and 80 s; the other cases exited 3.
Then, in this process: seconds to load a generated 1,500-endpoint endpoints.yaml (pure-Python
located loader) and to run `check_data` (depth, aliases, control characters) on the same data
as JSON, best of 3. Target (issue 10): every hostile case exits 2 within a few seconds and
well under 1 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import dump, rest_world  # benchmarks/ is on sys.path when run as a script

from pathguard.model.load import world_from_document
from pathguard.source import MAX_BYTES, check_data, parse_yaml

REPO = Path(__file__).resolve().parent.parent
TAIL = "\nendpoints: {e: {kind: read, resource: r}}\n"
DRIVER = ("import json, re, sys\nfrom pathguard.cli.main import main\n"
          "code = main(sys.argv[1:])\n"
          "peak = re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read())\n"
          "print(json.dumps({'code': code, 'peak_kb': int(peak.group(1))}))\n")
"""Runs the command in a child and prints its exit status and peak RSS (VmHWM: this process's
own high-water mark; `ru_maxrss` would include the parent's at fork time)."""


def bomb() -> str:
    lines = ["system: x", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return "\n".join(lines) + TAIL


CASES: dict[str, str | bytes] = {
    "alias bomb (1 KB, 10^10 nodes expanded)": bomb(),
    "10,000-deep flow YAML": "system: " + "[" * 10_000 + "]" * 10_000 + TAIL,
    "10,000-deep JSON": '{"system": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "NUL character": "system: a\x00b" + TAIL,
    "escaped BEL in JSON": '{"system": "a\\u0007b"}',
    "integer of 5,000 digits": "system: " + "9" * 5000 + TAIL,
    "file of 32 MiB + 1 byte": b"system: x\ndescription: '" + b"a" * MAX_BYTES + b"'\n",
}


def run_case(path: Path) -> tuple[int, float, float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", DRIVER, "analyze", str(path)], cwd=REPO,
                          capture_output=True, text=True, check=False, timeout=600)
    seconds = time.perf_counter() - start
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    return figures["code"], seconds, figures["peak_kb"] / 1024


def best(fn: object, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    print("hostile input, each in a fresh process: exit, wall-clock s, peak RSS MB (with the interpreter)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in CASES.items():
            path = Path(tmp) / ("case.json" if "JSON" in name else "case.yaml")
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            code, seconds, rss = run_case(path)
            print(f"  {name:<42} exit {code}  {seconds:6.2f} s  {rss:7.1f} MB")
    text = dump(rest_world(1500))
    data = parse_yaml(text, "generated.yaml").data
    as_json = json.dumps(data)
    load = best(lambda: world_from_document(parse_yaml(text, "generated.yaml")))
    check = best(lambda: check_data(json.loads(as_json), "generated.json", as_json))
    print(f"generated 1,500 endpoints ({len(text) / 1024:.0f} KB of YAML): located load {load:.3f} s, "
          f"check_data on its JSON {check:.3f} s (best of 3)")


if __name__ == "__main__":
    main()
