"""Every back end refuses the same values, before anything is written or counted."""

from __future__ import annotations

from typing import Any

import pytest

from pathguard.store.base import ActionRow, AlertRow, ApprovalRow, SessionRow, Store
from pathguard.store.errors import InvalidRecord

BAD_PARAMS: list[Any] = [
    {"blob": b"\x00\x01"}, {"tags": {"a", "b"}}, {"pair": (1, 2)}, {"when": object()}, {1: "v"},
    {"x": float("nan")}, {"x": float("-inf")}, {"x": {"y": [float("inf")]}}, {"s": "\udc80"},
    {"k\x00": 1}, ["not", "a", "dict"], {"huge": "x" * (1 << 20)},
]
ROW = ActionRow("s1", 1, 2.0, "snapshot_volume", {"volume_id": "v"}, "allow", ("ok",), None)


def written(store: Store) -> tuple[int, tuple[int, int], int]:
    trace = store.session("s1")
    return (0 if trace is None else len(trace.actions)), store.scope_used("team"), len(store.approvals())


@pytest.mark.parametrize("params", BAD_PARAMS, ids=lambda p: type(p).__name__ + str(len(repr(p)) % 97))
def test_parameters_that_are_not_json_are_refused_before_any_write(store: Store, params: Any) -> None:
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    store.ensure_scope("team", 5)
    before = written(store)
    bad = ROW._replace(params=params)
    with pytest.raises(InvalidRecord, match="nothing was written"):
        store.append_action(bad, durable=True)
    with pytest.raises(InvalidRecord, match="nothing was written"):
        store.reserve_append("team", bad, bad._replace(effect="deny"), durable=True)
    with pytest.raises(InvalidRecord, match="nothing was written"):
        store.reserve_append("team", ROW, bad._replace(effect="deny"), durable=False)
    request = ApprovalRow(0, "h", "s1", "ops", ("ops",), "delete_volume", params, "approval", ("r",), "pending",
                          1.0, 2.0)
    with pytest.raises(InvalidRecord, match="nothing was written"):
        store.open_approval(request)
    assert written(store) == before  # no row, no unit of the budget, no request


@pytest.mark.parametrize("row", [
    ROW._replace(session_id="s\x001"), ROW._replace(endpoint="snap\x00"), ROW._replace(ts=float("nan")),
    ROW._replace(seq=1 << 31), ROW._replace(seq=True), ROW._replace(effect="maybe"),
    ROW._replace(reasons=("bad\x00reason",)), ROW._replace(deviation=float("inf")),
    ROW._replace(token_cost=1 << 40), ROW._replace(result="\ud800"),
], ids=lambda r: str(r)[:60])
def test_rows_every_database_would_refuse_are_refused_by_all(store: Store, row: ActionRow) -> None:
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    store.ensure_scope("team", 5)
    with pytest.raises(InvalidRecord):
        store.append_action(row, durable=True)
    with pytest.raises(InvalidRecord):
        store.reserve_append("team", row, row._replace(effect="deny"), durable=True)
    assert written(store) == (0, (0, 5), 0)


def test_names_and_states_are_checked_everywhere(store: Store) -> None:
    with pytest.raises(InvalidRecord, match="agent"):
        store.open_session(SessionRow("s1", "ag\x00ent", "i", 1.0))
    with pytest.raises(InvalidRecord, match="final_state"):
        store.open_session(SessionRow("s1", "ops", "i", 1.0, final_state="weird"))
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    with pytest.raises(InvalidRecord, match="final_state"):
        store.close_session("s1", "gone", 2.0)
    with pytest.raises(InvalidRecord, match="text"):
        store.add_alert(AlertRow("s1", 1.0, "review", "x\x00"))
    with pytest.raises(InvalidRecord, match="status"):
        store.transition(1, "pending", "approved-ish")
    with pytest.raises(InvalidRecord, match="limit"):
        store.ensure_scope("team", 1 << 40)
    with pytest.raises(InvalidRecord, match="decided_at"):
        store.transition(1, "pending", "granted", by="alice", at=float("nan"))
    trace = store.session("s1")
    assert trace is not None and trace.session.final_state == "running" and trace.alerts == ()


def test_a_row_does_not_change_when_the_caller_mutates_its_dict(store: Store) -> None:
    store.open_session(SessionRow("s1", "ops", "i", 1.0))
    params = {"volume_id": "v", "tags": ["a"]}
    store.append_action(ROW._replace(params=params), durable=True)
    params["volume_id"] = "w"
    params["tags"].append("b")  # type: ignore[attr-defined]
    trace = store.session("s1")
    assert trace is not None and trace.actions[0].params == {"tags": ["a"], "volume_id": "v"}
    read = trace.actions[0].params
    read["volume_id"] = "z"  # what a reader gets is its own copy
    again = store.session("s1")
    assert again is not None and again.actions[0].params["volume_id"] == "v"
