"""The one-line assertions and the strategies of `pathguard.testing`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathguard.fuzz.ops import Op
from pathguard.semantics.params import checked_params
from pathguard.testing import assert_no_hazard, assert_operations_hold, calls, policies, sessions, worlds

RAILWAY = Path(__file__).resolve().parent.parent.parent / "models" / "railway"
ENDPOINTS, PRE, POST = RAILWAY / "endpoints.yaml", RAILWAY / "policy-pre-incident.yaml", \
    RAILWAY / "policy-post-incident.yaml"


def test_assert_no_hazard_passes_a_proved_hazard_and_fails_a_reachable_one() -> None:
    assert_no_hazard(ENDPOINTS, PRE, hazards=["secrets_lockout", "service_lost"])
    with pytest.raises(AssertionError, match=r"hazard `data_loss` is reachable in 2 call\(s\)") as failed:
        assert_no_hazard(ENDPOINTS, PRE, hazards=["data_loss"])
    assert "unmount_volume" in str(failed.value) and "every verdict assumes" in str(failed.value)


def test_assert_no_hazard_does_not_take_unknown_for_safe() -> None:
    with pytest.raises(AssertionError, match="not proved safe"):
        assert_no_hazard(ENDPOINTS, PRE, hazards=["data_loss"], bound=1)  # reachable in 2: unknown at 1


def test_assert_no_hazard_names_an_unknown_hazard() -> None:
    with pytest.raises(AssertionError, match="no hazard `data_lost`"):
        assert_no_hazard(ENDPOINTS, POST, hazards=["data_lost"])


def test_assert_operations_hold_runs_a_real_guard() -> None:
    ops = [Op("call", endpoint="list_volumes"), Op("spawn", budget=2), Op("call", who=1, endpoint="unmount_volume"),
           Op("call", endpoint="delete_volume"), Op("grant"), Op("retry"), Op("wait", seconds=1801.0),
           Op("close", who=1), Op("call", who=1, endpoint="get_project")]
    assert_operations_hold(ENDPOINTS, POST, ops)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_strategies_draw_valid_inputs(data: st.DataObject) -> None:
    world = data.draw(worlds())
    policy = data.draw(policies(world))
    call = data.draw(calls(world))
    assert call.endpoint in world.names and checked_params(call.params) == call.params
    state = data.draw(sessions(policy))
    assert state.actions >= state.window_actions >= 0
