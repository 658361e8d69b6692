"""Guarded sessions: decisions through decide(), the durable trace, the tool wrapper, fail closed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pathguard.runtime import ApprovalRequired, Denied, Guard
from pathguard.semantics.effect import Effect
from pathguard.store.base import StoreError
from pathguard.store.memory import MemoryStore


def test_check_follows_decide_and_records_everything(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()
    with guard.session(agent="ops", intent="look at storage volumes") as s:
        d = s.check("list_volumes", {"project": "p1"})
        assert d.allowed and d.effect is Effect.ALLOW and d.texts == ["default: allow"]
        s.record(d, result="success", latency_ms=41, token_cost=120)
        denied = s.check("unmount_volume", {"volume_id": "vol-7"})  # forbidden right after list_volumes
        assert denied.effect is Effect.DENY
        assert denied.texts[0] == "forbidden: list_volumes -> unmount_volume"
        unknown = s.check("drop_database", {})
        assert unknown.effect is Effect.DENY and "unknown endpoint" in unknown.texts[0]
    trace = guard.store.session(s.session_id)
    assert trace is not None
    assert trace.session.final_state == "blocked" and trace.session.intent == "look at storage volumes"
    first = trace.actions[0]
    assert (first.endpoint, first.params, first.effect, first.result, first.latency_ms, first.token_cost) == (
        "list_volumes", {"project": "p1"}, "allow", "success", 41, 120)
    assert [a.effect for a in trace.actions] == ["allow", "deny", "deny"]
    assert all(a.deviation is not None for a in trace.actions[:2])
    assert d.id == f"{s.session_id}:1"


def test_a_clean_session_completes(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard(policy=None)
    with guard.session(agent="ops", intent="x") as s:
        assert s.check("delete_volume", {"volume_id": "v"}).allowed
    assert guard.store.session(s.session_id).session.final_state == "completed"  # type: ignore[union-attr]
    with pytest.raises(RuntimeError), guard.session(agent="ops", intent="x") as failing:
        raise RuntimeError("boom")
    assert guard.store.session(failing.session_id).session.final_state == "error"  # type: ignore[union-attr]
    cancelled = guard.session(agent="ops", intent="x")
    cancelled.cancel()
    assert guard.store.session(cancelled.session_id).session.final_state == "cancelled"  # type: ignore[union-attr]


def test_non_read_decision_is_durable_before_check_returns(make_guard: Callable[..., Guard],
                                                           tmp_path: Path) -> None:
    db = tmp_path / "trace.db"
    guard = make_guard(store=f"sqlite:///{db}")
    s = guard.session(agent="ops", intent="snapshot volumes")
    d = s.check("snapshot_volume", {"volume_id": "vol-1"})
    with sqlite3.connect(db) as other:  # another connection, as another process would see it
        row = other.execute("SELECT endpoint, effect, params FROM actions WHERE session_id = ? AND seq = ?",
                            (s.session_id, d.seq)).fetchone()
    assert row == ("snapshot_volume", "allow", '{"volume_id":"vol-1"}')  # canonical JSON


def test_tool_wrapper_checks_records_and_raises(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()
    ran: list[str] = []

    @guard.tool("get_volume")
    def get_volume(volume_id: str, verbose: bool = False) -> str:
        ran.append(volume_id)
        return f"volume {volume_id}"

    @guard.tool("send_invoice")
    def send_invoice(to: str) -> None:
        ran.append(to)

    @guard.tool("scale_service")
    def scale_service(service_id: str) -> None:
        raise ValueError("api down")

    with pytest.raises(Exception, match="no guarded session"):
        get_volume("v1")
    with guard.session(agent="ops", intent="inspect storage volume details") as s:
        assert get_volume("v1") == "volume v1"
        with pytest.raises(ApprovalRequired) as pending:
            send_invoice(to="acme")
        assert pending.value.approval_id is not None
        assert "rule 1: Billing mail is sent by people" in pending.value.reasons
        with pytest.raises(ValueError, match="api down"):
            scale_service("svc")
    assert ran == ["v1"]
    actions = guard.store.session(s.session_id).actions  # type: ignore[union-attr]
    assert actions[0].params == {"volume_id": "v1", "verbose": False} and actions[0].result == "success"
    assert actions[2].result == "error: ValueError: api down"
    with pytest.raises(Exception, match="not an endpoint"):
        guard.tool("nope")


def test_denied_is_raised_with_reasons(make_guard: Callable[..., Guard], write_policy: Callable[[str], Path]) -> None:
    guard = make_guard(policy=write_policy("policy: p\nrules:\n  - {match: {kind: delete}, decision: deny, "
                                           "reason: never}\n"))

    @guard.tool("delete_volume")
    def delete_volume(volume_id: str) -> None:
        raise AssertionError("must not run")

    with guard.session(agent="ops", intent="x"), pytest.raises(Denied) as denied:
        delete_volume("v1")
    assert denied.value.reasons == ["rule 1: never"]


class BrokenStore(MemoryStore):
    def append_action(self, row: object, *, durable: bool) -> None:
        raise StoreError("database is down")


def test_fail_closed_when_the_store_is_down(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard(policy=None, store=BrokenStore())
    s = guard.session(agent="ops", intent="x")
    d = s.check("list_volumes", {})
    assert d.effect is Effect.DENY
    assert "database is down" in d.texts[0] and "not recorded" in d.texts[0]


def test_fail_closed_when_the_model_is_missing(make_guard: Callable[..., Guard], tmp_path: Path) -> None:
    guard = make_guard(embedder=None, model=tmp_path / "no-such-model")
    d = guard.session(agent="ops", intent="x").check("list_volumes", {})
    assert d.effect is Effect.DENY and "intent model unavailable" in d.texts[0]


def test_a_session_needs_an_agent(make_guard: Callable[..., Guard]) -> None:
    with pytest.raises(Exception, match="agent name"):
        make_guard().session(agent=" ", intent="x")


def test_import_pathguard_stays_light() -> None:
    code = ("import sys, pathguard; from pathguard import Guard; import pathguard.runtime; "
            "heavy = {'torch', 'sentence_transformers', 'psycopg', 'z3'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_finished_session_runs_nothing(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard(policy=None)
    with guard.session(agent="ops", intent="x") as s:
        assert s.check("list_volumes", {}).allowed
    assert s.check("list_volumes", {}).effect is Effect.DENY
    assert guard.store.session(s.session_id).session.final_state == "completed"  # type: ignore[union-attr]
