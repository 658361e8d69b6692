"""Scale (issue 10): `check` and `analyze` with their defaults on the largest real specs and a
generated 1,500-endpoint spec; path enumeration cost per path; a 13-endpoint clique.

Targets: each command finishes within 60 s and 2 GB with every hazard decided or `unknown`
naming its limit; at most 3 µs per enumerated path (with its verdict and executability) on a
generated 200-endpoint mesh up to 7 calls.

How it is measured:
- commands run in a child process each (`python -m pathguard.cli.main ... --format json`); wall
  seconds from start to exit, peak RSS of the child from `resource.getrusage(RUSAGE_CHILDREN)`
  (each in a fresh child of a fresh runner so the figure is that command's alone);
- the enumerator: CPU seconds (`time.process_time`) of `enumerate_paths` over every path of at
  most 7 calls, divided by the paths counted, median of 5 runs (warm caches excluded: each run
  builds its own `Walker`); beside it the straightforward way, a DFS that runs each path
  through `decide()` from a fresh session and checks its world preconditions, on the same graph.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import dump, mesh_world, rest_world  # benchmarks/ is on sys.path when run as a script

from pathguard.graph.build import action_graph
from pathguard.graph.paths import enumerate_paths, path_scope
from pathguard.graph.verdicts import Walker
from pathguard.model.load import world_from_document
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.load import policy_from_document
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect
from pathguard.semantics.session import SessionState, executed
from pathguard.source import parse_yaml

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "corpus" / "specs"
MESH_POLICY = ("policy: mesh\nrules:\n  - {match: {kind: delete}, decision: approval}\n"
               "forbidden: [[op004, op009], [op014, op019]]\nbudget: {max_writes: 3}\n")


def child(args: list[str]) -> tuple[float, float, dict]:
    """Seconds, peak MB and the JSON document of one pathguard command in a fresh process."""
    runner = ("import resource, subprocess, sys, time, json\n"
              "t = time.perf_counter()\n"
              "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "s = time.perf_counter() - t\n"
              "mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
              "print(json.dumps({'s': s, 'mb': mb, 'code': p.returncode, 'err': p.stderr[-2000:]}))\n"
              "sys.stdout.write(p.stdout)\n")
    proc = subprocess.run([sys.executable, "-c", runner, sys.executable, "-m", "pathguard.cli.main", *args,
                           "--format", "json"], capture_output=True, text=True, check=False, cwd=REPO)
    head, _, body = proc.stdout.partition("\n")
    meta = json.loads(head)
    if meta["code"] not in (0, 1):
        raise SystemExit(f"pathguard {' '.join(args)} failed: {meta['err']}")
    return meta["s"], meta["mb"], json.loads(body)


def verdicts(doc: dict) -> str:
    hazards = doc.get("hazards") or {}
    counts = {v: sum(1 for h in hazards.values() if h["verdict"] == v) for v in ("unsafe", "safe", "unknown")}
    limits = sorted({h.get("limit") for h in hazards.values() if h["verdict"] == "unknown"} - {None})
    text = (f"{len(hazards)} hazards: {counts['unsafe']} unsafe, {counts['safe']} safe, "
            f"{counts['unknown']} unknown")
    return text + (f" (limits: {'; '.join(limits)})" if limits else "")


def commands() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        generated = Path(tmp) / "generated-1500.yaml"
        generated.write_text(dump(rest_world(1500)))
        for name, spec in (("digitalocean (659 ops)", SPECS / "digitalocean.openapi.yaml"),
                           ("linode (390 ops)", SPECS / "linode.openapi.yaml"),
                           ("generated 1,500 endpoints", generated)):
            if not spec.is_file():
                print(f"{name}: skipped, {spec} is missing")
                continue
            for command in ("check", "analyze"):
                seconds, mb, doc = child([command, str(spec)])
                extra = ""
                if command == "analyze":
                    p = doc["paths"]
                    bound = "" if p["complete"] else f" (lower bound: {', '.join(p['limits'])})"
                    extra = f"; {p['total']:,} paths{bound}"
                ok = "ok" if seconds <= 60 and mb <= 2048 else "OVER TARGET"
                print(f"{command} {name}, defaults: {seconds:.1f} s, peak {mb:.0f} MB [{ok}: 60 s, 2 GB]; "
                      f"{verdicts(doc)}{extra}", flush=True)


def load(text: str, policy_text: str) -> tuple[World, CompiledPolicy]:
    world = world_from_document(parse_yaml(text, "mesh.yaml"))
    return world, policy_from_document(parse_yaml(policy_text, "policy.yaml"), world)


def straightforward(world: World, policy: CompiledPolicy, scope: object, length: int) -> int:
    """Every path by plain DFS, each run from scratch through `decide()` and the world model."""
    count = 0
    successors, targets = scope.successors, scope.targets  # type: ignore[attr-defined]
    start_facts = world.initial_facts("discover")
    slot = {v: i for i, v in enumerate(world.variables)}

    def judge(path: list[str]) -> None:
        session = SessionState.root(policy)
        for call in path:
            d = decide(world, policy, session, call)
            if d.effect is not Effect.ALLOW:
                break
            session = executed(policy, session, policy.plans[call])
        values, facts = [world.initial[v] for v in world.variables], set(start_facts)
        for call in path:
            e = world.by_name[call]
            if not e.needs <= facts or any(values[slot[v]] not in xs for v, xs in e.when):
                break
            facts |= e.produces
            for v, x in e.sets:
                values[slot[v]] = x

    def dfs(path: list[str]) -> None:
        nonlocal count
        node = path[-1]
        if node in targets:
            judge(path)
            count += 1
            return
        if len(path) == length:
            return
        for nxt in successors.get(node, ()):
            if nxt not in path:
                dfs([*path, nxt])

    for entry in scope.entries:  # type: ignore[attr-defined]
        dfs([entry])
    return count


def enumeration() -> None:
    world, policy = load(dump(mesh_world(200)), MESH_POLICY)
    scope = path_scope(action_graph(world), world.entries, world.targets)
    runs = []
    for _ in range(5):
        started = time.process_time()
        found = enumerate_paths(scope, Walker(world, policy), max_length=7, max_paths=None, list_limit=0)
        runs.append(time.process_time() - started)
    per_path = statistics.median(runs) / found.total * 1e6
    print(f"enumeration, 200-endpoint mesh, paths of at most 7 calls: {found.total:,} paths "
          f"({found.counts['open']:,} open, {found.counts['gated']:,} gated, {found.counts['blocked']:,} "
          f"blocked; {sum(found.executable.values()):,} executable), {statistics.median(runs):.2f} s CPU, "
          f"{per_path:.2f} us per path (median of 5; target 3 us)", flush=True)
    started = time.process_time()
    plain = straightforward(world, policy, scope, 7)
    seconds = time.process_time() - started
    print(f"  the straightforward DFS re-running each path: {plain:,} paths, {seconds:.2f} s CPU, "
          f"{seconds / plain * 1e6:.2f} us per path", flush=True)
    sys.path.insert(0, str(REPO / "tests" / "core"))
    from test_core_executable_paths import clique_around_a_bridge  # the test's own instance

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "clique.yaml"
        spec.write_text(dump(clique_around_a_bridge()))
        for extra in ([], ["--max-paths", "10"]):
            seconds, _, doc = child(["analyze", str(spec), "--no-check", *extra])
            p = doc["paths"]
            print(f"analyze 13-endpoint clique around a bridge {' '.join(extra) or '(defaults)'}: "
                  f"{seconds:.1f} s, {p['total']:,} paths, complete={p['complete']} "
                  f"{', '.join(p['limits'])} (every path of at most {p['exhaustive_up_to']} calls counted)",
                  flush=True)


def main() -> None:
    load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load_average}; {os.cpu_count()} cores")
    enumeration()
    commands()


if __name__ == "__main__":
    main()
