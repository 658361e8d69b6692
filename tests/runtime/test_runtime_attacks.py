"""Attacks on the runtime measured on the old main (issue 9), each tried again here.

Threads sharing one session, parameters that have no JSON spelling, results
recorded for calls that never ran, a shared mutable default: each must fail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pathguard.errors import PathguardError
from pathguard.runtime import Guard
from pathguard.runtime.clock import ManualClock
from pathguard.runtime.decision import Checked
from pathguard.semantics.effect import Effect
from pathguard.store.base import StoreError
from pathguard.store.memory import MemoryStore
from pg_server import empty_postgres

STORES = ("memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres))


@pytest.fixture(params=STORES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        empty_postgres(url)
        return url
    return "memory" if request.param == "memory" else f"sqlite:///{tmp_path / 'trace.db'}"


def test_twenty_threads_on_one_session_never_overspend_a_window(
        make_guard: Callable[..., Guard], write_policy: Callable[[str], Path], clock: ManualClock,
        store_url: str, fast_switching: None) -> None:
    """Measured: 27 of 50 windows over `max_writes: 5` on SQLite (up to 7), 25 of 50 on PostgreSQL (up to
    9, and duplicate `(session_id, seq)` errors), 48/20 actions in memory."""
    guard = make_guard(policy=write_policy(
        "policy: p\nbudget: {window_minutes: 1, max_writes: 5, max_actions: 1000}\n"), store=store_url)
    session = guard.session(agent="ops", intent="snapshot volumes")
    windows, threads_n = 10, 20
    for _ in range(windows):
        barrier = threading.Barrier(threads_n)
        ran: list[Checked] = []

        def work(barrier: threading.Barrier = barrier, ran: list[Checked] = ran) -> None:
            barrier.wait()
            for i in range(3):
                decision = session.check("snapshot_volume", {"i": i})
                if decision.allowed:
                    ran.append(decision)

        threads = [threading.Thread(target=work) for _ in range(threads_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(ran) == 5
        clock.advance(61)  # the next window
    trace = guard.store.session(session.session_id)
    assert trace is not None
    assert len(trace.actions) == windows * threads_n * 3  # every decision has its row, no seq twice
    assert [a.seq for a in trace.actions] == list(range(1, windows * threads_n * 3 + 1))
    assert sum(a.effect == "allow" for a in trace.actions) == windows * 5


class Opaque:
    def __repr__(self) -> str:
        return "Opaque()"


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


BAD_PARAMETERS: list[Any] = [
    {"data": b"\x00\x01"}, {"tags": {"a", "b"}}, {"obj": Opaque()}, {"t": (1, 2)},
    {"x": float("nan")}, {"x": float("inf")}, {1: "v"}, {"deep": nested(40)},
    {"big": 1 << 70}, ["not", "a", "dict"], "text",
]


@pytest.mark.parametrize("params", BAD_PARAMETERS, ids=lambda p: type(p).__name__ + ":" + repr(p)[:24])
def test_parameters_that_are_not_json_are_refused_before_anything_counts(
        make_guard: Callable[..., Guard], write_policy: Callable[[str], Path], store_url: str,
        params: Any) -> None:
    """Measured: SQLite denied bytes/set/object parameters but counted them; memory allowed them."""
    guard = make_guard(policy=write_policy("policy: p\nbudget: {max_actions: 1}\n"), store=store_url)
    session = guard.session(agent="ops", intent="snapshot volumes")
    refused = session.check("snapshot_volume", params)
    assert refused.effect is Effect.DENY and refused.texts[0].startswith("parameters: ")
    assert session.state.actions == 0 and not session.state.closed
    assert session.check("snapshot_volume", {"ok": [1, "two", None, True, 2.5]}).allowed
    trace = guard.store.session(session.session_id)
    assert trace is not None and [a.effect for a in trace.actions] == ["deny", "allow"]


def test_a_grant_for_string_keys_never_serves_integer_keys(make_guard: Callable[..., Guard],
                                                           write_policy: Callable[[str], Path]) -> None:
    guard = make_guard(policy=write_policy(
        "policy: p\nrules:\n  - {match: {endpoint: snapshot_volume}, decision: approval}\n"))
    session = guard.session(agent="ops", intent="snapshot volumes")
    assert session.check("snapshot_volume", {"1": "v"}).effect is Effect.APPROVAL
    assert session.check("snapshot_volume", {1: "v"}).texts[0].startswith("parameters: ")


def test_record_accepts_only_this_sessions_allowed_calls(make_guard: Callable[..., Guard]) -> None:
    """Measured: record() took a denied decision as `success`, and a forged `Checked(seq=999)`."""
    guard = make_guard()
    session, other = guard.session(agent="ops", intent="x"), guard.session(agent="ops", intent="y")
    allowed = session.check("list_volumes", {})
    denied = session.check("unmount_volume", {"volume_id": "v"})  # forbidden after list_volumes
    assert allowed.allowed and denied.effect is Effect.DENY
    forged = allowed._replace(seq=999)
    copy = allowed._replace()
    for bad in (denied, forged, copy):
        with pytest.raises(PathguardError, match="not an allowed call"):
            session.record(bad, "success")
    with pytest.raises(PathguardError, match="not an allowed call"):
        other.record(allowed, "success")
    session.record(allowed, "success", 3.0)
    with pytest.raises(PathguardError, match="not an allowed call"):
        session.record(allowed, "success")  # once
    trace = guard.store.session(session.session_id)
    assert trace is not None and [a.result for a in trace.actions] == ["success", None]


def test_returned_parameters_are_private_copies(make_guard: Callable[..., Guard]) -> None:
    """Measured: one module-level `{}` was the params of every check without params; mutating one
    returned `Checked.params` changed another session's check, its stored row and its hash."""
    guard = make_guard(policy=None)
    one, two = guard.session(agent="a", intent="x"), guard.session(agent="b", intent="x")
    first = one.check("list_volumes")
    first.params["injected"] = True
    second = two.check("list_volumes")
    assert second.params == {}
    given = {"volume_id": "v1", "tags": ["a"]}
    third = two.check("get_volume", given)
    given["tags"].append("b")
    third.params["volume_id"] = "v2"
    stored = guard.store.session(two.session_id)
    assert stored is not None and stored.actions[-1].params == {"volume_id": "v1", "tags": ["a"]}
    assert guard.store.session(one.session_id).actions[0].params == {}  # type: ignore[union-attr]


