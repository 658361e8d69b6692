"""Twenty threads on one store object: no overspend, no lost row, one winner per approval step."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from pathguard.store.base import ActionRow, AlertRow, ApprovalRow, SessionRow, Store

THREADS, CALLS, LIMIT, REQUESTS = 20, 12, 53, 8


def worker(store: Store, index: int, start: threading.Barrier, results: list[Counter[str]], ids: list[int],
           errors: list[BaseException]) -> None:
    won: Counter[str] = Counter()  # this thread's own count (a shared Counter's += is not atomic)
    try:
        session = f"t{index}"
        start.wait()
        store.open_session(SessionRow(session, f"agent-{index}", "stress", 1.0))
        store.open_session(SessionRow("shared", "lead", "stress", 1.0))  # every thread opens it: idempotent
        for seq in range(1, CALLS + 1):
            row = ActionRow(session, seq, float(seq), "snapshot_volume", {"n": seq}, "allow", ("ok",), None)
            if store.reserve_append("team", row, row._replace(effect="deny", reasons=("used up",)),
                                    durable=seq % 2 == 0):
                won["unit"] += 1
            store.add_alert(AlertRow("shared", 1.0, "stress", "same alert from every thread"))
        for approval_id in ids:
            if store.transition(approval_id, "pending", "granted", by=f"approver-{index}", at=2.0):
                won[f"grant {approval_id}"] += 1
            if store.transition(approval_id, "granted", "used"):
                won[f"use {approval_id}"] += 1
    except BaseException as exc:
        errors.append(exc)
    results.append(won)


@pytest.mark.usefixtures("fast_switching")
def test_twenty_threads_share_one_store_safely(store: Store) -> None:
    store.ensure_scope("team", LIMIT)
    ids = [store.open_approval(ApprovalRow(0, f"h{i}", "shared", "lead", ("lead",), "delete_volume", {"i": i},
                                           "approval", ("r",), "pending", 1.0, 9.0)) for i in range(REQUESTS)]
    start = threading.Barrier(THREADS)
    results: list[Counter[str]] = []
    errors: list[BaseException] = []
    threads = [threading.Thread(target=worker, args=(store, i, start, results, ids, errors))
               for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    won = sum(results, Counter())
    assert store.scope_used("team") == (LIMIT, LIMIT)
    assert won["unit"] == LIMIT
    rows = [a for i in range(THREADS) for a in store.session(f"t{i}").actions]  # type: ignore[union-attr]
    assert len(rows) == THREADS * CALLS  # no row lost
    assert sum(a.effect == "allow" for a in rows) == LIMIT  # every unit has its row, and no more
    assert all(won[f"grant {i}"] == 1 and won[f"use {i}"] == 1 for i in ids)
    assert {a.status for a in store.approvals()} == {"used"}
    shared = store.session("shared")
    assert shared is not None and len(shared.alerts) == 1
