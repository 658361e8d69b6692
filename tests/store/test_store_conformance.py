"""One conformance suite for every trace store back end: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathguard.store.base import (
    ActionRow,
    AlertRow,
    ApprovalRow,
    SessionRow,
    Store,
    StoreError,
    open_store,
)

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
TABLES = "sessions, actions, alerts, approvals, budgets"


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        opened = open_store("memory")
    elif request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path / 'trace.db'}")
    else:
        url = request.getfixturevalue("postgres_url")
        opened = open_store(url)
        opened._db.execute(f"TRUNCATE {TABLES} RESTART IDENTITY")  # type: ignore[attr-defined]
    yield opened
    opened.close()


def approval(call_hash: str = "h1", **changes: object) -> ApprovalRow:
    row = ApprovalRow(0, call_hash, "s1", "ops", ("ops", "lead"), "delete_volume", {"volume_id": "vol-7"},
                      "approval", ("rule 1: deletions need approval",), "pending", 100.0, 200.0)
    return row._replace(**changes)


def test_session_trace_round_trip(store: Store) -> None:
    store.open_session(SessionRow("s1", "ops", "clean up volumes", 10.0, policy="p"))
    store.open_session(SessionRow("s2", "ops", "child", 11.0, parent="s1", policy="p"))
    store.open_session(SessionRow("s3", "other", "x", 12.0, policy="p"))
    a1 = ActionRow("s1", 1, 10.5, "list_volumes", {"project": "p", "n": [1, 2]}, "allow", ("default: allow",),
                   12.5)
    a2 = ActionRow("s1", 2, 10.6, "delete_volume", {}, "approval", ("a", "b"), None, approval_id=3)
    store.append_action(a1, durable=False)
    store.append_action(a2, durable=True)
    store.update_action("s1", 1, "success", 41.0, 900)
    store.add_alert(AlertRow("s1", 10.7, "review", "closed"))
    store.close_session("s1", "blocked", 11.0)

    trace = store.session("s1")
    assert trace is not None
    assert trace.session == SessionRow("s1", "ops", "clean up volumes", 10.0, None, "blocked", 11.0, "p")
    assert trace.actions == (ActionRow("s1", 1, 10.5, "list_volumes", {"n": [1, 2], "project": "p"}, "allow",
                                       ("default: allow",), 12.5, "success", 41.0, 900), a2)
    assert trace.alerts == (AlertRow("s1", 10.7, "review", "closed"),)
    assert store.session("nope") is None
    assert [r.session_id for r in store.sessions()] == ["s3", "s2", "s1"]
    assert [r.session_id for r in store.sessions(agent="ops")] == ["s2", "s1"]
    assert [r.session_id for r in store.sessions(limit=1)] == ["s3"]
    assert store.session("s2").session.parent == "s1"  # type: ignore[union-attr]


def test_approvals_are_compare_and_set(store: Store) -> None:
    first = store.open_approval(approval("h1"))
    second = store.open_approval(approval("h2", endpoint="unmount_volume", kind="unlock"))
    third = store.open_approval(approval("h1", created=300.0, expires=400.0))
    assert first < second < third
    assert store.latest_approval("h1").id == third  # type: ignore[union-attr]
    assert store.latest_approval("missing") is None
    row = store.approval(second)
    assert row == approval("h2", id=second, endpoint="unmount_volume", kind="unlock")
    assert store.approval(999) is None

    assert store.transition(first, "pending", "granted", by="lead", at=150.0)
    assert not store.transition(first, "pending", "denied", by="x", at=151.0)
    assert store.transition(first, "granted", "used")
    assert not store.transition(first, "granted", "used")
    used = store.approval(first)
    assert (used.status, used.decided_by, used.decided_at) == ("used", "lead", 150.0)  # type: ignore[union-attr]
    assert [r.id for r in store.approvals("pending")] == [second, third]
    assert [r.id for r in store.approvals()] == [first, second, third]


def test_budget_scopes_never_overspend(store: Store) -> None:
    store.ensure_scope("team", 3)
    assert [store.reserve("team") for _ in range(5)] == [True, True, True, False, False]
    store.ensure_scope("team", 10)  # an existing scope keeps its limit and its use
    assert store.scope_used("team") == (3, 3)
    with pytest.raises(StoreError):
        store.reserve("nobody")
    with pytest.raises(StoreError):
        store.scope_used("nobody")


@pytest.mark.parametrize("durable", [False, True])
def test_reserve_append_takes_a_unit_and_keeps_the_matching_row(store: Store, durable: bool) -> None:
    store.ensure_scope("team", 2)
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    allowed = ActionRow("s1", 0, 2.5, "get_volume", {"volume_id": "v"}, "allow", ("default: allow",), 7.25,
                        approval_id=4)
    denied = allowed._replace(effect="deny", reasons=("scope: used up",), deviation=3.5)
    taken = [store.reserve_append("team", allowed._replace(seq=i), denied._replace(seq=i), durable=durable)
             for i in range(1, 5)]
    assert taken == [True, True, False, False]
    assert store.scope_used("team") == (2, 2)
    rows = store.session("s1").actions  # type: ignore[union-attr]
    assert rows == (allowed._replace(seq=1), allowed._replace(seq=2), denied._replace(seq=3),
                    denied._replace(seq=4))
    with pytest.raises(StoreError, match="unknown budget scope"):
        store.reserve_append("nobody", allowed._replace(seq=9), denied._replace(seq=9), durable=durable)
    assert len(store.session("s1").actions) == 4  # type: ignore[union-attr]


def test_a_unit_commits_its_writes_together(store: Store) -> None:
    store.ensure_scope("team", 1)
    row = ActionRow("s1", 1, 2.0, "delete_volume", {}, "approval", ("a",), None)
    with store.unit():
        store.open_session(SessionRow("s1", "ops", "i", 1.0))
        approval_id = store.open_approval(approval("hu"), durable=False)
        store.append_action(row._replace(approval_id=approval_id), durable=True)
        assert store.reserve_append("team", row._replace(seq=2, effect="allow"), row._replace(seq=2, effect="deny"),
                                    durable=True)
    assert [a.seq for a in store.session("s1").actions] == [1, 2]  # type: ignore[union-attr]
    assert store.latest_approval("hu").id == approval_id  # type: ignore[union-attr]


def test_a_failed_sqlite_unit_leaves_nothing_and_the_store_usable(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    row = ActionRow("s1", 1, 2.0, "delete_volume", {}, "approval", ("a",), None)
    with pytest.raises(RuntimeError), store.unit():
        store.open_approval(approval("hf"), durable=False)
        store.append_action(row, durable=True)
        raise RuntimeError("the check failed")
    assert store.latest_approval("hf") is None
    assert store.session("s1").actions == ()  # type: ignore[union-attr]
    store.append_action(row, durable=True)
    with sqlite3.connect(tmp_path / "u.db") as other:  # committed: another connection sees it
        assert other.execute("SELECT count(*) FROM actions").fetchone() == (1,)
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_corrupt_rows_raise_store_error(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    store = open_store(url)
    if backend == "postgres":
        store._db.execute(f"TRUNCATE {TABLES} RESTART IDENTITY")  # type: ignore[attr-defined]
    store.open_session(SessionRow("c1", "ops", "i", 1.0))
    store.append_action(ActionRow("c1", 1, 1.0, "e", {}, "allow", (), None), durable=True)
    approval_id = store.open_approval(approval("hc"))
    store._db.execute("UPDATE actions SET params = 'not json'")  # type: ignore[attr-defined]
    store._db.execute("UPDATE approvals SET status = 'bogus'")  # type: ignore[attr-defined]
    with pytest.raises(StoreError, match="corrupt"):
        store.session("c1")
    with pytest.raises(StoreError, match="corrupt"):
        store.approval(approval_id)
    store.close()


def test_a_store_that_is_down_raises_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path / 'missing-dir' / 't.db'}")
    with pytest.raises(StoreError):
        open_store("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2")
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    store.close()
    with pytest.raises(StoreError, match="failed"):
        store.sessions()


def test_store_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert open_store("memory").url == "memory"
    open_store("sqlite:///relative.db").close()
    assert (tmp_path / "relative.db").is_file()
    absolute = tmp_path / "sub" / "abs.db"
    absolute.parent.mkdir()
    open_store(f"sqlite:///{absolute}").close()
    assert absolute.is_file()
    open_store("plain.db").close()
    assert (tmp_path / "plain.db").is_file()
    with pytest.raises(StoreError, match="no trace store"):
        open_store("sqlite:///absent.db", create=False)
    for bad in ("mysql://x", "sqlite:", "sqlite:///"):
        with pytest.raises(StoreError):
            open_store(bad)


def test_sqlite_uses_wal_and_chosen_sync(tmp_path: Path) -> None:
    full = open_store(f"sqlite:///{tmp_path / 'w.db'}?synchronous=full")
    assert full._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # type: ignore[attr-defined]
    full.close()
    normal = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    assert normal._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # type: ignore[attr-defined]
    normal.close()
    with pytest.raises(StoreError, match="synchronous"):
        open_store(f"sqlite:///{tmp_path / 'w.db'}?synchronous=off")
    with sqlite3.connect(tmp_path / "w.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"actions_endpoint_ts", "sessions_agent_started", "approvals_hash"} <= indexes
