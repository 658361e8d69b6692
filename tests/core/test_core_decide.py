"""decide() clause by clause (SPEC §3), on hand-checked cases."""

from __future__ import annotations

import pytest
from corekit import policy_of, run_calls, world_of

from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect
from pathguard.semantics.session import SessionState

W = world_of()
ALLOW, APPROVAL, DENY = Effect.ALLOW, Effect.APPROVAL, Effect.DENY


def effect(policy_text: str, history: list[str], call: str, **session: object) -> Effect:
    policy = policy_of(policy_text, W)
    state = run_calls(policy, history)._replace(**session)
    return decide(W, policy, state, call).effect


def test_default_applies_only_when_no_rule_matches():
    text = "policy: p\ndefault: deny\nrules:\n  - match: {kind: read}\n    decision: allow\n"
    assert effect(text, [], "list_volumes") is ALLOW
    assert effect(text, [], "scale_service") is DENY


def test_most_restrictive_matching_rule_wins_and_all_its_reasons_are_given():
    text = """policy: p
rules:
  - match: {resource: volume}
    decision: allow
  - match: {kind: delete}
    decision: approval
    reason: deletions
  - match: {endpoint: [delete_volume, scale_service]}
    decision: approval
    reason: named
"""
    policy = policy_of(text, W)
    d = decide(W, policy, SessionState.root(policy), "delete_volume")
    assert d.effect is APPROVAL
    assert [r.text for r in d.reasons] == ["rule 2: deletions", "rule 3: named"]


def test_selectors_must_all_hold():
    text = "policy: p\nrules:\n  - match: {kind: write, resource: volume}\n    decision: deny\n"
    assert effect(text, [], "unmount_volume") is DENY
    assert effect(text, [], "scale_service") is ALLOW


def test_when_counts_calls_before_the_current_one():
    text = ("policy: p\nrules:\n  - match: {kind: write}\n"
            "    when: \"same_resource_reads >= 2 and actions > 3\"\n    decision: deny\n")
    reads = ["list_volumes", "get_volume"]
    assert effect(text, reads, "unmount_volume") is ALLOW  # actions == 2
    assert effect(text, [*reads, "list_services", "list_services"], "unmount_volume") is DENY
    # service reads do not count as reads of the volume resource
    assert effect(text, ["list_volumes", *["list_services"] * 4], "unmount_volume") is ALLOW


@pytest.mark.parametrize(("condition", "history", "expected"), [
    ("last == 'list_volumes'", ["list_volumes"], DENY),
    ("last == 'list_volumes'", ["list_volumes", "get_volume"], ALLOW),
    ("last == ''", [], DENY),
    ("same_endpoint >= 1", ["scale_service"], DENY),
    ("same_endpoint >= 1", ["unmount_volume"], ALLOW),
    ("writes == 1 and deletes == 0", ["unmount_volume"], DENY),
    ("not (reads < 2) or depth > 0", ["list_volumes"], ALLOW),
    ("1 < actions <= 2", ["list_volumes", "get_volume"], DENY),
    ("1 < actions <= 2", ["list_volumes", "get_volume", "get_volume"], ALLOW),
])
def test_when_names(condition, history, expected):
    text = f"policy: p\nrules:\n  - match: {{endpoint: scale_service}}\n    when: \"{condition}\"\n    decision: deny\n"
    assert effect(text, history, "scale_service") is expected


def test_critical_needs_approval_then_deny_once_used():
    text = "policy: p\ncritical: [delete_volume]\nbudget: {max_critical: 1}\n"
    assert effect(text, [], "delete_volume") is APPROVAL
    assert effect(text, ["delete_volume"], "delete_volume") is DENY
    assert effect("policy: p\ncritical: [delete_volume]\n", ["delete_volume"] * 3, "delete_volume") is APPROVAL


