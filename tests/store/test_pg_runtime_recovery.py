"""The issue's scenario at the runtime's level: a Guard on PostgreSQL keeps working after the server
restarts (898 of 898 checks were denied after a restart before), without a new Guard."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathguard.runtime import Guard
from pg_server import PostgresServer

ENDPOINTS = Path(__file__).resolve().parent.parent / "runtime" / "data" / "endpoints.yaml"


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    server = PostgresServer(fsync=False)
    with server:
        yield server


@pytest.mark.postgres
def test_a_guard_recovers_from_a_server_restart(server: PostgresServer) -> None:
    guard = Guard.load(ENDPOINTS, None, store=f"{server.url}?reconnect_wait=0.1&reconnect_max=0.5",
                       scope="team", scope_limit=10_000)
    session = guard.session(agent="ops", intent="snapshot volumes")
    assert session.check("snapshot_volume", {"volume_id": "v1"}).allowed
    server.halt("fast")
    down = [session.check("snapshot_volume", {"volume_id": f"d{i}"}).allowed for i in range(5)]
    server.launch()
    deadline = time.monotonic() + 10
    while not session.check("list_volumes").allowed and time.monotonic() < deadline:
        time.sleep(0.05)
    after = [session.check("snapshot_volume", {"volume_id": f"a{i}"}).allowed for i in range(50)]
    assert down == [False] * 5  # denied while the server is down
    assert all(after)  # the same Guard and session work again
    fresh = guard.session(agent="ops", intent="after the restart")
    assert fresh.check("snapshot_volume", {"volume_id": "v2"}).allowed
    fresh.close()
    guard.close()
