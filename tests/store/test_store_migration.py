"""A database written by pathguard 0.1 (schema version 1, vendored in data/) opens, migrated in
place with every row kept; a newer schema is refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pathguard.store.base import ActionRow, SessionRow, StoreError, open_store
from pathguard.store.errors import StoreBroken

V1 = (Path(__file__).parent / "data" / "schema_v1.sql").read_text(encoding="utf-8")
# pathguard 0.1 rows: a tree r > c > g, an orphan o (its parent row is gone) with a child oc, a loner
SESSIONS = [("r", "lead", None, 1.0), ("c", "child", "r", 2.0), ("g", "grandchild", "c", 3.0),
            ("o", "orphan", "gone", 4.0), ("oc", "orphan-kid", "o", 5.0), ("x", "loner", None, 6.0)]
ROOTS = {"r": None, "c": "r", "g": "r", "o": "gone", "oc": "gone", "x": None}


def v1_statements(real: str, serial: str) -> list[str]:
    body = "\n".join(line for line in V1.splitlines() if not line.startswith("--"))
    return [s.strip() for s in body.replace("{real}", real).replace("{serial}", serial).split(";") if s.strip()]


def fill_v1(execute: Callable[[str, tuple[Any, ...]], object], mark: str) -> None:
    for sid, agent, parent, started in SESSIONS:
        execute(f"INSERT INTO sessions VALUES ({', '.join([mark] * 8)})",
                (sid, agent, "old intent", parent, "p", started, None, "completed"))
    execute(f"INSERT INTO actions (session_id, seq, ts, endpoint, params, effect, reasons) VALUES "
            f"({', '.join([mark] * 7)})", ("g", 1, 3.5, "delete_volume", '{"volume_id": "v"}', "approval",
                                           '["rule 1"]'))
    execute("INSERT INTO approvals (call_hash, session_id, agent, barred, endpoint, params, kind, reasons, status, "
            f"created, expires) VALUES ({', '.join([mark] * 11)})",
            ("h", "g", "grandchild", '["grandchild", "child", "lead"]', "delete_volume", '{"volume_id": "v"}',
             "approval", '["rule 1"]', "pending", 3.5, 99.0))
    execute(f"INSERT INTO budgets VALUES ({mark}, {mark}, {mark})", ("team", 4, 10))


@contextmanager
def v1_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL of a freshly written version-1 database."""
    if backend == "sqlite":
        path = tmp_path / "old.db"
        with sqlite3.connect(path) as db:
            for statement in v1_statements("REAL", "INTEGER"):
                db.execute(statement)
            fill_v1(db.execute, "?")
        db.close()
        yield f"sqlite:///{path}"
        return
    base = request.getfixturevalue("postgres_url")
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS migration_v1")
        admin.execute("CREATE DATABASE migration_v1")
    url = base.rsplit("/", 1)[0] + "/migration_v1"
    with psycopg.connect(url, autocommit=True) as db:
        for statement in v1_statements("DOUBLE PRECISION", "BIGSERIAL"):
            db.execute(statement)
        fill_v1(db.execute, "%s")
    yield url


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_version_1_database_is_migrated_in_place(backend: str, tmp_path: Path,
                                                   request: pytest.FixtureRequest) -> None:
    with v1_database(backend, tmp_path, request) as url:
        store = open_store(url)
        info = store.info()
        assert (info.version, info.created_now, info.created) == (2, False, 1.0)  # created: first session
        assert {s.session_id: s.root for s in store.sessions()} == ROOTS
        assert store.tree_agents("r") == ["child", "grandchild", "lead"]
        assert store.tree_agents("gone") == ["orphan", "orphan-kid"]
        old = store.session("g")
        assert old is not None and old.actions[0].params == {"volume_id": "v"}
        request_row = store.approval(1)
        assert request_row is not None and (request_row.root, request_row.signature) == ("r", None)
        assert store.scope_used("team") == (4, 10)
        assert store.transition(1, "pending", "granted", by="alice", at=4.0, signature="c2ln", key="fp")
        store.open_session(SessionRow("new", "fresh", "i", 9.0, parent="g", root="r"))
        store.append_action(ActionRow("new", 1, 9.5, "get_volume", {}, "allow", (), None), durable=True)
        store.close()

        again = open_store(url)  # a second open finds version 2 and changes nothing
        assert again.info() == info
        assert again.tree_agents("r") == ["child", "fresh", "grandchild", "lead"]
        assert again.approval(1).decided_key == "fp"  # type: ignore[union-attr]
        again.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_newer_schema_is_refused(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    with v1_database(backend, tmp_path, request) as url:
        open_store(url).close()
        if backend == "sqlite":
            with sqlite3.connect(tmp_path / "old.db") as db:
                db.execute("UPDATE schema_version SET version = 99")
            db.close()
        else:
            with psycopg.connect(url, autocommit=True) as pg:
                pg.execute("UPDATE schema_version SET version = 99")
        with pytest.raises(StoreBroken, match="newer pathguard \\(schema version 99; this one knows up to 2\\)"):
            open_store(url)


def test_a_store_keeps_its_identity_across_opens(tmp_path: Path) -> None:
    first = open_store(f"sqlite:///{tmp_path / 'id.db'}")
    info = first.info()
    assert info.created_now
    first.close()
    second = open_store(f"sqlite:///{tmp_path / 'id.db'}")
    assert second.info() == type(info)(info.store_id, info.created, 2, created_now=False)
    second.close()
    with pytest.raises(StoreError):
        open_store(f"sqlite:///{tmp_path / 'absent.db'}", create=False)
