"""The SQLite store under failure and attack: its WAL stays bounded, and a database file deleted,
replaced, overwritten or corrupt makes it fail closed, with a message that says what to do."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pathguard.store.base import ActionRow, SessionRow, Store, open_store
from pathguard.store.errors import StoreBroken
from pathguard.store.sqlite import SQLiteStore

HERE = Path(__file__).resolve().parent
ROW = ActionRow("s1", 1, 1.0, "snapshot_volume", {"volume_id": "v" * 40}, "allow", ("default: allow",), None)


def filled(path: Path, rows: int = 200, **options: float) -> SQLiteStore:
    store = SQLiteStore(path, f"sqlite:///{path}", **options)  # type: ignore[arg-type]
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    for seq in range(1, rows + 1):
        store.append_action(ROW._replace(seq=seq), durable=True)
    return store


def assert_unusable(store: Store, what: str) -> None:
    """Every kind of call fails closed with the same message, again and again."""
    with pytest.raises(StoreBroken, match=what) as first:
        store.append_action(ROW._replace(seq=10_000), durable=True)
    for call in (store.sessions, lambda: store.session("s1"), lambda: store.scope_used("x"),
                 lambda: store.open_session(SessionRow("s2", "ops", "i", 2.0))):
        with pytest.raises(StoreBroken) as again:
            call()
        assert str(again.value) == str(first.value)
    assert "fails closed" in str(first.value) and "Restore" in str(first.value)


def test_the_wal_stays_bounded_under_many_writers(tmp_path: Path) -> None:
    """Two stores (two connections and checkpointers, as two processes have) commit 6,000 rows as fast
    as they can; the WAL is sampled after every commit. Before the bound, these writes grew it to 135 MB."""
    path = tmp_path / "wal.db"
    soft, hard = 256 << 10, 1 << 20
    stores = [SQLiteStore(path, f"sqlite:///{path}", wal_soft=soft, wal_hard=hard) for _ in range(2)]
    stores[0].open_session(SessionRow("s1", "ops", "i", 1.0))
    sizes: list[int] = []
    wal = Path(f"{path}-wal")

    def write(store: SQLiteStore, first: int) -> None:
        for seq in range(first, first + 3000):
            store.append_action(ROW._replace(seq=seq), durable=True)
            sizes.append(wal.stat().st_size)

    threads = [threading.Thread(target=write, args=(s, 1 + 3000 * i)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stores[0].session("s1").actions) == 6000  # type: ignore[union-attr]
    assert max(sizes) <= hard + soft, f"WAL reached {max(sizes)} bytes"
    for store in stores:
        store.close()


def test_a_deleted_database_fails_closed(tmp_path: Path) -> None:
    store = filled(tmp_path / "t.db")
    os.remove(tmp_path / "t.db")
    assert_unusable(store, "was deleted while in use")
    store.close()


def test_a_database_deleted_with_its_wal_fails_closed(tmp_path: Path) -> None:
    store = filled(tmp_path / "t.db")
    for suffix in ("", "-wal", "-shm"):
        os.remove(f"{tmp_path / 't.db'}{suffix}")
    assert_unusable(store, "was deleted while in use")
    store.close()


def test_a_replaced_database_fails_closed(tmp_path: Path) -> None:
    store = filled(tmp_path / "t.db")
    other = filled(tmp_path / "other.db", rows=1)
    other.close()
    os.replace(tmp_path / "other.db", tmp_path / "t.db")
    assert_unusable(store, "was replaced by another file")
    store.close()


def test_an_overwritten_header_fails_closed(tmp_path: Path) -> None:
    store = filled(tmp_path / "t.db")
    with open(tmp_path / "t.db", "r+b") as f:
        f.write(b"\x00" * 100)
    assert_unusable(store, "is corrupt: the file no longer starts with the SQLite header")
    store.close()


def test_pages_rotting_under_the_cache_are_found_by_the_checkpointer(tmp_path: Path) -> None:
    """The store's connection serves these pages from its cache and would go on writing (the issue's
    855 more checks); the checkpointer reads them from disk again and stops it."""
    store = filled(tmp_path / "t.db", rows=2000, quick_check_seconds=0.2)
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = (tmp_path / "t.db").stat().st_size
    with open(tmp_path / "t.db", "r+b") as f:
        f.seek(2 * 4096)
        f.write(os.urandom(size - 2 * 4096))
    deadline = time.monotonic() + 10
    seq = 5000
    while time.monotonic() < deadline:
        seq += 1
        try:
            store.append_action(ROW._replace(seq=seq), durable=True)
        except StoreBroken:
            break
        time.sleep(0.01)
    assert_unusable(store, "corrupt")
    store.close()


def test_a_corrupt_file_is_refused_at_open(tmp_path: Path) -> None:
    filled(tmp_path / "t.db", rows=2000).close()
    size = (tmp_path / "t.db").stat().st_size
    with open(tmp_path / "t.db", "r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(4096 * 3))
    with pytest.raises(StoreBroken, match="corrupt") as refused:
        open_store(f"sqlite:///{tmp_path / 't.db'}")
    assert ".recover" in str(refused.value)
    (tmp_path / "junk.db").write_bytes(os.urandom(8192))
    with pytest.raises(StoreBroken, match="not a database"):
        open_store(f"sqlite:///{tmp_path / 'junk.db'}")


def test_a_database_deleted_in_use_is_not_silently_recreated(tmp_path: Path) -> None:
    """Another process still has it open (its -wal and -shm remain): a new store must refuse, not
    start a fresh budget."""
    holder = filled(tmp_path / "t.db")
    os.remove(tmp_path / "t.db")
    with pytest.raises(StoreBroken, match=r"missing but .*-wal.* remain: the database was deleted"):
        open_store(f"sqlite:///{tmp_path / 't.db'}")
    holder.close()


def test_a_new_database_says_it_is_new(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="pathguard.store"):
        store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    info = store.info()
    assert info.created_now
    assert f"created a new, empty trace store at `{tmp_path / 't.db'}` (store id {info.store_id})" in caplog.text
    store.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pathguard.store"):
        again = open_store(f"sqlite:///{tmp_path / 't.db'}")
    assert not again.info().created_now and caplog.text == ""
    again.close()
    with sqlite3.connect(tmp_path / "t.db") as db:
        alerts = db.execute("SELECT session_id, kind, text FROM alerts").fetchall()
    db.close()
    assert [(s, k) for s, k, _ in alerts] == [("", "store")]
    assert info.store_id in alerts[0][2]


def test_processes_sharing_a_file_never_overspend(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    store = open_store(url)
    store.ensure_scope("team", 100)
    store.close()
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent / "src")}
    procs = [subprocess.Popen([sys.executable, str(HERE / "store_agent.py"), url, "team", "40", f"a{i}"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for i in range(6)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(int(r[0]) for r in results) == 100 and sum(int(r[1]) for r in results) == 240
    store = open_store(url)
    assert store.scope_used("team") == (100, 100)
    rows = [a for i in range(6) for a in store.session(f"a{i}").actions]  # type: ignore[union-attr]
    assert len(rows) == 240 and sum(a.effect == "allow" for a in rows) == 100
    store.close()
