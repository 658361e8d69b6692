"""Benchmark of the embedded runtime: `check` latency and multi-agent throughput.

Latency: p50/p95/p99 of one `check` (microseconds, wall clock, perf_counter_ns,
measured per call) on the Railway post-incident policy with every layer on
(rules, budget over the sliding window, forbidden sequences, intent deviation
with its vectors cached), for the memory, SQLite (WAL; synchronous=normal, the
default, and synchronous=full) and
PostgreSQL (local server, fsync on) stores. The workload is a mix of reads,
writes, deletes (approval), forbidden pairs and closed sessions, as an ops
agent produces them; a new session opens every 24 checks (not timed). Each
line also gives the thread-CPU p50/p99 of a check (time.thread_time_ns: the
check's own cost, without the time spent waiting for a core or the disk; the
machine is shared) and the 1-minute load average just before the run.
Throughput: checks per second across 20 agent processes sharing one PostgreSQL
store and one team budget scope, from a common start to the last finish.
The SQLite line also gives the WAL's size after its run.
Then the trace store cases (store_cases.py): commit latency on this machine, the
SQLite WAL under two writers, 20 threads on one store per back end, 20 and 100
processes on one PostgreSQL scope (zero overspend, zero lost rows), kill -9 of
agents mid-check, and a PostgreSQL restart under a checking store.
Targets (issue 9): memory p50 <= 10 us and p99 <= 40 us; SQLite p99 <= 1 ms;
>= 2,000 checks/s across 20 agents on PostgreSQL.
`--runtime` or `--store` runs only that half.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

WORKLOAD = [
    ("get_project", {}), ("list_services", {}), ("list_volumes", {}), ("get_volume", {"volume_id": "vol-7"}),
    ("list_backups", {"volume_id": "vol-7"}), ("create_backup", {"volume_id": "vol-7"}),
    ("unmount_volume", {"volume_id": "vol-7"}), ("delete_volume", {"volume_id": "vol-7"}),
    ("list_deployments", {"service_id": "svc-1"}), ("scale_service", {"service_id": "svc-1", "replicas": 2}),
    ("modify_production_env", {"service_id": "svc-1", "name": "MODE", "value": "x"}),
    ("list_variables", {"service_id": "svc-1"}),
]
SESSION_LENGTH = 24
AGENTS, AGENT_CHECKS = 20, 400


def load_guard(store: str, real_model: bool = True, **options: object):  # type: ignore[no-untyped-def]
    """The Railway guard; with the packaged MiniLM model when `real_model` and installed (a check
    never runs the model, so the tiny hash embedder gives the same check cost without loading
    torch into each of the 20 throughput processes)."""
    from pathguard.runtime import Guard
    from pathguard.runtime.intent import HashEmbedder, SentenceEmbedder, packaged_model_path

    embedder: object = HashEmbedder()
    if real_model:
        try:
            packaged_model_path()
            embedder = SentenceEmbedder()
        except Exception as exc:
            print(f"(packaged model unavailable, hash embedder used: {exc})")
    railway = REPO / "models" / "railway"
    return Guard.load(railway / "endpoints.yaml", railway / "policy-post-incident.yaml", store=store,
                      embedder=embedder, **options)


def latencies(guard, checks: int, cpu: list[int] | None = None) -> list[int]:  # type: ignore[no-untyped-def]
    """Wall nanoseconds per check over `checks` checks of the workload; with `cpu`, the thread's
    CPU nanoseconds per check are appended to it (the CPU clock brackets the wall clock)."""
    out = []
    clock, thread = time.perf_counter_ns, time.thread_time_ns
    session = None
    for i in range(checks):
        if i % SESSION_LENGTH == 0:
            if session is not None:
                session.close()
            session = guard.session(agent="ops-agent", intent="clean up orphaned volumes")
        name, params = WORKLOAD[i % len(WORKLOAD)]
        if cpu is None:
            start = clock()
            session.check(name, params)
            out.append(clock() - start)
        else:
            used = thread()
            start = clock()
            session.check(name, params)
            out.append(clock() - start)
            cpu.append(thread() - used)
    return out


def at(ns: list[int], q: float) -> float:
    """The q-quantile of sorted nanoseconds, in microseconds."""
    return ns[min(len(ns) - 1, int(q * len(ns)))] / 1000


def percentiles(ns: list[int]) -> str:
    ns = sorted(ns)
    return (f"p50 {at(ns, 0.50):8.1f} us   p95 {at(ns, 0.95):8.1f} us   p99 {at(ns, 0.99):8.1f} us   "
            f"(n={len(ns)})")


def measured(guard, checks: int) -> str:  # type: ignore[no-untyped-def]
    """Wall percentiles, the thread-CPU p50/p99 (what the check itself costs, without the time
    the process waited for a core or the disk) and the 1-minute load average before the run."""
    load = os.getloadavg()[0]
    cpu: list[int] = []
    wall = percentiles(latencies(guard, checks, cpu))
    cpu.sort()
    return f"{wall}   cpu p50 {at(cpu, 0.50):.1f} us p99 {at(cpu, 0.99):.1f} us   load {load:.2f}"


def agent(url: str, index: int) -> None:
    """One of the 20 throughput agents: wait for `go`, run its checks, print start/end."""
    guard = load_guard(url, real_model=False, scope="team", scope_limit=AGENTS * AGENT_CHECKS)
    print("ready", flush=True)
    sys.stdin.readline()
    start = time.time()
    latencies(guard, AGENT_CHECKS)
    print(start, time.time(), flush=True)
    guard.close()


def throughput(url: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    procs = [subprocess.Popen([sys.executable, __file__, "--agent", url, str(i)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env) for i in range(AGENTS)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:  # every agent gets `go` before any is waited for (communicate() waits for the end)
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    spans = [tuple(map(float, p.communicate(timeout=600)[0].split())) for p in procs]
    wall = max(end for _, end in spans) - min(start for start, _ in spans)
    total = AGENTS * AGENT_CHECKS
    return f"{total / wall:8.0f} checks/s ({total} checks by {AGENTS} processes in {wall:.2f} s wall)"


THREADS, WINDOWS = 20, 20
ONE_SESSION_WORLD = """
system: writes
endpoints:
  snapshot: {kind: write, resource: volume}
