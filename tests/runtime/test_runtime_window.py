"""Budgets over a real sliding window, against a brute-force oracle of SPEC §3 layer 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pathguard.runtime import Guard
from pathguard.runtime.clock import ManualClock
from pathguard.semantics.effect import Effect

BUDGET = (Path(__file__).resolve().parent / "data" / "window-policy.yaml").read_text(encoding="utf-8")
NAMES = ["list_volumes", "get_volume", "snapshot_volume", "scale_service", "list_services"]
WRITES = {"snapshot_volume", "scale_service"}


def oracle(executed: list[tuple[float, str]], now: float, call: str, closed: bool) -> Effect:
    """Layer 2 written out directly: counts of executed calls with ts > now - 60."""
    inside = [name for ts, name in executed if ts > now - 60]
    actions, writes = len(inside), sum(name in WRITES for name in inside)
    if closed or actions >= 6:
        return Effect.DENY
    max_writes_hit = writes >= 3
    read_only = actions >= 4.8 or writes >= 2.4  # 80% of 6 actions, of 3 writes
    if call in WRITES and (max_writes_hit or read_only):
        return Effect.DENY
    return Effect.ALLOW


@given(st.lists(st.tuples(st.sampled_from([0, 1, 5, 20, 59, 60, 61]), st.sampled_from(NAMES)), max_size=40))
def test_window_matches_the_oracle(steps: list[tuple[int, str]]) -> None:
    clock = ManualClock()
    data = Path(__file__).resolve().parent / "data"
    guard = Guard.load(data / "endpoints.yaml", data / "window-policy.yaml", clock=clock)
    s = guard.session(agent="ops", intent="")
    executed: list[tuple[float, str]] = []
    closed = False
    for dt, call in steps:
        clock.advance(dt)
        expected = oracle(executed, clock.now, call, closed)
        assert s.check(call, {}).effect is expected
        if expected is Effect.ALLOW:
            executed.append((clock.now, call))
            closed = closed or sum(ts > clock.now - 60 for ts, _ in executed) >= 6
    assert s.state.closed is closed


def test_budget_closes_for_good_and_flags_review(make_guard: Callable[..., Guard],
                                                write_policy: Callable[[str], Path]) -> None:
    clock = ManualClock()
    guard = make_guard(policy=write_policy(BUDGET), clock=clock, embedder=None)
    with guard.session(agent="ops", intent="") as s:
        effects = [s.check("get_volume", {"volume_id": str(i)}).effect for i in range(7)]
        assert effects == [Effect.ALLOW] * 6 + [Effect.DENY]
        clock.advance(3600)  # the window empties, the session stays closed
        late = s.check("get_volume", {})
        assert late.effect is Effect.DENY and late.texts == [
            "closed: the session is closed (its budget ran out, or it was ended)"]
    trace = guard.store.session(s.session_id)
    assert trace is not None and trace.session.final_state == "blocked"
    assert [a.kind for a in trace.alerts] == ["review"]
    assert "flagged for review" in trace.alerts[0].text


def test_read_only_mode_then_writes_come_back(make_guard: Callable[..., Guard],
                                              write_policy: Callable[[str], Path]) -> None:
    clock = ManualClock()
    guard = make_guard(policy=write_policy(BUDGET), clock=clock, embedder=None)
    s = guard.session(agent="ops", intent="")
    for _ in range(3):
        assert s.check("snapshot_volume", {}).allowed
        clock.advance(10)
    blocked = s.check("scale_service", {})
    assert blocked.effect is Effect.DENY and any(t.startswith("budget: 3 of 3 writes") for t in blocked.texts)
    assert s.check("list_volumes", {}).allowed  # reads still run in read-only mode
    clock.advance(31)  # the first write (t=0) leaves the 60 s window
    assert s.state.window_writes == 3
    assert s.check("scale_service", {}).allowed
    assert (s.state.window_actions, s.state.window_writes, s.state.actions) == (4, 3, 5)
