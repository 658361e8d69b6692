"""PostgreSQL under failure: the server stops, crashes, restarts; a reply is lost after its commit;
a backend is killed; the database is emptied. The store denies while it cannot be sure, recovers
by itself, and never counts a unit twice or loses a confirmed row."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from pg_proxy import ReplyCutter

from pathguard.store.base import ActionRow, AlertRow, ApprovalRow, SessionRow, open_store
from pathguard.store.errors import StoreBroken, StoreError, StoreUnavailable
from pathguard.store.postgres import PostgresStore
from pg_server import PostgresServer

pytestmark = pytest.mark.postgres
WAIT, BACKOFF = 0.1, 0.5


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    """A server of this module's own: these tests stop and restart it."""
    server = PostgresServer(fsync=False)
    with server:
        yield server


@pytest.fixture
def url(server: PostgresServer) -> str:
    with psycopg.connect(server.url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS sessions, actions, alerts, approvals, budgets, schema_version")
    return f"{server.url}?reconnect_wait={WAIT}&reconnect_max={BACKOFF}"


@dataclass
class Check:
    start: float
    end: float
    seq: int
    ok: bool
    error: str


class Agent:
    """A thread making durable scoped checks in a loop, recording each outcome."""

    def __init__(self, store: PostgresStore, session: str) -> None:
        self.store, self.session = store, session
        self.checks: list[Check] = []
        self._stop = threading.Event()
        store.open_session(SessionRow(session, "agent", "i", time.time()))
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        seq = 0
        while not self._stop.is_set():
            seq += 1
            row = ActionRow(self.session, seq, time.time(), "snapshot_volume", {"n": seq}, "allow", ("ok",), None)
            start = time.monotonic()
            try:
                self.store.reserve_append("team", row, row._replace(effect="deny"), durable=True)
            except StoreError as exc:
                self.checks.append(Check(start, time.monotonic(), seq, False, type(exc).__name__))
            else:
                self.checks.append(Check(start, time.monotonic(), seq, True, ""))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def stored(url: str) -> tuple[int, set[tuple[str, int]], int]:
    """(units used, (session, seq) of every row, allowed rows), read by a connection of its own."""
    with psycopg.connect(url.split("?", maxsplit=1)[0]) as db:
        used = db.execute("SELECT used FROM budgets WHERE scope = 'team'").fetchone()
        rows = db.execute("SELECT session_id, seq, effect FROM actions").fetchall()
    assert used is not None
    return used[0], {(r[0], r[1]) for r in rows}, sum(r[2] == "allow" for r in rows)


def wait_for_success(agent: Agent, after: float, count: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and sum(c.ok and c.start > after for c in agent.checks) < count:
        time.sleep(0.05)


def test_a_restart_denies_while_down_and_recovers_without_a_new_store(server: PostgresServer, url: str) -> None:
    store = open_store(url)
    assert isinstance(store, PostgresStore)
    store.ensure_scope("team", 10**9)
    agent = Agent(store, "restart")
    time.sleep(0.5)
    server.halt("fast")
    down = time.monotonic()
    time.sleep(1.5)
    launching = time.monotonic()
    server.launch()
    back = time.monotonic()
    wait_for_success(agent, back, 300)
    agent.stop()

    during = [c for c in agent.checks if c.start >= down and c.end <= launching]
    assert during and not any(c.ok for c in during)  # 0 checks succeed while the server is down
    assert {c.error for c in during} == {"StoreUnavailable"}
    assert max(c.end - c.start for c in during) < WAIT + 0.4  # each fails fast
    first = min(c.end for c in agent.checks if c.ok and c.start >= down)
    assert first - back < BACKOFF + 2.0  # recovery: the store reconnects by itself
    after = [c for c in agent.checks if c.start > first]
    assert len(after) >= 300 and all(c.ok for c in after)  # all checks succeed after
    used, rows, allowed = stored(url)
    assert {("restart", c.seq) for c in agent.checks if c.ok} <= rows  # every confirmed check has its row
    assert used == allowed  # units used == allowed rows
    store.open_session(SessionRow("after", "agent", "i", time.time()))  # sessions open again, same store
    store.close()


def test_a_crash_loses_no_confirmed_check(server: PostgresServer, url: str) -> None:
    """Immediate stop (a crash: unflushed WAL is gone). The unit and its row commit asynchronously
    together; a check returns only after the WAL is flushed past them."""
    store = open_store(url)
    store.ensure_scope("team", 10**9)
    agent = Agent(store, "crash")  # type: ignore[arg-type]
    time.sleep(0.5)
    server.halt("immediate")
    time.sleep(0.5)
    server.launch()
    relaunched = time.monotonic()
    wait_for_success(agent, relaunched, 100)
    agent.stop()
    used, rows, allowed = stored(url)
    confirmed = {("crash", c.seq) for c in agent.checks if c.ok}
    assert confirmed <= rows, f"{len(confirmed - rows)} confirmed checks lost their row"
    assert used == allowed
    store.close()


@pytest.mark.parametrize("statement", ["reserve_append", "flush", "append_action", "open_session",
                                       "open_approval", "transition", "add_alert", "close_session"])
def test_a_reply_lost_after_its_commit_is_not_applied_twice(server: PostgresServer, url: str,
                                                            statement: str) -> None:
    proxy = ReplyCutter("127.0.0.1", server.port)
    proxied = url.replace(f":{server.port}/", f":{proxy.port}/")
    store = open_store(proxied)
    store.ensure_scope("team", 5)
    row = ActionRow("s1", 1, 1.0, "snapshot_volume", {"v": 1}, "allow", ("ok",), None)
    request = ApprovalRow(0, "h", "s1", "ops", ("ops",), "delete_volume", {"v": 1}, "approval", ("r",),
                          "pending", 1.0, 9.0)
    # each statement once before arming, so the armed execution is a Bind of a prepared statement
    store.open_session(SessionRow("s0", "ops", "i", 1.0))
    store.append_action(row._replace(session_id="s0"), durable=True)
    warm_row = row._replace(session_id="s0", seq=2)
    store.reserve_append("team", warm_row, warm_row._replace(effect="deny"), durable=True)
    warm = store.open_approval(request._replace(call_hash="warm"))
    store.transition(warm, "pending", "denied", by="x", at=1.0)
    store.add_alert(AlertRow("s0", 1.0, "k", "warm"))
    store.close_session("s0", "completed", 2.0)

    proxy.arm(statement)
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    assert store.reserve_append("team", row, row._replace(effect="deny"), durable=True)
    store.append_action(row._replace(seq=2), durable=True)
    approval_id = store.open_approval(request)
    assert store.transition(approval_id, "pending", "granted", by="alice", at=2.0)
    store.add_alert(AlertRow("s1", 1.0, "review", "once"))
    store.close_session("s1", "completed", 3.0)
    assert proxy.cuts == 1  # the reply of `statement` was lost after the server ran it

    assert store.scope_used("team") == (2, 5)  # s0's unit and s1's: no second unit
    trace = store.session("s1")
    assert trace is not None
    assert [(a.seq, a.effect) for a in trace.actions] == [(1, "allow"), (2, "allow")]
    assert len(trace.alerts) == 1 and trace.session.final_state == "completed"
    assert [a.id for a in store.approvals("granted")] == [approval_id]
    assert len(store.approvals()) == 2
    store.close()
    proxy.close()


def test_a_killed_backend_is_replaced_transparently(server: PostgresServer, url: str) -> None:
    store = open_store(url)
    store.ensure_scope("team", 10)
    row = ActionRow("s1", 1, 1.0, "snapshot_volume", {}, "allow", (), None)
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    with psycopg.connect(server.url, autocommit=True) as admin:
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchone()
    assert killed is not None and killed[0] == 2
    assert store.reserve_append("team", row, row._replace(effect="deny"), durable=True)  # retried inside
    assert store.scope_used("team") == (1, 10)
    store.close()


def test_an_emptied_database_is_noticed_and_fails_closed(server: PostgresServer, url: str) -> None:
    store = open_store(url)
    store.ensure_scope("team", 10)
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute("DROP TABLE sessions, actions, alerts, approvals, budgets, schema_version")
    with pytest.raises(StoreBroken, match="tables are gone"):
        store.scope_used("team")
    with pytest.raises(StoreBroken):
        store.open_session(SessionRow("s1", "ops", "i", 1.0))
    store.close()

    again = open_store(url)  # a new store recreates the schema, and says it is new
    assert again.info().created_now
    again.ensure_scope("team", 10)
    with psycopg.connect(server.url, autocommit=True) as admin:  # emptied, then every backend killed
        admin.execute("DROP TABLE sessions, actions, alerts, approvals, budgets, schema_version")
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'")
    with pytest.raises(StoreBroken, match="not the one this store opened"):
        for _ in range(50):  # the reconnection notices (retries may first report the outage)
            try:
                again.scope_used("team")
            except StoreUnavailable:
                time.sleep(0.1)
    again.close()
