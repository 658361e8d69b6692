"""`fuzz_tools` catches a tool that runs when the guard says no, and passes honest tools."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from hypothesis import strategies as st

from pathguard.runtime import ApprovalRequired, Denied
from pathguard.testing import fuzz_tools, load_guard

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "ci-guarded-tools"
IDS = {"volume_id": st.sampled_from(["vol-1", "vol-2"])}


def env_and_tools():  # type: ignore[no-untyped-def]
    env = load_guard(EXAMPLE / "endpoints.yaml", EXAMPLE / "policy.yaml")
    ran: list[str] = []

    @env.guard.tool("list_volumes")
    def list_volumes() -> list[str]:
        ran.append("list")
        return ["vol-1"]

    @env.guard.tool("delete_volume")
    def delete_volume(volume_id: str) -> None:
        ran.append(f"delete {volume_id}")

    return env, list_volumes, delete_volume, ran


def test_honest_tools_pass() -> None:
    env, list_volumes, delete_volume, ran = env_and_tools()
    fuzz_tools(env, {"list_volumes": list_volumes, "delete_volume": delete_volume}, args=IDS, examples=30)
    assert any(r.startswith("delete") for r in ran)  # grants were given and used


def test_a_tool_that_runs_its_body_when_held_is_caught() -> None:
    env, list_volumes, delete_volume, _ = env_and_tools()

    def sloppy_delete(volume_id: str) -> None:
        try:
            delete_volume(volume_id)
        except (Denied, ApprovalRequired):
            inspect.unwrap(delete_volume)(volume_id)  # "the agent knows best"

    with pytest.raises(AssertionError, match="ran, but the semantics says"):
        fuzz_tools(env, {"list_volumes": list_volumes, "delete_volume": sloppy_delete}, args=IDS, examples=30)


def test_a_tool_missing_from_the_trace_is_caught() -> None:
    env, list_volumes, _, _ = env_and_tools()

    def snapshot_volume(volume_id: str) -> str:  # not wrapped: nothing reaches the trace
        return volume_id

    with pytest.raises(AssertionError, match="does not show it"):
        fuzz_tools(env, {"list_volumes": list_volumes, "snapshot_volume": snapshot_volume}, args=IDS,
                   examples=30)


def test_a_parameter_without_strategy_or_type_is_a_clear_error() -> None:
    env, _, _, _ = env_and_tools()

    def untyped(volume_id):  # type: ignore[no-untyped-def]
        return volume_id

    with pytest.raises(TypeError, match="give a strategy for parameter `volume_id`"):
        fuzz_tools(env, {"delete_volume": untyped})
