"""The PostgreSQL server fixture (session-scoped: started once, stopped at the end)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pg_server import PostgresMissing, PostgresServer


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        server = PostgresServer(fsync=False)  # the tests check atomicity, not crash durability
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    with server as url:
        yield url
