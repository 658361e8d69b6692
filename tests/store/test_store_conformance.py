"""One conformance suite for every trace store back end: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
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
from pathguard.store.errors import StoreConflict
from pg_server import empty_postgres


def approval(call_hash: str = "h1", **changes: object) -> ApprovalRow:
    row = ApprovalRow(0, call_hash, "s1", "ops", ("ops", "lead"), "delete_volume", {"volume_id": "vol-7"},
                      "approval", ("rule 1: deletions need approval",), "pending", 100.0, 200.0)
    return row._replace(**changes)


def test_session_trace_round_trip(store: Store) -> None:
    store.open_session(SessionRow("s1", "ops", "clean up volumes", 10.0, policy="p"))
    store.open_session(SessionRow("s2", "ops", "child", 11.0, parent="s1", policy="p", root="s1"))
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
    child = store.session("s2")
    assert child is not None and (child.session.parent, child.session.root) == ("s1", "s1")


def test_session_trees_name_every_agent_of_the_tree(store: Store) -> None:
    store.open_session(SessionRow("r", "lead-agent", "i", 1.0))
    store.open_session(SessionRow("c1", "child-a", "i", 2.0, parent="r", root="r"))
    store.open_session(SessionRow("c2", "child-b", "i", 3.0, parent="r", root="r"))
    store.open_session(SessionRow("g1", "child-a", "i", 4.0, parent="c1", root="r"))
    store.open_session(SessionRow("other", "stranger", "i", 5.0))
    store.open_session(SessionRow("explicit", "self-rooted", "i", 6.0, root="explicit"))
    assert store.tree_agents("r") == ["child-a", "child-b", "lead-agent"]
    assert store.tree_agents("other") == ["stranger"]
    assert store.tree_agents("c1") == []  # c1 is not a root: its subtree belongs to r's tree
    assert store.tree_agents("missing") == []
    root = store.session("explicit")
    assert root is not None and root.session.root is None  # a root reads back as its own root: None


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


def test_approvals_keep_tree_root_signature_and_key(store: Store) -> None:
    positional = ApprovalRow(0, "hp", "c1", "child", ("child", "lead"), "delete_volume", {"v": 1}, "approval",
                             ("r",), "pending", 1.0, 2.0, None, None)  # the pre-v2 positional form still builds
    assert (positional.root, positional.signature, positional.decided_key) == ("", None, None)
    approval_id = store.open_approval(positional._replace(root="r"))
    stored = store.approval(approval_id)
    assert stored is not None and (stored.root, stored.signature, stored.decided_key) == ("r", None, None)
    assert store.transition(approval_id, "pending", "granted", by="alice", at=1.5,
                            signature="c2lnbmF0dXJl", key="SHA256:abc")
    granted = store.approval(approval_id)
    assert granted == stored._replace(status="granted", decided_by="alice", decided_at=1.5,
                                      signature="c2lnbmF0dXJl", decided_key="SHA256:abc")
    assert store.transition(approval_id, "granted", "used")  # later steps keep who signed
    assert store.approval(approval_id) == granted._replace(status="used")


def test_budget_scopes_never_overspend(store: Store) -> None:
    store.ensure_scope("team", 3)
    assert [store.reserve("team") for _ in range(5)] == [True, True, True, False, False]
    store.ensure_scope("team", 10)  # an existing scope keeps its limit and its use
    assert store.scope_used("team") == (3, 3)
    with pytest.raises(StoreError, match="unknown budget scope"):
        store.reserve("nobody")
    with pytest.raises(StoreError, match="unknown budget scope"):
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


def test_every_write_is_idempotent_and_a_different_row_is_a_conflict(store: Store) -> None:
    """A retry after a lost reply repeats a write: it must change nothing; a different row under
    the same key is another writer and must be refused without writing."""
    session = SessionRow("s1", "ops", "i", 1.0)
    store.open_session(session)
    store.open_session(session)
    with pytest.raises(StoreConflict, match="s1"):
        store.open_session(session.__class__("s1", "intruder", "i", 1.0))
    row = ActionRow("s1", 1, 2.0, "get_volume", {"volume_id": "v", "n": 1.5}, "allow", ("ok",), None)
    store.append_action(row, durable=True)
    store.append_action(row._replace(params={"n": 1.5, "volume_id": "v"}), durable=True)  # same JSON
    for other in (row._replace(effect="deny"), row._replace(params={"volume_id": "w", "n": 1.5}),
                  row._replace(params={"volume_id": "v", "n": 1})):
        with pytest.raises(StoreConflict, match="action 1 of session `s1`"):
            store.append_action(other, durable=True)
    alert = AlertRow("s1", 3.0, "review", "closed")
    store.add_alert(alert)
    store.add_alert(alert)
    first = store.open_approval(approval("hx"))
    assert store.open_approval(approval("hx")) == first
    store.ensure_scope("team", 1)
    scoped = row._replace(seq=2)
    assert store.reserve_append("team", scoped, scoped._replace(effect="deny"), durable=True)
    assert store.reserve_append("team", scoped, scoped._replace(effect="deny"), durable=True)  # no 2nd unit
    assert store.scope_used("team") == (1, 1)
    denied = row._replace(seq=3, effect="deny")
    assert not store.reserve_append("team", row._replace(seq=3), denied, durable=True)
    assert not store.reserve_append("team", row._replace(seq=3), denied, durable=True)
    with pytest.raises(StoreConflict):
        store.reserve_append("team", row._replace(seq=3, endpoint="x"), denied._replace(endpoint="x"),
                             durable=True)
    trace = store.session("s1")
    assert trace is not None
    assert [(a.seq, a.effect) for a in trace.actions] == [(1, "allow"), (2, "allow"), (3, "deny")]
    assert trace.session == session and trace.alerts == (alert,)
    assert [a.id for a in store.approvals()] == [first]
    assert store.scope_used("team") == (1, 1)


def test_a_decided_request_is_asked_again_as_a_new_one(store: Store) -> None:
    first = store.open_approval(approval("hd"))
    assert store.transition(first, "pending", "expired", at=200.0)
    again = store.open_approval(approval("hd"))  # same hash and time, but the first is no longer pending
    assert again != first
    assert store.latest_approval("hd").id == again  # type: ignore[union-attr]


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


def test_store_info_names_the_database(store: Store) -> None:
    info = store.info()
    assert len(info.store_id) == 32 and info.version == 2


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
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 't.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        empty_postgres(url)
    store = open_store(url)
    store.open_session(SessionRow("c1", "ops", "i", 1.0))
    store.append_action(ActionRow("c1", 1, 1.0, "e", {}, "allow", (), None), durable=True)
    approval_id = store.open_approval(approval("hc"))
    raw = sqlite3.connect(tmp_path / "t.db") if backend == "sqlite" else psycopg.connect(url, autocommit=True)
    with raw:
        raw.execute("UPDATE actions SET params = 'not json'")
        raw.execute("UPDATE approvals SET status = 'bogus'")
    raw.close()
    with pytest.raises(StoreError, match="corrupt action 1 of session `c1`"):
        store.session("c1")
    with pytest.raises(StoreError, match="corrupt approval row"):
        store.approval(approval_id)
    store.close()


def test_a_store_that_is_down_raises_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open"):
        open_store(f"sqlite:///{tmp_path / 'missing-dir' / 't.db'}")
    with pytest.raises(StoreError, match="cannot open the trace store `postgresql://postgres:\\*\\*\\*@"):
        open_store("postgresql://postgres:secret@127.0.0.1:1/postgres?connect_timeout=2")
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    store.close()
    with pytest.raises(StoreError, match="was closed: open it again"):
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
    with pytest.raises(StoreError, match="reconnect_wait must be a number"):
        open_store("postgresql://u:pw@127.0.0.1:1/db?reconnect_wait=soon")


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
    assert {"actions_endpoint_ts", "sessions_agent_started", "approvals_hash", "sessions_root"} <= indexes
