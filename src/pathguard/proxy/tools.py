"""The tools the proxy adds to the upstream's: `declare_intent`, `spawn_subagent`, `join_subagent`.

- `declare_intent` (when the policy has an intent layer and no `--intent` is
  given): opens the client session's pathguard session with that intent. It is
  fixed for the session; calls before it are refused.
- `spawn_subagent` (when the policy has a `subagents` section and the proxy
  serves several client sessions, i.e. streamable HTTP): `session.spawn` with
  the asked budget; the child is handed out as a one-time token.
- `join_subagent`: a new client session (the sub-agent's own MCP connection)
  becomes that child session. Its calls are then decided against the child and
  its ancestors (SPEC §3), and count against both budgets.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

import mcp_types as types

from pathguard.proxy import messages
from pathguard.runtime import ApprovalRequired, Denied, GuardedSession

if TYPE_CHECKING:
    from pathguard.proxy.gate import Conversation, Gate

DECLARE = types.Tool(
    name="declare_intent",
    description="pathguard: say what you are about to do, in one sentence, before any other tool. "
    "Calls that stray from it need a person's approval. It is fixed for this session.",
    input_schema={"type": "object", "properties": {"intent": {"type": "string", "minLength": 1}},
                  "required": ["intent"], "additionalProperties": False},
    annotations=types.ToolAnnotations(read_only_hint=True))
SPAWN = types.Tool(
    name="spawn_subagent",
    description="pathguard: start a sub-agent with part of your action budget. Returns a one-time token; "
    "the sub-agent opens its own MCP session to this proxy and calls join_subagent with it first.",
    input_schema={"type": "object", "properties": {
        "intent": {"type": "string", "minLength": 1, "description": "what the sub-agent will do"},
        "budget": {"type": "integer", "minimum": 1, "description": "actions it may take"},
        "agent": {"type": "string", "description": "its name (default: yours/subN)"}},
        "required": ["intent", "budget"], "additionalProperties": False})
JOIN = types.Tool(
    name="join_subagent",
    description="pathguard: make this MCP session the sub-agent a parent started with spawn_subagent "
    "(first call of the session; the token works once).",
    input_schema={"type": "object", "properties": {"token": {"type": "string"}}, "required": ["token"],
                  "additionalProperties": False})


class ProxyTools:
    def __init__(self, gate: Gate, *, intent_needed: bool, subagents: bool) -> None:
        self.gate = gate
        self.intent_needed = intent_needed
        self.offered = ([DECLARE] if intent_needed else []) + ([SPAWN, JOIN] if subagents else [])
        self.names = {t.name for t in self.offered}
        self.children: dict[str, GuardedSession] = {}   # token -> child waiting for its session

    def listed(self) -> list[types.Tool]:
        return list(self.offered)

    async def call(self, conv: Conversation, name: str, args: dict[str, Any]) -> types.CallToolResult:
        async with conv.lock:
            if name == "declare_intent":
                return await self.declare(conv, args)
            if name == "join_subagent":
                return self.join(conv, args)
            return await self.spawn(conv, args)

    async def declare(self, conv: Conversation, args: dict[str, Any]) -> types.CallToolResult:
        intent = args.get("intent")
        if not isinstance(intent, str) or not intent.strip():
            return messages.refused("declare_intent", "`intent` must be a non-empty sentence")
        if conv.session is not None:
            return messages.refused("declare_intent", f"this session's intent is already declared "
                                    f"(`{conv.session.intent}`); it cannot change: open a new MCP session "
                                    "for a new task")
        session = await self.gate.open(conv, intent.strip())
        return messages.text(f"intent declared; pathguard session {session.session_id} is open. "
                             "Calls that stray from it need approval.", error=False)

    async def spawn(self, conv: Conversation, args: dict[str, Any]) -> types.CallToolResult:
        intent, budget, agent = args.get("intent"), args.get("budget"), args.get("agent")
        if not isinstance(intent, str) or not intent.strip():
            return messages.refused("spawn_subagent", "`intent` must be a non-empty sentence")
        if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
            return messages.refused("spawn_subagent",
                                    "`budget` must be a whole number of actions, at least 1")
        if agent is not None and (not isinstance(agent, str) or not agent.strip()):
            return messages.refused("spawn_subagent", "`agent`, when given, must be a name")
        parent = conv.session
        if parent is None:
            if self.intent_needed:
                return messages.refused("spawn_subagent", "intent: declare your own intent first")
            parent = await self.gate.open(conv, self.gate.options.intent or "")
        try:
            child = await self.gate.run(parent.spawn, intent.strip(), budget, agent)
        except ApprovalRequired as exc:
            return messages.waiting("spawn_subagent", exc.decision, None)
        except Denied as exc:
            return messages.denied("spawn_subagent", exc.decision)
        token = secrets.token_urlsafe(18)
        self.children[token] = child
        return messages.text(f"sub-agent `{child.agent}` started (pathguard session {child.session_id}) "
                             f"with at most {child.budget} actions, taken from yours. Give it this token; it "
                             "opens its own MCP session to this proxy and first calls join_subagent with it: "
                             f"{token}", error=False)

    def join(self, conv: Conversation, args: dict[str, Any]) -> types.CallToolResult:
        token = args.get("token")
        if conv.session is not None:
            return messages.refused("join_subagent", "this MCP session already runs as "
                                    f"`{conv.session.agent}`; a sub-agent joins from a new session")
        child = self.children.pop(token, None) if isinstance(token, str) else None
        if child is None:
            return messages.refused("join_subagent", "unknown or already used token")
        if child.final_state is not None:
            return messages.refused("join_subagent", f"sub-agent `{child.agent}` has already ended "
                                    f"({child.final_state})")
        conv.session = child
        return messages.text(f"this session is now sub-agent `{child.agent}` (pathguard session "
                             f"{child.session_id}): {child.intent}", error=False)

    def forget(self) -> None:
        self.children.clear()
