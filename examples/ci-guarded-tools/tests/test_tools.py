"""The tools' tests: the guard wraps every tool, the policy keeps data safe and only gets stricter."""

from __future__ import annotations

import pytest
import tools
from hypothesis import strategies as st

from pathguard.runtime import ApprovalRequired, Denied
from pathguard.testing import assert_no_hazard, assert_policy_not_weaker, fuzz_tools

TOOLS = {"list_volumes": tools.list_volumes, "snapshot_volume": tools.snapshot_volume,
         "detach_volume": tools.detach_volume, "delete_volume": tools.delete_volume}


class FakeVolumes:
    """An in-memory stand-in for the real API client."""

    def __init__(self) -> None:
        self.volumes = {"vol-1": "attached", "vol-2": "attached"}
        self.calls: list[str] = []

    def list(self) -> list[str]:
        self.calls.append("list")
        return sorted(self.volumes)

    def snapshot(self, volume_id: str) -> str:
        self.calls.append(f"snapshot {volume_id}")
        return f"snap-{volume_id}"

    def detach(self, volume_id: str) -> None:
        self.calls.append(f"detach {volume_id}")
        self.volumes[volume_id] = "detached"

    def delete(self, volume_id: str) -> None:
        self.calls.append(f"delete {volume_id}")
        if self.volumes.get(volume_id) != "detached":
            raise ValueError(f"{volume_id} is still attached")
        del self.volumes[volume_id]


def test_no_tool_runs_unless_the_guard_lets_it(pathguard_isolate) -> None:
    env = pathguard_isolate(tools.GUARD)
    fuzz_tools(env, TOOLS, args={"volume_id": st.sampled_from(["vol-1", "vol-2"])},
               setup=lambda: tools.configure(FakeVolumes()), examples=40)


def test_a_deletion_waits_for_oncall(pathguard_isolate) -> None:
    env = pathguard_isolate(tools.GUARD)
    fake = FakeVolumes()
    tools.configure(fake)
    with tools.GUARD.session(agent="ops-agent", intent="clean up a volume") as session:
        tools.snapshot_volume("vol-1")
        tools.detach_volume("vol-1")
        with pytest.raises(ApprovalRequired) as held:
            tools.delete_volume("vol-1")
        assert "delete vol-1" not in fake.calls
        env.approve(held.value.approval_id)
        tools.delete_volume("vol-1")
        assert fake.calls[-1] == "delete vol-1"
        with pytest.raises(Denied):  # one critical call per window
            tools.delete_volume("vol-2")
    assert [row.endpoint for row in env.trace(session.session_id).actions][-1] == "delete_volume"


def test_the_volume_is_never_lost_without_approval() -> None:
    assert_no_hazard(tools.HERE / "endpoints.yaml", tools.HERE / "policy.yaml")


def test_this_policy_is_no_weaker_than_the_last_one() -> None:
    assert_policy_not_weaker(tools.HERE / "endpoints.yaml", old=tools.HERE / "policy-v1.yaml",
                             new=tools.HERE / "policy.yaml")


def test_the_fixture_loads_the_configured_files(pathguard_guard) -> None:
    assert pathguard_guard.guard.policy.name == "volumes-v2"
    with pathguard_guard.guard.session(agent="ops-agent") as session:
        assert session.check("list_volumes").allowed
        assert not session.check("detach_volume", {"volume_id": "vol-1"}).allowed  # right after a listing
