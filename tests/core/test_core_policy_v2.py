"""SPEC v2 §2 in the policy: bounds on every number, `approvals`, and selectors that select
nothing (warnings). Each rejected value must name file, line and field and carry a hint."""

from __future__ import annotations

import pytest
from corekit import OPS, policy_of, world_of
from hypothesis import given
from hypothesis import strategies as st

from pathguard.errors import InputError, Problem

BASE = """\
policy: p
rules:
  - match: {kind: delete}
    decision: approval
budget:
  window_minutes: 30
  max_actions: 20
  max_writes: 5
  max_critical: 1
  read_only_at: 0.8
forbidden:
  - {first: list_volumes, then: unmount_volume, within: 3}
subagents:
  max_budget: 5
intent:
  threshold: 0.55
  decay: 0.8
"""


def rejected(text: str) -> list[Problem]:
    with pytest.raises(InputError) as err:
        policy_of(text, world_of())
    return err.value.problems


BAD_VALUES = [
    # (replace, with, line, field)
    ("window_minutes: 30", "window_minutes: 0", 6, "budget.window_minutes"),
    ("window_minutes: 30", "window_minutes: -5", 6, "budget.window_minutes"),
    ("window_minutes: 30", "window_minutes: .nan", 6, "budget.window_minutes"),
    ("window_minutes: 30", "window_minutes: .inf", 6, "budget.window_minutes"),
    ("window_minutes: 30", "window_minutes: 1e-9", 6, "budget.window_minutes"),
    ("window_minutes: 30", "window_minutes: 0.01", 6, "budget.window_minutes"),  # 0.6 s
    ("window_minutes: 30", "window_minutes: 1e300", 6, "budget.window_minutes"),
    ("window_minutes: 30", "window_minutes: thirty", 6, "budget.window_minutes"),
    ("window_minutes: 30", "window_minutes: true", 6, "budget.window_minutes"),
    ("max_actions: 20", "max_actions: -1", 7, "budget.max_actions"),
    ("max_actions: 20", "max_actions: 2.5", 7, "budget.max_actions"),
    ("max_actions: 20", "max_actions: 1000000001", 7, "budget.max_actions"),
    ("max_writes: 5", "max_writes: 99999999999999999999999", 8, "budget.max_writes"),
    ("max_critical: 1", "max_critical: .inf", 9, "budget.max_critical"),
    ("read_only_at: 0.8", "read_only_at: 0", 10, "budget.read_only_at"),
    ("read_only_at: 0.8", "read_only_at: 1.5", 10, "budget.read_only_at"),
    ("read_only_at: 0.8", "read_only_at: .inf", 10, "budget.read_only_at"),
    ("read_only_at: 0.8", "read_only_at: -0.1", 10, "budget.read_only_at"),
    ("within: 3}", "within: 0}", 12, "forbidden[0].within"),
    ("within: 3}", "within: 1001}", 12, "forbidden[0].within"),
    ("within: 3}", "within: 1000000}", 12, "forbidden[0].within"),
    ("max_budget: 5", "max_budget: -1", 14, "subagents.max_budget"),
    ("max_budget: 5", "max_budget: 10000000000", 14, "subagents.max_budget"),
    ("threshold: 0.55", "threshold: 1.5", 16, "intent.threshold"),
    ("threshold: 0.55", "threshold: .nan", 16, "intent.threshold"),
    ("decay: 0.8", "decay: 0", 17, "intent.decay"),
    ("decay: 0.8", "decay: 1.01", 17, "intent.decay"),
]


@pytest.mark.parametrize(("old", "new", "line", "field"), BAD_VALUES)
def test_out_of_range_numbers_are_located_with_a_hint(old: str, new: str, line: int, field: str) -> None:
    assert old in BASE
    [problem] = rejected(BASE.replace(old, new))
    assert (problem.file, problem.line, problem.field) == ("policy.yaml", line, field)
    assert problem.message.startswith("must be"), problem.message
    assert problem.hint, problem


def test_a_window_below_one_second_says_why() -> None:
    [problem] = rejected(BASE.replace("window_minutes: 30", "window_minutes: 1e-9"))
    assert "one second" in problem.message and "switches the budget off" in (problem.hint or "")


