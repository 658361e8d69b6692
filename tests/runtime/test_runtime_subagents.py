"""Sub-agents: budgets carved from the parent's, calls counted twice, layer 3 and intent inherited."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pathguard.runtime import ApprovalRequired, Denied, Guard
from pathguard.runtime.approvals import decide_request
from pathguard.runtime.clock import ManualClock
from pathguard.semantics.effect import Effect

STORAGE = "inspect and snapshot storage volumes"


def test_child_budget_is_taken_from_the_parent(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()  # max_actions 10, subagents.max_budget 4
    parent = guard.session(agent="lead", intent=STORAGE)
    for i in range(4):
        assert parent.check("get_volume", {"volume_id": str(i)}).allowed
    child = parent.spawn(STORAGE, budget=9)
    assert child.budget == 4 and child.policy.max_actions == 4 and child.state.depth == 1
    second = parent.spawn(STORAGE, budget=3)
    assert second.budget == 2  # 10 - 4 used - 4 promised
    with pytest.raises(Denied, match="no budget left"):
        parent.spawn(STORAGE, budget=1)
    assert parent.check("get_volume", {}).effect is Effect.DENY  # the promised actions count as used
    for i in range(4):
        assert child.check("get_volume", {"volume_id": f"c{i}"}).allowed
    assert child.check("get_volume", {}).effect is Effect.DENY  # its own budget is spent
    assert parent.state.window_actions == 8 and parent.reserved == 2  # counted against both
    second.close()  # unused budget goes back
    assert parent.reserved == 0
    assert parent.check("get_volume", {}).allowed


def test_forbidden_layer_is_inherited(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()
    parent = guard.session(agent="lead", intent=STORAGE)
    parent.check("list_volumes", {})
    child = parent.spawn("unmount storage volumes", budget=2)
    denied = child.check("unmount_volume", {"volume_id": "v"})
    assert denied.effect is Effect.DENY and denied.texts[0] == "forbidden: list_volumes -> unmount_volume"
    child.check("list_volumes", {})  # a child's call enters the parent's history too
    assert parent.check("unmount_volume", {}).effect is Effect.DENY


def test_a_straying_child_needs_approval_to_spawn(make_guard: Callable[..., Guard], clock: ManualClock) -> None:
    guard = make_guard()
    parent = guard.session(agent="lead", intent=STORAGE)
    with pytest.raises(ApprovalRequired, match="child intent similarity") as asked:
        parent.spawn("email the monthly billing invoice to the customer", budget=2)
    with pytest.raises(Exception, match="may not decide"):
        decide_request(guard.store, asked.value.approval_id, "lead", True, clock())  # type: ignore[arg-type]
    decide_request(guard.store, asked.value.approval_id, "alice", True, clock())  # type: ignore[arg-type]
    child = parent.spawn("email the monthly billing invoice to the customer", budget=2)
    assert child.parent is parent
    rows = guard.store.sessions()
    assert {r.session_id: r.parent for r in rows}[child.session_id] == parent.session_id


def test_a_closed_parent_closes_its_children(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard(policy=None)
    parent = guard.session(agent="lead", intent="x")
    child = parent.spawn("x", budget=3)
    parent.close()
    d = child.check("get_volume", {})
    assert d.effect is Effect.DENY and d.texts == ["closed: the session is closed (budget exhausted)"]
