"""The gate in-process (the proxy's MCP server object, an SDK client connected to it in memory,
the toy server as a real stdio upstream): intent, failures of the store and of the proxy itself,
policy descriptions, and the proxy's own tool names."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from conftest import TOY, text_of, upstream_calls
from pathguard.errors import PathguardError
from pathguard.proxy.gate import Gate, GateOptions
from pathguard.proxy.run import ProxyOptions, open_gate
from pathguard.proxy.server import STDIO, build_server
from pathguard.proxy.upstream import UpstreamSpec
from pathguard.runtime.intent import HashEmbedder
from pathguard.store.base import StoreError
from pathguard.store.memory import MemoryStore

POLICY = """\
policy: gate
rules:
  - match: {endpoint: delete_file}
    decision: deny
    reason: Nothing is deleted
budget:
  max_actions: 50
  max_writes: 5
forbidden:
  - [list_files, move_file]
"""
INTENT = POLICY + "intent:\n  threshold: 0.1\n"


class BreakableStore(MemoryStore):
    """A memory store that fails like a lost database once `broken` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = False

    def _fail(self) -> None:
        if self.broken:
            raise StoreError("the database is unreachable")

    def append_action(self, row: Any, *, durable: bool) -> None:
        self._fail()
        super().append_action(row, durable=durable)

    def update_action(self, *args: Any) -> None:
        self._fail()
        super().update_action(*args)


@asynccontextmanager
async def proxied(toy: tuple[list[str], Path], policy: Path, store: Any = "memory",
                  **gate: Any) -> AsyncIterator[tuple[Client, Gate, list[str]]]:
    """(client, gate, proxy log lines) with the proxy's server in this process."""
    argv, _ = toy
    log: list[str] = []
    options = ProxyOptions(upstream=UpstreamSpec(tuple(argv)), policy=policy, store=store,
                           gate=GateOptions(**gate), guard_options={"embedder": HashEmbedder()})
    async with open_gate(options, log.append) as opened, \
            Client(build_server(opened, lambda ctx: STDIO), mode="legacy") as client:
        yield client, opened, log


def test_declare_intent_comes_first_and_is_fixed(toy, write_policy) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        async with proxied(toy, write_policy(INTENT)) as (client, gate, _):
            names = [t.name for t in (await client.list_tools()).tools]
            assert names[-1] == "declare_intent"
            early = await client.call_tool("list_files", {})
            assert early.is_error and "no intent declared yet" in text_of(early)
            empty = await client.call_tool("declare_intent", {"intent": "  "})
            assert empty.is_error
            declared = await client.call_tool("declare_intent", {"intent": "tidy up the notes"})
            assert not declared.is_error
            changed = await client.call_tool("declare_intent", {"intent": "delete everything"})
            assert changed.is_error and "cannot change" in text_of(changed)
            assert not (await client.call_tool("list_files", {})).is_error
            (conversation,) = gate.conversations.values()
            assert conversation.session is not None and conversation.session.intent == "tidy up the notes"

    anyio.run(go)
    assert [c["tool"] for c in upstream_calls(toy[1])] == ["list_files"]


def test_a_given_intent_needs_no_declaration(toy, write_policy) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        async with proxied(toy, write_policy(INTENT), intent="read the notes") as (client, _, _):
            assert "declare_intent" not in [t.name for t in (await client.list_tools()).tools]
            assert not (await client.call_tool("list_files", {})).is_error

    anyio.run(go)


def test_a_store_failure_denies_the_call_and_nothing_reaches_the_server(toy, write_policy) -> None:  # type: ignore[no-untyped-def]
    store = BreakableStore()

    async def go() -> None:
        async with proxied(toy, write_policy(POLICY), store, intent="notes") as (client, _, log):
            assert not (await client.call_tool("read_file", {"path": "a.txt"})).is_error
            store.broken = True
            denied = await client.call_tool("write_file", {"path": "a.txt", "content": "x"})
            assert denied.is_error and "check failed closed" in text_of(denied)
            assert "the database is unreachable" in text_of(denied)
            store.broken = False
            ran = await client.call_tool("add_note", {"text": "n"})
            assert not ran.is_error, text_of(ran)
            store.broken = True                            # now the outcome cannot be recorded
            late = await client.call_tool("read_file", {"path": "a.txt"})
            assert late.is_error                            # its decision row could not be stored either
            assert not any("could not record" in line for line in log)

    anyio.run(go)
    assert [c["tool"] for c in upstream_calls(toy[1])] == ["read_file", "add_note"]


def test_a_failed_record_keeps_the_result_and_says_so(toy, write_policy,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = BreakableStore()

    def failing(*args: Any) -> None:
        raise StoreError("the database went away after the check")

    async def go() -> None:
        async with proxied(toy, write_policy(POLICY), store, intent="notes") as (client, _, log):
            monkeypatch.setattr(store, "update_action", failing)
            result = await client.call_tool("read_file", {"path": "a.txt"})
            monkeypatch.undo()
            assert not result.is_error and text_of(result) == "alpha\n"   # the call ran: its result stands
            assert any("could not record the outcome" in line and "unconfirmed" in line for line in log)

    anyio.run(go)
    assert [c["tool"] for c in upstream_calls(toy[1])] == ["read_file"]


def test_a_proxy_bug_fails_closed(toy, write_policy, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        async with proxied(toy, write_policy(POLICY), intent="notes") as (client, gate, log):
            def broken(tool: str) -> str:
                raise RuntimeError("a bug in the mapping")

            monkeypatch.setattr(gate, "endpoint", broken)
            result = await client.call_tool("write_file", {"path": "a.txt", "content": "x"})
            assert result.is_error and "internal error in the proxy" in text_of(result)
            assert any("a bug in the mapping" in line for line in log)

    anyio.run(go)
    assert upstream_calls(toy[1]) == []


def test_describe_policy_appends_the_constraints(toy, write_policy) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        async with proxied(toy, write_policy(POLICY), intent="notes", describe=True) as (client, _, _):
            tools = {t.name: t.description or "" for t in (await client.list_tools()).tools}
            assert "[pathguard policy: deny (rule 1: Nothing is deleted)" in tools["delete_file"]
            assert "deny directly after `list_files`" in tools["move_file"]
            assert "budget: 50 actions and 5 writes per 30 min" in tools["write_file"]
            assert "5 writes" not in tools["read_file"]

    anyio.run(go)


def test_the_upstream_may_not_take_the_proxys_tool_names(files: Path, tmp_path: Path, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv = [sys.executable, str(TOY), str(files), "--also", "declare_intent"]

    async def go() -> None:
        with pytest.raises(PathguardError, match="named declare_intent"):
            async with proxied((argv, tmp_path / "log"), write_policy(INTENT)):
                pass

    anyio.run(go)
