"""LangGraph: every tool call of a `ToolNode` goes through a Guard session
(`pip install pathguard[langgraph]`).

    from pathguard.adapters.langgraph import guarded_tool_node

    with guard.session(agent="ops-agent", intent="clean up orphaned volumes") as session:
        tools = guarded_tool_node([list_volumes, delete_volume], session)
        graph.add_node("tools", tools)          # instead of ToolNode([...])

Why LangGraph's tool node: its `wrap_tool_call` hook sees the call (name,
arguments, id) before the tool runs, may answer instead of running it, and
sees the outcome after, all in one function, which is exactly check, run,
record. A refusal is a `ToolMessage` with `status="error"` and the reasons in
plain words, so the model reads why and can adapt; the decision is in the
message's `artifact` for code. (The OpenAI Agents SDK's tool guardrails split
before and after into two hooks with nothing to carry the decision between
them, and cover function tools only.)

Each call is checked with its arguments as the parameters; `endpoints` maps a
tool name to its endpoint where they differ. Parallel tool calls of one step
are checked one at a time (a lock), as a session's decisions must be.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import ToolMessage
from langgraph.prebuilt import ToolNode
from langgraph.prebuilt.tool_node import ToolCallRequest

from pathguard.adapters.words import DECISION_KEY, decision_data, denied_text, waiting_text
from pathguard.runtime import Checked, GuardedSession
from pathguard.semantics.effect import Effect

NOT_RUN = "the tool did not run"
SessionFor = GuardedSession | Callable[[ToolCallRequest], GuardedSession]
Outcome = Any  # ToolMessage | Command


class GuardedToolCalls:
    """A `wrap_tool_call` / `awrap_tool_call` pair for `ToolNode`: check, run if allowed, record.

    `session` is one GuardedSession, or a function picking it per call (for a graph
    serving several conversations, e.g. from `request.runtime.context`)."""

    def __init__(self, session: SessionFor, endpoints: Mapping[str, str] | None = None) -> None:
        self.session_for = session
        self.endpoints = dict(endpoints or {})
        self.lock = threading.Lock()

    def _session(self, request: ToolCallRequest) -> GuardedSession:
        chosen = self.session_for
        return chosen if isinstance(chosen, GuardedSession) else chosen(request)

    def _check(self, request: ToolCallRequest) -> tuple[GuardedSession, Checked]:
        call = request.tool_call
        session = self._session(request)
        args = call.get("args") or {}
        with self.lock:
            return session, session.check(self.endpoints.get(call["name"], call["name"]), dict(args))

    def _refusal(self, request: ToolCallRequest, checked: Checked) -> ToolMessage:
        call = request.tool_call
        name = call["name"]
        body = (waiting_text(name, checked, None, NOT_RUN) if checked.effect is Effect.APPROVAL
                else denied_text(name, checked, None, NOT_RUN))
        return ToolMessage(content=body, name=name, tool_call_id=call["id"], status="error",
                           artifact={DECISION_KEY: decision_data(checked)})

    def _record(self, session: GuardedSession, checked: Checked, outcome: Outcome | None,
                error: BaseException | None, start: float) -> None:
        latency = (time.perf_counter() - start) * 1000
        if error is not None:
            result = f"error: {type(error).__name__}: {error}"
        elif isinstance(outcome, ToolMessage) and outcome.status == "error":
            result = "error: " + " ".join(str(outcome.content).split())[:200]
        else:
            result = "success"
        with self.lock:
            session.record(checked, result, latency)

    def __call__(self, request: ToolCallRequest, execute: Callable[[ToolCallRequest], Outcome]) -> Outcome:
        session, checked = self._check(request)
        if not checked.allowed:
            return self._refusal(request, checked)
        start = time.perf_counter()
        try:
            outcome = execute(request)
        except BaseException as exc:
            self._record(session, checked, None, exc, start)
            raise
        self._record(session, checked, outcome, None, start)
        return outcome

    async def awrap(self, request: ToolCallRequest,
                    execute: Callable[[ToolCallRequest], Awaitable[Outcome]]) -> Outcome:
        """The same for a graph run with `ainvoke`/`astream` (decisions are local and quick)."""
        session, checked = self._check(request)
        if not checked.allowed:
            return self._refusal(request, checked)
        start = time.perf_counter()
        try:
            outcome = await execute(request)
        except BaseException as exc:
            self._record(session, checked, None, exc, start)
            raise
        self._record(session, checked, outcome, None, start)
        return outcome


def guarded_tool_node(tools: Sequence[Any], session: SessionFor, *,
                      endpoints: Mapping[str, str] | None = None, **options: Any) -> ToolNode:
    """A `ToolNode` over `tools` whose every call is decided by `session` first; `options` go to
    `ToolNode` (name, handle_tool_errors, ...)."""
    wrapper = GuardedToolCalls(session, endpoints)
    return ToolNode(tools, wrap_tool_call=wrapper, awrap_tool_call=wrapper.awrap, **options)
