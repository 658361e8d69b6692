"""Approvers are identities (issue 9, attack 4): what the old runtime let through, tried again.

Measured on the old main: any process could run `approvals approve ID --as alice`, the
agent's own included; 5 of 11 lookalike spellings of the agent's name passed; a child
approved its parent's request, a grandchild its parent's, siblings each other's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from pathguard.errors import InputError, PathguardError
from pathguard.runtime import Guard
from pathguard.runtime.approvals import decide_request
from pathguard.runtime.approvers import Approver, Keyring, fingerprint
from pathguard.runtime.clock import ManualClock
from pathguard.runtime.identity import IdentityError, identities, same_identity
from pathguard.semantics.effect import Effect

INVOICE = {"to": "acme", "month": 11}
AGENT = "ops-agent"
LOOKALIKES = ["ops\u2010agent", "\u043eps-agent", "\uff4f\uff50\uff53-agent", "OPS-AGENT", "0ps-agent",
              "op\u0455-agent", "ops-a\u0261ent", "ops\u2013agent", " ops-agent ", "ops-agen\u1e6b",
              "\u022fps-agent"]
INVISIBLE = ["ops\u200b-agent", "ops-agent\u200d", "ops\u00ad-agent", "ops-agent\u202e", "o\u0301\u0338ps-agent"]


def pending_invoice(guard: Guard, agent: str = AGENT) -> tuple[object, int]:
    session = guard.session(agent=agent, intent="email the monthly billing invoice")
    request = session.check("send_invoice", INVOICE).approval_id
    assert request is not None
    return session, request


@pytest.mark.parametrize("spelling", LOOKALIKES)
def test_lookalike_spellings_of_the_agent_are_the_agent(make_guard: Callable[..., Guard],
                                                        clock: ManualClock, spelling: str) -> None:
    assert same_identity(spelling, AGENT)
    guard = make_guard()
    _, request = pending_invoice(guard)
    with pytest.raises(PathguardError, match="may not decide"):
        decide_request(guard.store, request, Approver.generate(spelling), True, clock())


@pytest.mark.parametrize("spelling", INVISIBLE)
def test_names_with_invisible_characters_are_no_identities(make_guard: Callable[..., Guard], spelling: str) -> None:
    with pytest.raises(IdentityError):
        identities(spelling)
    with pytest.raises(IdentityError):
        make_guard().session(agent=spelling, intent="x")
    with pytest.raises(IdentityError):
        Approver.generate(spelling)


def test_the_agents_process_cannot_produce_a_usable_grant(make_guard: Callable[..., Guard], clock: ManualClock,
                                                          approvers: dict[str, Approver], tmp_path: Path) -> None:
    """With full access to the store it can flip a row to `granted`, sign with a key of its
    own, name itself after a real approver or copy a real signature: none of it runs the call."""
    db = tmp_path / "trace.db"
    guard = make_guard(store=f"sqlite:///{db}")
    session, request = pending_invoice(guard)
    store = guard.store
    row = store.approval(request)
    assert row is not None

    def forged(decided_by: str, decided_at: float, signature: str | None = None,
               decided_key: str | None = None) -> str:
        with sqlite3.connect(db) as raw:  # the agent writes the store directly
            raw.execute("UPDATE approvals SET status = 'granted', decided_by = ?, decided_at = ?, signature = ?, "
                        "decided_key = ? WHERE id = ?", (decided_by, decided_at, signature, decided_key, request))
        decision = session.check("send_invoice", INVOICE)  # type: ignore[attr-defined]
        assert decision.effect is Effect.DENY and store.approval(request).status == "granted"  # type: ignore[union-attr]
        return str(decision.texts[-1])

    assert "no signature" in forged(decided_by="alice", decided_at=clock())
    mallory = Approver.generate("alice")  # a key the agent made, under alice's name
    signature = mallory.sign(row, "granted", clock())
    assert "does not verify" in forged(decided_by="alice", decided_at=clock(), signature=signature)
    outsider = Approver.generate("mallory")
    assert "not in the keyring" in forged(decided_by="mallory", decided_at=clock(),
                                          signature=outsider.sign(row, "granted", clock()))
    # a real grant of another request, copied onto this one
    _, other = pending_invoice(guard, agent="billing-agent")
    real = decide_request(store, other, approvers["alice"], True, clock())
    assert "does not verify" in forged(decided_by="alice", decided_at=real.decided_at, signature=real.signature,
                                       decided_key=real.decided_key)


def test_an_approver_registered_under_a_lookalike_of_the_agent_is_refused_at_run_time(
        make_guard: Callable[..., Guard], clock: ManualClock) -> None:
    """Even if someone registers `оps-agent` (Cyrillic о) in the keyring, the guard refuses its
    grants for requests of `ops-agent`'s tree: the runtime checks identities too."""
    twin = Approver.generate("\u043eps-agent")
    guard = make_guard(keyring=Keyring({twin.name: twin.public_text}))
    session, request = pending_invoice(guard)
    row = guard.store.approval(request)
    assert row is not None
    guard.store.transition(request, "pending", "granted", by=twin.name, at=clock(),
                           signature=twin.sign(row, "granted", clock()), key=fingerprint(twin.public_text))
    refused = session.check("send_invoice", INVOICE)  # type: ignore[attr-defined]
    assert refused.effect is Effect.DENY and "agent of the requesting session tree" in refused.texts[-1]


