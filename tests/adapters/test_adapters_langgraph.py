"""The LangGraph adapter: every tool call of a ToolNode is checked, run only when allowed,
recorded after; the runnable example (scripted model, no network) replays the incident."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from pathguard.adapters.langgraph import GuardedToolCalls, guarded_tool_node
from pathguard.runtime import Guard, GuardedSession

REPO = Path(__file__).resolve().parent.parent.parent
ENDPOINTS = REPO / "tests" / "runtime" / "data" / "endpoints.yaml"
POLICY = """\
policy: adapter
default: allow
rules:
  - match: {endpoint: send_invoice}
    decision: approval
    reason: Billing mail is sent by people
forbidden:
  - [list_volumes, unmount_volume]
"""

RAN: list[tuple[str, dict[str, Any]]] = []


@tool
def list_volumes() -> str:
    """List the volumes."""
    RAN.append(("list_volumes", {}))
    return "vol-1"


@tool
def unmount_volume(volume_id: str) -> str:
    """Unmount a volume."""
    RAN.append(("unmount_volume", {"volume_id": volume_id}))
    return f"{volume_id} unmounted"


@tool
def invoice(customer: str) -> str:
    """Mail the invoice."""
    RAN.append(("invoice", {"customer": customer}))
    return "sent"


@tool
def scale(service_id: str) -> str:
    """Scale a service (always fails here)."""
    RAN.append(("scale", {"service_id": service_id}))
    raise ValueError("no such service")


TOOLS = [list_volumes, unmount_volume, invoice, scale]
NAMES = {"invoice": "send_invoice", "scale": "scale_service"}


@pytest.fixture
def session(tmp_path: Path) -> Any:
    RAN.clear()
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY)
    guard = Guard.load(ENDPOINTS, policy, store="memory")
    with guard.session(agent="graph-agent", intent="maintenance") as opened:
        yield opened
    guard.close()


class Step:
    """A one-node graph around a tool node: `run(*calls)` feeds one model turn with those tool
    calls (ToolNode needs a graph runtime) and returns the tool messages."""

    def __init__(self, node: ToolNode) -> None:
        graph = StateGraph(MessagesState)
        graph.add_node("tools", node)
        graph.add_edge(START, "tools")
        graph.add_edge("tools", END)
        self.graph = graph.compile()

    @staticmethod
    def turn(calls: tuple[tuple[str, dict[str, Any]], ...]) -> dict[str, Any]:
        return {"messages": [AIMessage(content="", tool_calls=[
            {"name": name, "args": args, "id": f"c{i}"} for i, (name, args) in enumerate(calls)])]}

    def run(self, *calls: tuple[str, dict[str, Any]]) -> list[ToolMessage]:
        return [m for m in self.graph.invoke(self.turn(calls))["messages"] if isinstance(m, ToolMessage)]

    async def arun(self, *calls: tuple[str, dict[str, Any]]) -> list[ToolMessage]:
        state = await self.graph.ainvoke(self.turn(calls))
        return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def actions(session: GuardedSession) -> list[tuple[str, str, str | None]]:
    trace = session.guard.store.session(session.session_id)
    assert trace is not None
    return [(a.endpoint, a.effect, a.result) for a in trace.actions]


def test_a_denied_call_does_not_run_and_the_model_reads_why(session: GuardedSession) -> None:
    node = Step(guarded_tool_node(TOOLS, session, endpoints=NAMES))
    first = node.run(("list_volumes", {}))
    second = node.run(("unmount_volume", {"volume_id": "vol-1"}))
    assert first[0].content == "vol-1" and first[0].status == "success"
    (denied,) = second
    assert isinstance(denied, ToolMessage) and denied.status == "error"
    assert "pathguard denied `unmount_volume`: the tool did not run" in denied.content
    assert "forbidden: list_volumes -> unmount_volume" in denied.content
    assert denied.artifact["io.pathguard/decision"]["effect"] == "deny"
    assert RAN == [("list_volumes", {})]
    assert actions(session) == [("list_volumes", "allow", "success"), ("unmount_volume", "deny", None)]


def test_an_approval_names_the_request_and_the_tool_waits(session: GuardedSession) -> None:
    node = Step(guarded_tool_node(TOOLS, session, endpoints=NAMES))
    (message,) = node.run(("invoice", {"customer": "acme"}))
    assert message.status == "error" and "`invoice` needs an approval; the tool did not run" in message.content
    number = message.artifact["io.pathguard/decision"]["approval_id"]
    assert f"Request #{number} is open" in message.content
    assert RAN == [] and actions(session) == [("send_invoice", "approval", None)]


def test_parallel_calls_are_each_checked_and_a_failing_tool_is_recorded(session: GuardedSession) -> None:
    node = Step(guarded_tool_node(TOOLS, session, endpoints=NAMES, handle_tool_errors=True))
    out = node.run(("scale", {"service_id": "svc-9"}), ("list_volumes", {}),
                   ("unmount_volume", {"volume_id": "vol-1"}))
    assert [m.status for m in out[:2]] == ["error", "success"]
    assert "no such service" in out[0].content
    recorded = {endpoint: (effect, result) for endpoint, effect, result in actions(session)}
    assert recorded["scale_service"][0] == "allow" and recorded["scale_service"][1].startswith("error")
    assert recorded["list_volumes"] == ("allow", "success")
    assert len(actions(session)) == 3


def test_a_tool_exception_is_recorded_and_still_raised(session: GuardedSession) -> None:
    node = Step(guarded_tool_node(TOOLS, session, endpoints=NAMES))   # ToolNode re-raises by default
    with pytest.raises(ValueError, match="no such service"):
        node.run(("scale", {"service_id": "svc-9"}))
    assert actions(session) == [("scale_service", "allow", "error: ValueError: no such service")]


def test_the_async_path_checks_too(session: GuardedSession) -> None:
    node = Step(guarded_tool_node(TOOLS, session, endpoints=NAMES))

    async def go() -> list[ToolMessage]:
        await node.arun(("list_volumes", {}))
        return await node.arun(("unmount_volume", {"volume_id": "vol-1"}))

    (denied,) = anyio.run(go)
    assert denied.status == "error" and RAN == [("list_volumes", {})]


def test_the_session_can_be_chosen_per_call(session: GuardedSession) -> None:
    other = session.guard.session(agent="other-agent", intent="maintenance")
    chosen = {"c0": other}
    wrapper = GuardedToolCalls(lambda request: chosen.get(request.tool_call["id"], session), NAMES)
    node = Step(ToolNode(TOOLS, wrap_tool_call=wrapper))
    out = node.run(("list_volumes", {}), ("unmount_volume", {"volume_id": "vol-1"}))
    assert [m.status for m in out] == ["success", "success"]   # two sessions: no forbidden pair
    assert actions(other) == [("list_volumes", "allow", "success")]
    assert actions(session) == [("unmount_volume", "allow", "success")]
    other.close()


def test_the_example_runs_and_the_volume_survives() -> None:
    done = subprocess.run([sys.executable, str(REPO / "examples" / "langgraph" / "guarded_agent.py")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[unmount_volume] ERROR pathguard denied `unmount_volume`" in out
    assert "[delete_volume] ERROR pathguard: `delete_volume` needs an approval" in out
    assert "4. unmount_volume {'volume_id': 'vol-7'} -> allow (success)" in out
    assert "5. delete_volume {'volume_id': 'vol-7'} -> approval" in out
    assert out.rstrip().endswith("vol-7: mounted=False deleted=False backups=['vol-7']")