@pytest.mark.parametrize(("old", "new"), [
    ("window_minutes: 30", "window_minutes: 0.0167"), ("window_minutes: 30", "window_minutes: 5256000"),
    ("max_actions: 20", "max_actions: 0"), ("max_actions: 20", "max_actions: 1000000000"),
    ("read_only_at: 0.8", "read_only_at: 1"), ("within: 3}", "within: 1000}"),
    ("threshold: 0.55", "threshold: 0"), ("decay: 0.8", "decay: 1"),
])
def test_the_bounds_themselves_are_accepted(old: str, new: str) -> None:
    policy_of(BASE.replace(old, new), world_of())


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_window_minutes_accepts_exactly_the_finite_numbers_from_one_second_to_ten_years(value: float) -> None:
    text = BASE.replace("window_minutes: 30", f"window_minutes: {value!r}".replace("nan", ".nan")
                        .replace("inf", ".inf"))
    ok = 1 / 60 <= value <= 10 * 365 * 24 * 60  # independent statement of the rule (False for nan)
    if ok:
        assert policy_of(text, world_of()).window_seconds == pytest.approx(value * 60)
    else:
        [problem] = rejected(text)
        assert problem.field == "budget.window_minutes"


def test_approvals_compile() -> None:
    policy = policy_of(BASE + "approvals:\n  approvers: [alice, security-team]\n  expire_minutes: 5\n",
                       world_of())
    assert policy.approvers == ("alice", "security-team")
    assert policy.approval_expire_seconds == 300
    default = policy_of(BASE + "approvals: {approvers: [alice]}\n", world_of())
    assert default.approval_expire_seconds == 900
    assert policy_of(BASE, world_of()).approvers is None


@pytest.mark.parametrize(("section", "line", "fragment"), [
    ("approvals: {approvers: []}", 18, "approvals.approvers"),
    ("approvals: {approvers: [alice], expire_minutes: 0}", 18, "approvals.expire_minutes"),
    ("approvals: {approvers: [alice], expire_minutes: .inf}", 18, "approvals.expire_minutes"),
    ("approvals:\n  approvers: [alice, bob, ALICE]", 19, "approvals.approvers[2]"),
    ("approvals:\n  approvers: [ｂｏｂ, bob]", 19, "approvals.approvers[1]"),
    ("approvals:\n  approvers: [alice, '  ']", 19, "approvals.approvers[1]"),
    ("approvals: {approvers: [alice], who: bob}", 18, "approvals.who"),
])
def test_bad_approvals_are_located(section: str, line: int, fragment: str) -> None:
    problems = rejected(BASE + section + "\n")
    assert any(p.line == line and p.field == fragment for p in problems), problems


def test_same_approver_spelt_twice_is_refused() -> None:
    [problem] = rejected(BASE + "approvals:\n  approvers: [ｂｏｂ, Bob]\n")
    assert "same approver as entry 1" in problem.message


SELECTORS = [
    # (match, field, fragment of the warning)
    ("{resource: volumes}", "rules[0].match.resource", "no endpoint has resource `volumes`: the rule selects nothing"),
    ("{resource: [volume, buckett]}", "rules[0].match.resource", "this value selects nothing"),
    ("{kind: read, endpoint: delete_volume}", "rules[0].match",
     "no endpoint has all of `endpoint: delete_volume, kind: read`"),
    ("{kind: write, resource: service, endpoint: [unmount_volume]}", "rules[0].match", "selects nothing"),
]


@pytest.mark.parametrize(("match", "field", "fragment"), SELECTORS)
def test_selectors_that_select_nothing_are_warnings(match: str, field: str, fragment: str) -> None:
    policy = policy_of(BASE.replace("{kind: delete}", match), world_of())
    [warning] = policy.warnings
    assert (warning.severity, warning.line, warning.field) == ("warning", 3, field)
    assert fragment in warning.message


def test_a_kind_no_endpoint_has_is_a_warning() -> None:
    world = world_of(OPS.replace("kind: delete", "kind: write"))
    [warning] = policy_of(BASE.replace("forbidden:\n  - {first: list_volumes, then: unmount_volume, "
                                       "within: 3}\n", ""), world).warnings
    assert "no endpoint has kind `delete`" in warning.message
    assert "kinds of `ops`: read, write" in (warning.hint or "")


def test_selectors_that_select_something_warn_nothing() -> None:
    for match in ("{}", "{kind: [delete, read]}", "{resource: service}", "{endpoint: delete_volume, kind: delete}"):
        assert policy_of(BASE.replace("{kind: delete}", match), world_of()).warnings == ()