def test_nobody_in_the_session_tree_approves(make_guard: Callable[..., Guard], clock: ManualClock) -> None:
    guard = make_guard()
    root = guard.session(agent="lead", intent="billing invoices and email")
    child = root.spawn("email the monthly billing invoice", 3, agent="mailer")
    sibling = root.spawn("email the monthly billing invoice", 3, agent="archiver")
    grandchild = child.spawn("email the monthly billing invoice", 1, agent="formatter")
    for requester, approver in ((root, "mailer"), (child, "formatter"), (child, "archiver"),
                                (sibling, "mailer"), (grandchild, "lead"), (root, "formatter")):
        request = requester.check("send_invoice", {"by": requester.agent, "for": approver}).approval_id
        assert request is not None
        with pytest.raises(PathguardError, match="agent of the requesting session tree"):
            decide_request(guard.store, request, Approver.generate(approver), True, clock())


def test_grants_expire_unused(make_guard: Callable[..., Guard], clock: ManualClock,
                              approvers: dict[str, Approver]) -> None:
    guard = make_guard(approval_timeout=600)
    session, request = pending_invoice(guard)
    decide_request(guard.store, request, approvers["alice"], True, clock())
    clock.advance(601)
    late = session.check("send_invoice", INVOICE)  # type: ignore[attr-defined]
    assert late.effect is Effect.DENY and "expired" in late.texts[-1]


def test_only_the_policys_approvers_may_grant(make_guard: Callable[..., Guard], write_policy: Callable[[str], Path],
                                              clock: ManualClock, approvers: dict[str, Approver]) -> None:
    policy = write_policy("policy: p\nrules:\n  - {match: {endpoint: send_invoice}, decision: approval}\n"
                          "approvals: {approvers: [alice], expire_minutes: 5}\n")
    guard = make_guard(policy=policy)
    assert guard.approval_timeout == 300
    session, request = pending_invoice(guard)
    decide_request(guard.store, request, approvers["bob"], True, clock())
    refused = session.check("send_invoice", INVOICE)  # type: ignore[attr-defined]
    assert refused.effect is Effect.DENY and "not an approver of this policy" in refused.texts[-1]
    _, again = pending_invoice(guard, agent="billing-agent")
    decide_request(guard.store, again, approvers["alice"], True, clock())


def test_a_guard_without_a_keyring_uses_no_grant(make_guard: Callable[..., Guard], clock: ManualClock,
                                                 approvers: dict[str, Approver],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PATHGUARD_KEYRING", raising=False)
    guard = make_guard(keyring=None)
    session, request = pending_invoice(guard)
    decide_request(guard.store, request, approvers["alice"], True, clock())
    refused = session.check("send_invoice", INVOICE)  # type: ignore[attr-defined]
    assert refused.effect is Effect.DENY and "no keyring" in refused.texts[-1]


def test_keyrings_refuse_twin_identities_and_bad_keys(tmp_path: Path, approvers: dict[str, Approver]) -> None:
    with pytest.raises(PathguardError, match="same identity"):
        Keyring({"alice": approvers["alice"].public_text, "ALICE": approvers["bob"].public_text})
    bad = tmp_path / "approvers.yaml"
    bad.write_text("approvers:\n  alice: ed25519:bm90IGEga2V5\n  bob: rsa:AAAA\n")
    with pytest.raises(InputError) as caught:
        Keyring.load(bad)
    assert [(p.line, p.field) for p in caught.value.problems] == [(2, "approvers.alice"), (3, "approvers.bob")]