def test_budget_limits_and_read_only_mode():
    text = "policy: p\nbudget: {max_actions: 10, max_writes: 3, read_only_at: 0.8}\n"
    assert effect(text, ["list_volumes"] * 7, "scale_service") is ALLOW
    assert effect(text, ["list_volumes"] * 8, "scale_service") is DENY  # 8/10 >= 0.8: read-only
    assert effect(text, ["list_volumes"] * 8, "list_volumes") is ALLOW
    assert effect(text, ["list_volumes"] * 9, "list_volumes") is ALLOW
    assert effect(text, ["scale_service"] * 3, "list_volumes") is ALLOW  # 3/3 writes: read-only, reads ok
    assert effect(text, ["scale_service"] * 2, "scale_service") is ALLOW  # 2/3 < 0.8
    no_ratio = "policy: p\nbudget: {max_actions: 10, max_writes: 3}\n"
    assert effect(no_ratio, ["scale_service"] * 3, "scale_service") is DENY
    assert effect(no_ratio, ["list_volumes"] * 9, "scale_service") is ALLOW


def test_read_only_threshold_is_exact_not_floating_point():
    # 0.7 * 10 is 7.000000000000001 in floating point; 7 of 10 must still count as 70%
    text = "policy: p\nbudget: {max_actions: 10, read_only_at: 0.7}\n"
    assert effect(text, ["list_volumes"] * 7, "scale_service") is DENY
    assert effect(text, ["list_volumes"] * 6, "scale_service") is ALLOW


def test_session_closes_for_good_at_max_actions():
    text = "policy: p\nbudget: {max_actions: 3}\n"
    policy = policy_of(text, W)
    state = run_calls(policy, ["list_volumes"] * 3)
    assert state.closed
    d = decide(W, policy, state._replace(window_actions=0), "list_volumes")
    assert d.effect is DENY and d.reasons[0].layer == "closed"


def test_window_counts_drive_the_budget_and_session_counts_drive_when():
    text = "policy: p\nbudget: {max_writes: 1}\nrules:\n  - match: {kind: read}\n    when: \"writes >= 1\"\n    decision: approval\n"
    policy = policy_of(text, W)
    state = run_calls(policy, ["scale_service"])
    assert decide(W, policy, state, "scale_service").effect is DENY
    expired = state._replace(window_actions=0, window_writes=0)
    assert decide(W, policy, expired, "scale_service").effect is ALLOW
    assert decide(W, policy, expired, "list_volumes").effect is APPROVAL


def test_forbidden_pairs_and_windows():
    text = """policy: p
forbidden:
  - [list_volumes, unmount_volume]
  - {first: list_services, then: scale_service, within: 3, decision: approval}
"""
    assert effect(text, ["list_volumes"], "unmount_volume") is DENY
    assert effect(text, ["list_volumes", "get_volume"], "unmount_volume") is ALLOW
    assert effect(text, ["list_services", "get_volume", "get_volume"], "scale_service") is APPROVAL
    assert effect(text, ["list_services", "get_volume", "get_volume", "get_volume"], "scale_service") is ALLOW


def test_review_needs_approval_for_non_reads_only():
    assert effect("policy: p\n", [], "scale_service", review=True) is APPROVAL
    assert effect("policy: p\n", [], "list_volumes", review=True) is ALLOW


def test_effect_order_across_layers():
    text = """policy: p
rules:
  - match: {endpoint: unmount_volume}
    decision: approval
forbidden:
  - [list_volumes, unmount_volume]
"""
    policy = policy_of(text, W)
    d = decide(W, policy, run_calls(policy, ["list_volumes"]), "unmount_volume")
    assert d.effect is DENY
    assert [r.layer for r in d.reasons] == ["forbidden"]


def test_unknown_call_is_denied():
    policy = policy_of("policy: p\n", W)
    d = decide(W, policy, SessionState.root(policy), "drop_database")
    assert d.effect is DENY and "unknown endpoint" in d.reasons[0].text


def test_state_keeps_only_what_the_policy_observes():
    plain = policy_of("policy: p\n", W)
    assert SessionState.root(plain).resource_reads == ()
    assert SessionState.root(plain).endpoint_calls == ()
    assert run_calls(plain, ["list_volumes"] * 5).recent == ()
    watching = policy_of("policy: p\nrules:\n  - match: {}\n    when: \"same_endpoint > 0\"\n    decision: deny\n", W)
    assert len(SessionState.root(watching).endpoint_calls) == len(W.endpoints)
