"""The trace store cases of bench_runtime.py: commit latency, the SQLite WAL bound, threads and
processes sharing a budget (zero overspend, zero lost rows), kill -9 and a server restart.

Each case checks what it measures (units used == allowed rows, every confirmed row present) and
prints exact counts; times are wall clock on a machine shared with other work (load printed).
`python store_cases.py agent URL SCOPE CALLS NAME VARIANT` is one agent process of the
multi-process cases; VARIANT `sync` commits the unit and its row synchronously in the one
statement (the budget row's lock held through the fsync), for comparison with the store's way.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "store"))
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}

from pathguard.store import ActionRow, SessionRow, Store, StoreError, open_store  # noqa: E402
from pathguard.store.postgres import PostgresStore  # noqa: E402
from pathguard.store.sqlite import SQLiteStore  # noqa: E402


def quantiles(seconds: list[float]) -> str:
    s = sorted(seconds)
    return f"p50 {s[len(s) // 2] * 1e3:.2f} ms  p99 {s[min(len(s) - 1, int(len(s) * 0.99))] * 1e3:.2f} ms"


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def row(session: str, seq: int) -> ActionRow:
    return ActionRow(session, seq, time.time(), "snapshot_volume", {"volume_id": f"v{seq}"}, "allow",
                     ("default: allow",), None)


# -- commit latency ---------------------------------------------------------------------------
def commit_latency(url: str) -> None:
    """What one durable commit costs here: the disk's fdatasync, PostgreSQL synchronous and
    asynchronous commits, SQLite commits with synchronous=normal and full."""
    with tempfile.TemporaryDirectory() as tmp:
        fd = os.open(Path(tmp) / "probe", os.O_WRONLY | os.O_CREAT)
        times = []
        for _ in range(300):
            start = time.perf_counter()
            os.pwrite(fd, b"x" * 8192, 0)
            os.fdatasync(fd)
            times.append(time.perf_counter() - start)
        os.close(fd)
        print(f"  disk: 8 kB write + fdatasync        {quantiles(times)}  (n=300, {load()})")
        for sync in ("normal", "full"):
            db = sqlite3.connect(Path(tmp) / f"{sync}.db", isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={sync}")
            db.execute("CREATE TABLE t (a INTEGER, b TEXT)")
            times = []
            for i in range(300):
                start = time.perf_counter()
                db.execute("INSERT INTO t VALUES (?, 'row')", (i,))
                times.append(time.perf_counter() - start)
            db.close()
            print(f"  sqlite commit, synchronous={sync:6s} {quantiles(times)}  (n=300)")
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE IF NOT EXISTS commit_probe (a INTEGER, b TEXT)")
        for mode in ("on", "off"):
            db.execute(f"SET synchronous_commit = {mode}")
            times = []
            for i in range(500):
                start = time.perf_counter()
                db.execute("INSERT INTO commit_probe VALUES (%s, 'row')", (i,))
                times.append(time.perf_counter() - start)
            print(f"  postgresql commit, synchronous_commit={mode:3s} {quantiles(times)}  (n=500, fsync on)")
        db.execute("DROP TABLE commit_probe")


# -- the SQLite WAL ---------------------------------------------------------------------------
def sqlite_wal(commits: int = 40_000) -> None:
    """Two stores (as two processes) commit `commits` rows flat out; the WAL is sampled after each."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wal.db"
        stores = [SQLiteStore(path, f"sqlite:///{path}") for _ in range(2)]
        stores[0].open_session(SessionRow("s", "ops", "i", 1.0))
        wal = Path(f"{path}-wal")
        sizes: list[int] = []

        def write(store: SQLiteStore, first: int) -> None:
            for seq in range(first, first + commits // 2):
                store.append_action(row("s", seq), durable=True)
                sizes.append(wal.stat().st_size)

        start = time.perf_counter()
        threads = [threading.Thread(target=write, args=(s, 1 + i * commits // 2))
                   for i, s in enumerate(stores)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        for store in stores:
            store.close()
        print(f"  {commits} commits by 2 writers in {wall:.1f} s: WAL at most {max(sizes) / 1e6:.1f} MB, "
              f"{sizes[-1] / 1e6:.1f} MB after the last commit (before the bound: 908 MB)  {load()}")


# -- threads on one store -------------------------------------------------------------------------
def threads_case(store: Store, label: str, threads: int = 20, calls: int = 100) -> None:
    """`threads` threads, one store object, one scope whose limit is half the attempts."""
    limit = threads * calls // 2
    store.ensure_scope("threads", limit)
    start_line = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            session = f"{label}-t{index}"
            store.open_session(SessionRow(session, "agent", "i", 1.0))
            start_line.wait()
            for seq in range(1, calls + 1):
                r = row(session, seq)
                store.reserve_append("threads", r, r._replace(effect="deny"), durable=seq % 3 != 0)
        except BaseException as exc:
            errors.append(exc)

    began = time.perf_counter()
    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - began
    rows = [a for i in range(threads) for a in store.session(f"{label}-t{i}").actions]  # type: ignore[union-attr]
    used, _ = store.scope_used("threads")
    allowed = sum(a.effect == "allow" for a in rows)
    verdict = "ok" if not errors and used == allowed == limit and len(rows) == threads * calls else "FAILED"
    print(f"  {label:10s} {threads} threads x {calls}: {threads * calls / wall:7.0f} checks/s; units "
          f"{used}/{limit}, allowed rows {allowed}, rows {len(rows)}/{threads * calls}, "
          f"errors {len(errors)}: {verdict}  {load()}")


# -- processes ----------------------------------------------------------------------------------
def agent(url: str, scope: str, calls: int, name: str, variant: str) -> None:
    """One agent process (see the module docstring)."""
    store = open_store(url)
    if variant == "sync":
        assert isinstance(store, PostgresStore)
        synchronous(store)
    store.open_session(SessionRow(name, "agent", "i", time.time()))
    print("ready", flush=True)
    sys.stdin.readline()
    allowed = seq = 0
    while calls == 0 or seq < calls:
        seq += 1
        r = row(name, seq)
        try:
            allowed += store.reserve_append(scope, r, r._replace(effect="deny"), durable=True)
        except StoreError as exc:
            print(f"store error: {exc}", file=sys.stderr)
    print(allowed, flush=True)
    store.close()


def synchronous(store: PostgresStore) -> None:
    """The comparison: the one statement committed synchronously, no separate flush."""
    from pathguard.store.rows import action_args, variant_args

    def reserve_append(scope: str, allowed: ActionRow, denied: ActionRow, *, durable: bool) -> bool:
        yes = action_args(allowed)
        no = variant_args(denied, allowed, yes)
        args = (scope, *yes[:5], yes[5], no[5], yes[6], no[6], yes[7], no[7], *yes[8:])
        got = store._attempt(lambda: store._exec("reserve_append", args, "result", True), retry=True,
                             write=True)
        return bool(got.get_value(0, 0) == b"1")

    store.reserve_append = reserve_append  # type: ignore[method-assign]


def spawn(url: str, scope: str, calls: int, names: list[str],
          variant: str = "store") -> list[subprocess.Popen[str]]:
    procs = [subprocess.Popen([sys.executable, __file__, "agent", url, scope, str(calls), name, variant],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=ENV)
             for name in names]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return procs


def go(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()


def counts(url: str, scope: str, prefix: str) -> tuple[int, int, int]:
    """(units used, rows, allowed rows) of the sessions named `prefix...`."""
    with psycopg.connect(url) as db:
        used = db.execute("SELECT used FROM budgets WHERE scope = %s", (scope,)).fetchone()
        got = db.execute("SELECT count(*), count(*) FILTER (WHERE effect = 'allow') FROM actions "
                         "WHERE session_id LIKE %s", (prefix + "%",)).fetchone()
    assert used is not None and got is not None
    return int(used[0]), int(got[0]), int(got[1])


def processes(url: str, agents: int, calls: int, variant: str = "store") -> None:
    """`agents` processes share one scope whose limit is half their attempts."""
    scope, limit = f"p{agents}{variant}-{time.time_ns()}", agents * calls // 2
    setup = open_store(url)
    setup.ensure_scope(scope, limit)
    setup.close()
    procs = spawn(url, scope, calls, [f"{scope}-{i}" for i in range(agents)], variant)
    before = load()
    began = time.perf_counter()
    go(procs)
    told = sum(int(p.communicate(timeout=1200)[0].split()[0]) for p in procs)
    wall = time.perf_counter() - began
    used, rows, allowed = counts(url, scope, f"{scope}-")
    verdict = "ok" if used == allowed == told == limit and rows == agents * calls else "FAILED"
    how = "unit+row async, then flush" if variant == "store" else "unit+row in one synchronous commit"
    print(f"  {agents:3d} processes x {calls} ({how}): {agents * calls / wall:6.0f} checks/s; units "
          f"{used}/{limit}, allowed rows {allowed}, told allowed {told}, rows {rows}/{agents * calls}: "
          f"{verdict}  ({before} before, {load()} after)")


def kill9(url: str, kills: int = 40, at_once: int = 8) -> None:
    """Agents on one scope, each killed with SIGKILL at a random moment of its run."""
    scope = "kill9"
    setup = open_store(url)
    setup.ensure_scope(scope, 10**9)
    setup.close()
    rng = random.Random(7)
    live: list[tuple[subprocess.Popen[str], float]] = []
    started = killed = 0
    while killed < kills:
        procs = spawn(url, scope, 0, [f"k9-{started + i}" for i in range(at_once - len(live))])
        started += len(procs)
        go(procs)
        live += [(p, time.monotonic() + rng.uniform(0.05, 0.8)) for p in procs]
        for entry in [e for e in live if e[1] <= time.monotonic()]:
            stop(entry[0])
            live.remove(entry)
            killed += 1
        time.sleep(0.005)
    for p, _ in live:
        stop(p)
    used, rows, allowed = counts(url, scope, "k9-")
    print(f"  {killed} agents killed mid-run: {rows} rows, {used} units used, {allowed} allowed rows: "
          f"{'ok' if used == allowed else 'FAILED'}  {load()}")


def stop(p: subprocess.Popen[str]) -> None:
    p.kill()
    p.wait()
    for pipe in (p.stdin, p.stdout):
        if pipe is not None:
            pipe.close()


def restart(server: Any, down_for: float = 2.0) -> None:
    """A store checking in a loop while the server stops (fast) and starts again."""
    store = open_store(f"{server.url}?reconnect_wait=0.1&reconnect_max=1.0")
    store.ensure_scope("restart", 10**9)
    store.open_session(SessionRow("restart", "agent", "i", time.time()))
    log: list[tuple[float, float, bool]] = []
    done = threading.Event()

    def loop() -> None:
        seq = 0
        while not done.is_set():
            seq += 1
            r = row("restart", seq)
            began = time.monotonic()
            try:
                store.reserve_append("restart", r, r._replace(effect="deny"), durable=True)
                log.append((began, time.monotonic(), True))
            except StoreError:
                log.append((began, time.monotonic(), False))

    worker = threading.Thread(target=loop)
    worker.start()
    time.sleep(0.5)
    server.halt("fast")
    down = time.monotonic()
    time.sleep(down_for)
    launching = time.monotonic()
    server.launch()
    up = time.monotonic()
    time.sleep(2.0)
    done.set()
    worker.join()
    store.close()
    during = [c for c in log if c[0] >= down and c[1] <= launching]
    first = min(c[1] for c in log if c[2] and c[0] >= down)
    after = [c for c in log if c[0] > first]
    slowest = max(c[1] - c[0] for c in during) * 1e3
    print(f"  server down {launching - down:.1f} s: {len(during)} checks denied, {sum(c[2] for c in during)} "
          f"allowed (slowest denial {slowest:.0f} ms); first success {first - up:.2f} s after the server was "
          f"up; then {sum(c[2] for c in after)}/{len(after)} succeeded  {load()}")


def run(server: Any, url: str) -> None:
    """Every store case (bench_runtime.py calls this with a running server)."""
    section: Callable[[str], None] = lambda title: print(f"store: {title}", flush=True)  # noqa: E731
    section("commit latency on this machine")
    commit_latency(url)
    section("SQLite WAL under two writers")
    sqlite_wal()
    section("20 threads, one store object, one budget scope (half the attempts allowed)")
    with tempfile.TemporaryDirectory() as tmp:
        for label, store_url in (("memory", "memory"), ("sqlite", f"sqlite:///{tmp}/t.db"),
                                 ("postgresql", url)):
            store = open_store(store_url)
            threads_case(store, label)
            store.close()
    section("processes sharing one PostgreSQL budget scope (durable scoped checks, store API)")
    processes(url, 20, 200)
    processes(url, 20, 100, "sync")
    processes(url, 100, 40)
    section("kill -9 of agents mid-check (PostgreSQL)")
    kill9(url)
    section("PostgreSQL restart under a checking store")
    restart(server)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "agent":
    agent(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
