"""Benchmark of the simulator: simulated calls per second on one core.

10,000 sessions of 20 calls each (benign and noisy agents on Railway ops
tasks) through the real `Guard` with the in-memory store, the Railway
post-incident policy with every layer on, and the intent layer on with its
embeddings cached (the packaged all-MiniLM-L6-v2 when installed; each intent
is embedded once, before the clock starts). The policy used is the
post-incident one with a budget of 40 actions so that sessions run their 20
calls; with the real model every session enters intent review, so its two
writes are held for approval, granted by the simulated approver and retried:
22 checks per session, each one a full `GuardedSession.check`.
Target (issue 6): >= 20,000 simulated calls per second per core, i.e. the
10,000 sessions in under 10 s. Also printed: where the time goes (cProfile of a
1,000-session run: the guard's check, the agent loop, the metrics).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RAILWAY = REPO / "models" / "railway"

WORKLOAD = """\
workload: bench
sessions: 10000
seed: 1
spacing_minutes: 5
think_seconds: [5, 30]
mix: {benign: 0.7, noisy: 0.3, misaligned: 0.0}
noise: {extra_read: 0.0, detour: 0.0, retry: 0.0}
approver: {delay_seconds: 60}
tasks:
  audit_and_scale:
    intent: Review the production services, volumes and backups, then scale the web service up
    steps: [get_project, list_services, list_variables, list_volumes, get_volume, list_backups,
            list_deployments, get_project, list_volumes, get_volume, list_backups, list_deployments,
            get_project, list_volumes, get_volume, list_backups, list_deployments, get_project,
            modify_production_env, scale_service]
"""


def setup() -> tuple[object, object, object, object, object]:
    from pathguard.model.load import load_world
    from pathguard.policy.load import policy_from_document
    from pathguard.simulate.experiment import make_embedder
    from pathguard.simulate.workload import load_workload
    from pathguard.source import read_document

    world = load_world(RAILWAY / "endpoints.yaml")
    doc = read_document(RAILWAY / "policy-post-incident.yaml")
    doc.data["budget"]["max_actions"] = 40      # room for 20 calls and their retries
    doc.data["intent"]["threshold"] = 0.05      # the intent layer computes, sessions rarely go to review
    policy = policy_from_document(doc, world)
    tmp = Path(tempfile.mkdtemp())
    (tmp / "bench.yaml").write_text(WORKLOAD, encoding="utf-8")
    workload = load_workload(tmp / "bench.yaml", world)
    try:
        embedder = make_embedder("model", None, None)
        embedder.encode(["x"])
    except Exception as exc:  # no packaged model: the hash embedder costs the same per check
        print(f"(packaged model unavailable, hash embedder used: {exc})")
        embedder = make_embedder("hash", None, None)
    return world, policy, workload, embedder, tmp


def measure(sessions: int) -> dict[str, float]:
    from pathguard.simulate.agents import generate
    from pathguard.simulate.experiment import run_policy

    world, policy, workload, embedder, _ = setup()
    specs = generate(world, workload, sessions, 1)  # type: ignore[arg-type]
    embedder.encode(sorted({s.intent for s in specs}))  # type: ignore[attr-defined]
    started = time.perf_counter()
    out = run_policy(world, policy, workload, specs, embedder=embedder)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    checks = out.figures["timing"]["checks"]
    return {"sessions": sessions, "checks": checks, "seconds": seconds, "calls_per_second": checks / seconds,
            "check_p50_us": out.figures["timing"]["p50_us"], "check_p99_us": out.figures["timing"]["p99_us"],
            "interrupted": out.figures["friction"]["count"]}


def profile(sessions: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    measure(sessions)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(14)
    return text.getvalue()


def main() -> None:
    sys.setrecursionlimit(10_000)
    m = measure(10_000)
    print(f"simulate: {m['sessions']:,} sessions, {m['checks']:,} checks in {m['seconds']:.2f} s "
          f"-> {m['calls_per_second']:,.0f} simulated calls/s on one core "
          f"(target >= 20,000; 10,000 sessions of 20 calls in < 10 s)")
    print(f"  check latency inside the run: p50 {m['check_p50_us']} us, p99 {m['check_p99_us']} us; "
          f"{m['interrupted']} sessions interrupted")
    if "--profile" in sys.argv:
        print(profile(1_000))


if __name__ == "__main__":
    main()
