"""The gate: every `tools/call` of every client session goes through its Guard session.

One `Conversation` per MCP client session holds its pathguard session, opened
on the first call once the intent is known (`--intent`, or the
`declare_intent` tool when the policy has an intent layer). A call is checked
with its arguments as parameters; only an allowed call reaches the upstream,
and its outcome and latency are recorded on its trace row. Guard calls are
never concurrent: on a local store (memory, SQLite: tens of microseconds) they
run on the event loop itself; with `offload` (PostgreSQL: a network round trip)
on one worker thread at a time, so the loop keeps serving the other sessions
meanwhile. Any failure of the proxy itself refuses the call (fail closed).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import anyio
import mcp_types as types
from mcp.shared.exceptions import MCPError

from pathguard.proxy import messages
from pathguard.proxy.describe import annotate
from pathguard.proxy.model import ToolMap
from pathguard.proxy.tools import ProxyTools
from pathguard.proxy.upstream import Upstream, UpstreamFailure
from pathguard.runtime import Checked, Guard, GuardedSession
from pathguard.semantics.effect import Effect

T = TypeVar("T")
NO_INTENT = ("intent: no intent declared yet; call `declare_intent` with what you are about to do, "
             "then retry")


@dataclass(frozen=True)
class GateOptions:
    agent: str = "mcp-agent"
    intent: str | None = None        # fixed intent for every session; None: declare_intent if needed
    wait_approval: float = 0.0       # seconds a call waiting for approval is held (0: answer at once)
    timeout: float = 60.0            # seconds the upstream has to answer one call
    describe: bool = False           # append the policy's constraints to tool descriptions
    subagents: bool = False          # offer spawn_subagent/join_subagent (needs several client sessions)
    poll: float = 0.5                # seconds between looks at a pending request while holding a call
    offload: bool = False            # run Guard calls on a worker thread (a store across the network)


@dataclass
class Conversation:
    """One MCP client session."""

    session: GuardedSession | None = None
    lock: anyio.Lock = field(default_factory=anyio.Lock)
    last_seen: float = field(default_factory=time.monotonic)


class Gate:
    def __init__(self, guard: Guard, tools: ToolMap, upstream: Upstream, options: GateOptions,
                 log: Callable[[str], None] | None = None) -> None:
        self.guard = guard
        self.tools = tools
        self.upstream = upstream
        self.options = options
        self.log = log or _stderr
        self.limiter = anyio.CapacityLimiter(1)
        self.inline = not options.offload
        self.conversations: dict[str, Conversation] = {}
        self.extra = ProxyTools(self, intent_needed=options.intent is None and
                                guard.policy.intent_threshold is not None,
                                subagents=options.subagents and guard.policy.spec is not None and
                                guard.policy.spec.subagents is not None)
        clash = self.extra.names & set(tools.endpoints) | self.extra.names & set(tools.unknown)
        if clash:
            from pathguard.errors import PathguardError

            raise PathguardError(f"the upstream has tool(s) named {', '.join(sorted(clash))}, which the "
                                 "proxy adds itself; rename them upstream or drop the policy section "
                                 "that needs them")

    # -- guard calls: one at a time ------------------------------------------------------------------
    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.inline:
            return fn(*args)
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=self.limiter)

    def conversation(self, key: str) -> Conversation:
        found = self.conversations.get(key)
        if found is None:
            found = self.conversations[key] = Conversation()
        found.last_seen = time.monotonic()
        return found

    async def open(self, conv: Conversation, intent: str) -> GuardedSession:
        session = await self.run(self.guard.session, self.options.agent, intent)
        conv.session = session
        return session

    # -- tools/list ---------------------------------------------------------------------------------
    async def list_tools(self) -> list[types.Tool]:
        """The upstream's live listing (optionally annotated) and the proxy's own tools."""
        listed = await self.upstream.list_tools(self.options.timeout)
        out = []
        for tool in listed:
            if self.options.describe:
                endpoint = self.endpoint(tool.name) or tool.name
                described = annotate(tool.description, self.guard.policy, endpoint)
                out.append(tool.model_copy(update={"description": described}))
            else:
                out.append(tool)
        return out + self.extra.listed()

    def endpoint(self, tool: str) -> str | None:
        """The endpoint a tool is checked as; None for a tool the world does not describe."""
        found = self.tools.endpoint(tool)
        if found is None and tool in self.guard.world.by_name and tool not in self.tools.endpoints.values():
            return tool  # not listed at startup, but the spec describes it: the policy decides
        return found

    # -- tools/call ---------------------------------------------------------------------------------
    async def call(self, key: str, name: str, arguments: dict[str, Any] | None) -> types.CallToolResult:
        try:
            conv = self.conversation(key)
            if name in self.extra.names:
                return await self.extra.call(conv, name, arguments or {})
            session = conv.session
            if session is None:
                async with conv.lock:  # one session per conversation, even if its first calls race
                    session = conv.session
                    if session is None:
                        if self.extra.intent_needed:  # no session yet, so no trace: say it here
                            self.log(f"refused `{name}` of client session {key}: no intent declared yet")
                            return messages.refused(name, NO_INTENT)
                        session = await self.open(conv, self.options.intent or "")
            return await self.decide_and_forward(session, name, arguments or {})
        except MCPError:
            raise  # the upstream's own error, passed through unchanged
        except Exception as exc:
            self.log(f"internal error on `{name}`: {type(exc).__name__}: {exc}")
            return messages.internal(name, exc)

    async def decide_and_forward(self, session: GuardedSession, name: str,
                                 args: dict[str, Any]) -> types.CallToolResult:
        if self.upstream.failure is not None:
            await self.run(self.alert, session, f"`{name}` refused: {self.upstream.failure}")
            return messages.refused(name, self.upstream.failure)
        endpoint = self.endpoint(name)
        checked = await self.run(session.check, endpoint or name, args)
        waited: float | None = None
        if checked.effect is Effect.APPROVAL and self.options.wait_approval > 0:
            start = anyio.current_time()
            checked = await self.hold(session, endpoint or name, args, checked)
            waited = round(anyio.current_time() - start, 1)
        if checked.effect is Effect.APPROVAL:
            return messages.waiting(name, checked, waited)
        if checked.effect is Effect.DENY:
            note = None if endpoint is not None else (
                f"`{name}` is not described by the world model the proxy enforces, so it is never forwarded")
            return messages.denied(name, checked, note)
        return await self.forward(session, checked, name, args)

    async def hold(self, session: GuardedSession, endpoint: str, args: dict[str, Any],
                   checked: Checked) -> Checked:
        """`--wait-approval`: look at the request every `poll` seconds; check again once it is
        decided (the check uses the grant, or reports the denial), or when the wait ends."""
        deadline = anyio.current_time() + self.options.wait_approval
        while checked.effect is Effect.APPROVAL:
            left = deadline - anyio.current_time()
            if left <= 0:
                return checked
            await anyio.sleep(min(self.options.poll, left))
            if checked.approval_id is not None and anyio.current_time() < deadline and \
                    await self.run(self.pending, checked.approval_id):
                continue
            checked = await self.run(session.check, endpoint, args)
        return checked

    def pending(self, approval_id: int) -> bool:
        """Whether the request still waits; a store that cannot say is treated as decided, so the
        check (which reads the store the way the runtime means it) has the last word."""
        try:
            row = self.guard.store.approval(approval_id)
        except Exception:
            return False
        return row is not None and row.status == "pending"

    async def forward(self, session: GuardedSession, checked: Checked, name: str,
                      args: dict[str, Any]) -> types.CallToolResult:
        start = time.perf_counter()
        try:
            result = await self.upstream.call_tool(name, args, self.options.timeout)
        except UpstreamFailure as exc:
            await self.record(session, checked, f"error: {exc}", start)
            return messages.failed(name, str(exc))
        except MCPError as exc:
            await self.record(session, checked, f"error: JSON-RPC {exc.code}: {exc.message}", start)
            raise
        except anyio.get_cancelled_exc_class():
            with anyio.CancelScope(shield=True):
                await self.record(session, checked, "error: cancelled by the client", start)
            raise
        await self.record(session, checked, messages.outcome(result), start)
        return messages.relayed(result)

    async def record(self, session: GuardedSession, checked: Checked, result: str, start: float) -> None:
        latency = (time.perf_counter() - start) * 1000
        try:
            await self.run(session.record, checked, result, latency)
        except Exception as exc:  # the call ran; its outcome is what cannot be stored
            self.log(f"could not record the outcome of {checked.id} ({result}): {type(exc).__name__}: {exc}")
            return
        if session.unconfirmed:  # the store refused it: kept, written with the session's next write
            self.log(f"could not record the outcome of {checked.id} ({result}) yet: the trace row stays "
                     "unconfirmed until the store takes it")

    def alert(self, session: GuardedSession, text: str) -> None:
        """A refusal no decision covers goes into the trace as an alert of the session."""
        from pathguard.store.base import AlertRow

        try:
            self.guard.store.add_alert(AlertRow(session.session_id, self.guard.clock(), "proxy", text))
        except Exception as exc:
            self.log(f"could not record an alert ({text}): {type(exc).__name__}: {exc}")

    # -- session ends -----------------------------------------------------------------------------
    async def close(self, key: str, final_state: str | None = None) -> None:
        conv = self.conversations.pop(key, None)
        if conv is not None and conv.session is not None:
            await self.run(conv.session.close, final_state)

    async def close_idle(self, idle: float) -> None:
        edge = time.monotonic() - idle
        for key in [k for k, c in self.conversations.items() if c.last_seen < edge]:
            await self.close(key)

    async def close_all(self, final_state: str | None = None) -> None:
        state = final_state if final_state is not None else ("error" if self.upstream.failure else None)
        for key in list(self.conversations):
            await self.close(key, state)
        self.extra.forget()


def _stderr(line: str) -> None:
    print(f"pathguard proxy: {line}", file=sys.stderr, flush=True)