class FlakyStore(MemoryStore):
    """A memory store whose results updates fail while `down` is set (a database gone mid-call)."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def update_action(self, *args: Any) -> None:
        if self.down:
            raise StoreError("the database is unreachable")
        super().update_action(*args)


def test_a_tool_that_ran_returns_its_result_when_the_store_fails_after_it(make_guard: Callable[..., Guard]) -> None:
    """Measured on the old main: a `@guard.tool` body that ran while the server died returned
    StoreError to the caller, so a retry ran the tool twice."""
    store = FlakyStore()
    guard = make_guard(policy=None, store=store)
    ran: list[str] = []

    @guard.tool("snapshot_volume")
    def snapshot(volume_id: str) -> str:
        ran.append(volume_id)
        store.down = True  # the database dies while the tool runs
        return f"snapshot of {volume_id}"

    with guard.session(agent="ops", intent="snapshot volumes") as session:
        assert snapshot("vol-7") == "snapshot of vol-7" and ran == ["vol-7"]
        assert session.unconfirmed == 1
        stored = store.session(session.session_id)
        assert stored is not None and stored.actions[-1].result is None  # unconfirmed in the trace
        store.down = False
        assert session.check("list_volumes").allowed  # the next write flushes what was kept
        assert session.unconfirmed == 0
    trace = store.session(session.session_id)
    assert trace is not None and trace.actions[0].result == "success"
