"""Fixtures of the store tests: the PostgreSQL server (session-scoped: started once, stopped at
the end) and one fresh store per back end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pg_server import PostgresMissing, PostgresServer

from pathguard.store.base import Store, open_store

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
TABLES = "sessions, actions, alerts, approvals, budgets"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        server = PostgresServer(fsync=False)  # the tests check atomicity, not crash durability
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    with server as url:
        yield url


def empty_postgres(url: str) -> None:
    """Every table of the trace store emptied (kept, with the store's identity)."""
    with psycopg.connect(url, autocommit=True) as db:
        exists = db.execute("SELECT to_regclass('sessions') IS NOT NULL").fetchone()
        if exists and exists[0]:
            db.execute(f"TRUNCATE {TABLES} RESTART IDENTITY")


def make_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    if backend == "memory":
        return open_store("memory")
    if backend == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'trace.db'}")
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return open_store(url)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    opened = make_store(request.param, tmp_path, request)
    yield opened
    opened.close()
