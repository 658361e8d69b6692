"""Out-of-band approvals: exact call, once, never by the agent itself, expiring; forbidden unlocks."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pathguard.cli.main import main
from pathguard.errors import PathguardError
from pathguard.runtime import Guard
from pathguard.runtime.approvals import call_hash, decide_request
from pathguard.runtime.approvers import Approver
from pathguard.runtime.clock import ManualClock
from pathguard.semantics.effect import Effect
from pathguard.semantics.params import canonical_json

INVOICE = {"to": "acme", "month": 11}


def test_a_grant_runs_that_exact_call_once(make_guard: Callable[..., Guard], clock: ManualClock,
                                           approvers: dict[str, Approver]) -> None:
    guard = make_guard()
    s = guard.session(agent="ops", intent="email the monthly billing invoice")
    pending = s.check("send_invoice", INVOICE)
    assert pending.effect is Effect.APPROVAL and pending.approval_id is not None
    again = s.check("send_invoice", dict(reversed(INVOICE.items())))  # same call, keys in another order
    assert again.approval_id == pending.approval_id and "pending" in again.texts[-1]
    decide_request(guard.store, pending.approval_id, approvers["alice"], True, clock())
    other = s.check("send_invoice", {"to": "evil", "month": 11})  # another call: not covered
    assert other.effect is Effect.APPROVAL and other.approval_id != pending.approval_id
    ran = s.check("send_invoice", INVOICE)
    assert ran.allowed and "granted by alice" in ran.texts[-1]
    once_more = s.check("send_invoice", INVOICE)  # used once: a new request
    assert once_more.effect is Effect.APPROVAL and once_more.approval_id not in (pending.approval_id, None)
    assert guard.store.approval(pending.approval_id).status == "used"  # type: ignore[union-attr]


def test_the_agent_and_its_parents_cannot_approve(make_guard: Callable[..., Guard], clock: ManualClock,
                                                  approvers: dict[str, Approver]) -> None:
    guard = make_guard()
    parent = guard.session(agent="Lead-Agent", intent="billing invoices and email")
    child = parent.spawn("email the monthly billing invoice", 2, agent="mailer")
    request = child.check("send_invoice", INVOICE).approval_id
    assert request is not None
    for barred in ("mailer", " MAILER ", "lead-agent"):
        with pytest.raises(PathguardError, match="may not decide"):
            decide_request(guard.store, request, Approver.generate(barred), True, clock())
    decide_request(guard.store, request, approvers["bob"], False, clock())
    with pytest.raises(PathguardError, match="not pending"):
        decide_request(guard.store, request, approvers["carol"], True, clock())
    denied = child.check("send_invoice", INVOICE)
    assert denied.effect is Effect.DENY and "denied by bob" in denied.texts[-1]
    with pytest.raises(PathguardError, match="no approval request"):
        decide_request(guard.store, 999, approvers["bob"], True, clock())


def test_pending_requests_expire(make_guard: Callable[..., Guard], clock: ManualClock,
                                 approvers: dict[str, Approver]) -> None:
    guard = make_guard(approval_timeout=60)
    s = guard.session(agent="ops", intent="email the monthly billing invoice")
    first = s.check("send_invoice", INVOICE).approval_id
    assert first is not None
    clock.advance(61)
    expired = s.check("send_invoice", INVOICE)
    assert expired.effect is Effect.DENY and "expired unanswered after 60 s" in expired.texts[-1]
    assert guard.store.approval(first).status == "expired"  # type: ignore[union-attr]
    second = s.check("send_invoice", INVOICE).approval_id
    assert second not in (first, None)
    clock.advance(61)
    with pytest.raises(PathguardError, match="expired"):
        decide_request(guard.store, second, approvers["alice"], True, clock())  # type: ignore[arg-type]


def test_a_forbidden_deny_is_final_no_request_is_opened(make_guard: Callable[..., Guard]) -> None:
    """SPEC §2: only `decision: approval` is unlockable; the runtime turns no deny into a request."""
    guard = make_guard()
    s = guard.session(agent="ops", intent="unmount a storage volume")
    assert s.check("list_volumes", {}).allowed
    for _ in range(3):
        blocked = s.check("unmount_volume", {"volume_id": "vol-7"})
        assert blocked.effect is Effect.DENY and blocked.approval_id is None
        assert blocked.texts == ["forbidden: list_volumes -> unmount_volume"]
    assert guard.store.approvals() == []


def test_a_forbidden_entry_with_decision_approval_waits_for_a_grant(
        make_guard: Callable[..., Guard], write_policy: Callable[[str], Path], clock: ManualClock,
        approvers: dict[str, Approver]) -> None:
    guard = make_guard(policy=write_policy(
        "policy: p\nforbidden:\n  - {first: list_volumes, then: unmount_volume, decision: approval}\n"))
    s = guard.session(agent="ops", intent="unmount a storage volume")
    s.check("list_volumes", {})
    waiting = s.check("unmount_volume", {"volume_id": "vol-7"})
    assert waiting.effect is Effect.APPROVAL and waiting.approval_id is not None
    row = guard.store.approval(waiting.approval_id)
    assert row is not None and row.kind == "approval"
    decide_request(guard.store, row.id, approvers["alice"], True, clock())
    assert s.check("unmount_volume", {"volume_id": "vol-7"}).allowed
    s.check("list_volumes", {})
    again = s.check("unmount_volume", {"volume_id": "vol-7"})  # the grant was used once
    assert again.effect is Effect.APPROVAL and again.approval_id not in (None, row.id)


def test_call_hash_is_exactly_session_endpoint_parameters() -> None:
    assert canonical_json({"b": 1, "a": [1, "x"]}) == '{"a":[1,"x"],"b":1}'
    base = call_hash("s1", "delete_volume", {"volume_id": "v1"})
    assert base == call_hash("s1", "delete_volume", {"volume_id": "v1"})
    assert len({base, call_hash("s2", "delete_volume", {"volume_id": "v1"}),
                call_hash("s1", "unmount_volume", {"volume_id": "v1"}),
                call_hash("s1", "delete_volume", {"volume_id": "v2"}),
                call_hash("s1", "delete_volume", {"volume_id": "v1", "force": True})}) == 5


def test_cli_approves_out_of_band(make_guard: Callable[..., Guard], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'trace.db'}"
    ring = tmp_path / "approvers.yaml"
    assert main(["approvers", "keygen", "alice", "--out", str(tmp_path), "--keyring", str(ring)]) == 0
    assert main(["approvers", "keygen", "ops", "--out", str(tmp_path), "--keyring", str(ring)]) == 0
    assert main(["approvers", "keygen", "ALICE", "--out", str(tmp_path), "--keyring", str(ring)]) == 2
    assert "reads as `alice`" in capsys.readouterr().err
    assert (tmp_path / "alice.key").stat().st_mode & 0o777 == 0o600
    guard = make_guard(store=url, clock=ManualClock(time.time()), keyring=str(ring))
    s = guard.session(agent="ops", intent="email the monthly billing invoice")
    request = s.check("send_invoice", INVOICE).approval_id
    assert main(["approvals", "list", "--store", url]) == 0
    listed = capsys.readouterr().out
    assert f"#{request} pending [approval] send_invoice" in listed and "agent ops" in listed
    approve = ["approvals", "approve", str(request), "--store", url, "--keyring", str(ring)]
    assert main([*approve, "--as", "ops", "--key", str(tmp_path / "ops.key")]) == 2
    assert "may not decide" in capsys.readouterr().err
    assert main([*approve, "--as", "alice", "--key", str(tmp_path / "ops.key")]) == 2  # not alice's key
    assert "not the one keyring" in capsys.readouterr().err
    assert main([*approve, "--as", "alice", "--key", str(tmp_path / "alice.key")]) == 0
    assert f"request #{request} granted by alice" in capsys.readouterr().out
    assert s.check("send_invoice", INVOICE).allowed
    deny_me = s.check("send_invoice", {"to": "x"}).approval_id
    assert main(["approvals", "deny", str(deny_me), "--as", "alice", "--key", str(tmp_path / "alice.key"),
                 "--store", url]) == 0
    assert main(["approvals", "list", "--status", "all", "--format", "json", "--store", url]) == 0
    assert '"status": "used"' in capsys.readouterr().out
