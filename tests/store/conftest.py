"""Fixtures of the store tests: the PostgreSQL server (session-scoped: started once, stopped at
the end) and one fresh store per back end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathguard.store.base import Store, open_store
from pg_server import empty_postgres

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


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
