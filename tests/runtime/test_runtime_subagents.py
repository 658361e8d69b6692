"""Sub-agents (SPEC §3): a call is decided against the session and every ancestor and counted in
all of them, so no limit multiplies with children and no forbidden pair splits across a tree."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from pathguard.errors import PathguardError
from pathguard.runtime import ApprovalRequired, Denied, Guard
from pathguard.runtime.approvals import decide_request
from pathguard.runtime.approvers import Approver
from pathguard.runtime.clock import ManualClock
from pathguard.semantics.effect import Effect

STORAGE = "inspect and snapshot storage volumes"
CLOSED = "closed: the session is closed (its budget ran out, or it was ended)"


def test_child_budget_is_the_least_of_asked_max_budget_and_the_parents_remaining(
        make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()  # max_actions 10, subagents.max_budget 4
    parent = guard.session(agent="lead", intent=STORAGE)
    for i in range(7):
        assert parent.check("get_volume", {"volume_id": str(i)}).allowed
    child = parent.spawn(STORAGE, budget=9)
    assert child.budget == 3 and child.policy.max_actions == 3 and child.state.depth == 1  # 10 - 7
    assert parent.spawn(STORAGE, budget=2).budget == 2
    for i in range(3):
        assert child.check("get_volume", {"volume_id": f"c{i}"}).allowed
    assert parent.state.window_actions == 10 and parent.state.closed  # counted in both: the tree is spent
    with pytest.raises(Denied, match="closed"):
        parent.spawn(STORAGE, budget=1)


def test_a_tree_never_exceeds_the_roots_budget(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()
    parent = guard.session(agent="lead", intent=STORAGE)
    children = [parent.spawn(STORAGE, budget=4) for _ in range(3)]  # 12 promised, 10 in the root
    ran = sum(c.check("get_volume", {"volume_id": f"{i}"}).allowed for c in children for i in range(4))
    ran += sum(parent.check("get_volume", {}).allowed for _ in range(4))
    assert ran == 10


def test_writes_of_root_and_child_add_up_against_max_writes(make_guard: Callable[..., Guard],
                                                            write_policy: Callable[[str], Path]) -> None:
    """Measured on the old runtime: root 4 writes + child 4 writes = 8 against `max_writes: 5`."""
    guard = make_guard(policy=write_policy("policy: p\nbudget: {max_writes: 5}\nsubagents: {max_budget: 10}\n"))
    root = guard.session(agent="lead", intent=STORAGE)
    child = root.spawn(STORAGE, budget=10)
    ran = [root.check("snapshot_volume", {"n": i}).allowed for i in range(4)]
    ran += [child.check("snapshot_volume", {"n": i}).allowed for i in range(4)]
    assert ran == [True] * 5 + [False] * 3
    denied = child.check("snapshot_volume", {})
    assert denied.texts == ["parent session: budget: 5 of 5 writes used in the window"]


def test_critical_calls_of_root_and_child_share_max_critical(make_guard: Callable[..., Guard],
                                                             write_policy: Callable[[str], Path],
                                                             clock: ManualClock,
                                                             approvers: dict[str, Approver]) -> None:
    """Measured: root `rotate_secrets` + child `restore_backup` both allowed against `max_critical: 1`."""
    guard = make_guard(policy=write_policy(
        "policy: p\ncritical: [scale_service, snapshot_volume]\nbudget: {max_critical: 1}\n"))
    root = guard.session(agent="lead", intent=STORAGE)
    child = root.spawn(STORAGE, budget=5)
    first = root.check("scale_service", {})
    assert first.effect is Effect.APPROVAL
    decide_request(guard.store, first.approval_id, approvers["alice"], True, clock())  # type: ignore[arg-type]
    assert root.check("scale_service", {}).allowed
    second = child.check("snapshot_volume", {})
    assert second.effect is Effect.DENY and second.approval_id is None
    assert "parent session: critical: 1 of 1 critical actions used in the window" in second.texts


def test_a_forbidden_pair_split_between_parent_and_child_is_caught(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()
    parent = guard.session(agent="lead", intent=STORAGE)
    parent.check("list_volumes", {})
    child = parent.spawn("unmount storage volumes", budget=2)
    denied = child.check("unmount_volume", {"volume_id": "v"})
    assert denied.effect is Effect.DENY
    assert denied.texts == ["parent session: forbidden: list_volumes -> unmount_volume"]
    other = parent.spawn(STORAGE, budget=2)
    assert other.check("list_volumes", {}).allowed  # the child's call enters the parent's history
    assert parent.check("unmount_volume", {}).effect is Effect.DENY


def test_a_forbidden_pair_split_between_siblings_is_caught(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard()
    root = guard.session(agent="lead", intent=STORAGE)
    one, two = root.spawn(STORAGE, budget=2), root.spawn(STORAGE, budget=2)
    assert one.check("list_volumes", {}).allowed
    denied = two.check("unmount_volume", {"volume_id": "v"})
    assert denied.effect is Effect.DENY and denied.texts == [
        "parent session: forbidden: list_volumes -> unmount_volume"]


def test_grandchildren_are_decided_against_every_ancestor(make_guard: Callable[..., Guard],
                                                          write_policy: Callable[[str], Path]) -> None:
    guard = make_guard(policy=write_policy("policy: p\nbudget: {max_actions: 3}\n"))
    root = guard.session(agent="lead", intent=STORAGE)
    grandchild = root.spawn(STORAGE, budget=3).spawn(STORAGE, budget=3)
    assert grandchild.state.depth == 2
    assert [grandchild.check("get_volume", {}).allowed for _ in range(4)] == [True, True, True, False]
    assert root.state.closed


def test_threads_in_children_never_overspend_the_tree(make_guard: Callable[..., Guard],
                                                      write_policy: Callable[[str], Path]) -> None:
    guard = make_guard(policy=write_policy("policy: p\nbudget: {max_writes: 5}\nsubagents: {max_budget: 50}\n"))
    root = guard.session(agent="lead", intent=STORAGE)
    children = [root.spawn(STORAGE, budget=50) for _ in range(8)]
    barrier = threading.Barrier(8)
    ran: list[bool] = []

    def work(session: object) -> None:
        barrier.wait()
        for i in range(5):
            ran.append(session.check("snapshot_volume", {"i": i}).allowed)  # type: ignore[attr-defined]

    threads = [threading.Thread(target=work, args=(c,)) for c in children]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(ran) == 5 and root.state.window_writes == 5


def test_a_straying_child_needs_approval_to_spawn(make_guard: Callable[..., Guard], clock: ManualClock,
                                                  approvers: dict[str, Approver]) -> None:
    guard = make_guard()
    parent = guard.session(agent="lead", intent=STORAGE)
    with pytest.raises(ApprovalRequired, match="child intent similarity") as asked:
        parent.spawn("email the monthly billing invoice to the customer", budget=2)
    with pytest.raises(Exception, match="may not decide"):
        decide_request(guard.store, asked.value.approval_id, Approver.generate("lead"), True, clock())  # type: ignore[arg-type]
    decide_request(guard.store, asked.value.approval_id, approvers["alice"], True, clock())  # type: ignore[arg-type]
    child = parent.spawn("email the monthly billing invoice to the customer", budget=2)
    assert child.parent is parent
    rows = guard.store.sessions()
    assert {r.session_id: r.parent for r in rows}[child.session_id] == parent.session_id


def test_a_closed_parent_closes_its_children(make_guard: Callable[..., Guard]) -> None:
    guard = make_guard(policy=None)
    parent = guard.session(agent="lead", intent="x")
    child = parent.spawn("x", budget=3)
    grandchild = child.spawn("x", budget=1)
    parent.close()
    d = grandchild.check("get_volume", {})
    assert d.effect is Effect.DENY and CLOSED in d.texts


def test_a_budget_must_be_a_positive_whole_number(make_guard: Callable[..., Guard]) -> None:
    parent = make_guard().session(agent="lead", intent=STORAGE)
    for bad in (0, -3, 2.5, True, "4"):
        with pytest.raises(PathguardError, match="whole number"):
            parent.spawn(STORAGE, budget=bad)  # type: ignore[arg-type]
