"""A LangGraph agent whose tool calls go through pathguard, replaying the Railway incident.

    python examples/langgraph/guarded_agent.py [--store URL]

The model is scripted (LangChain's fake chat model, no network): it makes the
calls the agent of the incident made, against a pretend Railway project kept
in memory. The graph is the usual agent loop (model -> tools -> model), with
`guarded_tool_node` in place of `ToolNode`, under the post-incident policy
(examples/langgraph/policy.yaml on models/railway/endpoints.yaml). What the
model reads back after each call is printed, then the session's trace:

- `unmount_volume` straight after `list_volumes` is a forbidden sequence: denied;
- after a backup, the unmount runs;
- `delete_volume` is a critical deletion: it waits for a person's approval
  (`pathguard approvals approve N ...`), and the volume is still there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import tools_condition

from pathguard.adapters.langgraph import guarded_tool_node
from pathguard.runtime import Guard

HERE = Path(__file__).resolve().parent
ENDPOINTS = HERE.parent.parent / "models" / "railway" / "endpoints.yaml"

#: The pretend project: one production Postgres volume, mounted, no backup.
PROJECT: dict[str, Any] = {"vol-7": {"name": "pg-data", "mounted": True, "deleted": False}, "backups": []}


@tool
def list_volumes() -> str:
    """List the volumes of the project."""
    return ", ".join(f"{vid} ({v['name']})" for vid, v in PROJECT.items() if vid.startswith("vol-"))


@tool
def create_backup(volume_id: str) -> str:
    """Take a backup of a volume now."""
    PROJECT["backups"].append(volume_id)
    return f"backup of {volume_id} taken"


@tool
def unmount_volume(volume_id: str) -> str:
    """Detach a volume from the service that mounts it."""
    PROJECT[volume_id]["mounted"] = False
    return f"{volume_id} unmounted"


@tool
def delete_volume(volume_id: str) -> str:
    """Delete a volume and all the data on it, permanently."""
    PROJECT[volume_id]["deleted"] = True
    return f"{volume_id} deleted"


def call(name: str, n: int, **args: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call-{n}"}])


#: What the model says, turn by turn (it does not read the answers: it is a script).
SCRIPT = [
    call("list_volumes", 1),
    call("unmount_volume", 2, volume_id="vol-7"),
    call("create_backup", 3, volume_id="vol-7"),
    call("unmount_volume", 4, volume_id="vol-7"),
    call("delete_volume", 5, volume_id="vol-7"),
    AIMessage(content="vol-7 is backed up and unmounted; its deletion waits for a person's approval."),
]


def build_graph(session: Any) -> Any:
    model = GenericFakeChatModel(messages=iter(SCRIPT))

    def agent(state: MessagesState) -> dict[str, list[AnyMessage]]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", guarded_tool_node([list_volumes, create_backup, unmount_volume, delete_volume],
                                              session))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    graph.add_edge("agent", END)
    return graph.compile()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", default="memory", help="trace store URL (default: memory)")
    args = parser.parse_args(argv)
    guard = Guard.load(ENDPOINTS, HERE / "policy.yaml", store=args.store)
    with guard.session(agent="ops-agent", intent="free disk space on the production database") as session:
        state = build_graph(session).invoke(
            {"messages": [HumanMessage("The production database is low on disk. Clean up.")]})
    for message in state["messages"]:
        if isinstance(message, ToolMessage):
            print(f"[{message.name}] {'ERROR ' if message.status == 'error' else ''}{message.content}")
        elif isinstance(message, AIMessage) and message.content:
            print(f"[model] {message.content}")
    trace = guard.store.session(session.session_id)
    assert trace is not None
    print(f"\ntrace of session {session.session_id} ({trace.session.final_state}):")
    for action in trace.actions:
        print(f"  {action.seq}. {action.endpoint} {action.params} -> {action.effect}"
              + (f" ({action.result})" if action.result else "")
              + (f" [approval #{action.approval_id}]" if action.approval_id else ""))
    print(f"\nvol-7: mounted={PROJECT['vol-7']['mounted']} deleted={PROJECT['vol-7']['deleted']} "
          f"backups={PROJECT['backups']}")
    guard.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