"""
ONE_SESSION_POLICY = "policy: five-writes\nbudget: {window_minutes: 1, max_writes: 5}\n"


def threads_one_session(store: str) -> str:
    """20 threads sharing ONE session, 3 writes each per window, over 20 windows of a manual clock
    (`max_writes: 5`): the most writes any window let through (must be 5), the rows stored (must
    be every decision) and the checks per second."""
    import threading

    from pathguard.model.load import world_from_document
    from pathguard.policy.load import policy_from_document
    from pathguard.runtime import Guard
    from pathguard.runtime.clock import ManualClock
    from pathguard.source import parse_yaml

    world = world_from_document(parse_yaml(ONE_SESSION_WORLD, "writes.yaml"))
    policy = policy_from_document(parse_yaml(ONE_SESSION_POLICY, "policy.yaml"), world)
    clock = ManualClock()
    guard = Guard(world, policy, store, clock=clock)
    session = guard.session(agent="threaded-agent", intent="snapshot volumes")
    most, checks, seconds = 0, 0, 0.0
    for window in range(WINDOWS):
        barrier = threading.Barrier(THREADS)
        allowed: list[int] = []

        def work(barrier: threading.Barrier = barrier, allowed: list[int] = allowed, w: int = window) -> None:
            barrier.wait()
            for i in range(3):
                if session.check("snapshot", {"window": w, "i": i}).allowed:
                    allowed.append(1)

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds += time.perf_counter() - started
        most, checks = max(most, len(allowed)), checks + THREADS * 3
        clock.advance(61)
    trace = guard.store.session(session.session_id)
    rows = len(trace.actions) if trace is not None else 0
    guard.close()
    verdict = "ok" if most <= 5 and rows == checks else "OVERSPENT OR LOST ROWS"
    return (f"{checks / seconds:8.0f} checks/s; most writes in one window {most} (limit 5); "
            f"{rows} of {checks} decisions stored [{verdict}]")


def main(parts: set[str]) -> None:
    from pg_server import PostgresMissing, PostgresServer

    print(__doc__.strip().splitlines()[0])
    if "runtime" in parts:
        guard = load_guard("memory")
        print(f"model: {guard.world.system}, policy: {guard.policy.name}, intent embedder: "
              f"{type(guard.intent.embedder).__name__ if guard.intent else 'off'}")
        latencies(guard, 5_000)  # warm up
        print(f"memory     {measured(guard, 100_000)}")
        with tempfile.TemporaryDirectory() as tmp:
            guard = load_guard(f"sqlite:///{tmp}/trace.db")
            latencies(guard, 500)
            line = measured(guard, 10_000)
            print(f"sqlite     {line}   WAL {Path(tmp, 'trace.db-wal').stat().st_size / 1e6:.1f} MB after")
            guard.close()
            guard = load_guard(f"sqlite:///{tmp}/full.db?synchronous=full")
            latencies(guard, 100)
            print(f"sqlite+fsync {measured(guard, 2_000)} (fsync per commit)")
            guard.close()
            print(f"20 threads, one session, memory: {threads_one_session('memory')}")
            print(f"20 threads, one session, sqlite: {threads_one_session(f'sqlite:///{tmp}/threads.db')}")
    try:
        server = PostgresServer(fsync=True, max_connections=300)
    except PostgresMissing as exc:
        print(f"postgresql not measured: {exc}")
        return
    with server as url:
        if "runtime" in parts:
            guard = load_guard(url)
            latencies(guard, 500)
            print(f"postgresql {measured(guard, 5_000)}")
            guard.close()
            load = os.getloadavg()[0]
            print(f"postgresql 20 agents: {throughput(url)}   load {load:.2f}")
            print(f"20 threads, one session, postgresql: {threads_one_session(url)}")
        if "store" in parts:
            import store_cases

            store_cases.run(server, url)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--agent":
        agent(sys.argv[2], int(sys.argv[3]))
    else:
        chosen = {arg.removeprefix("--") for arg in sys.argv[1:]}
        main(chosen or {"runtime", "store"})
