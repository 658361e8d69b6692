"""Streamable HTTP: several client sessions through one proxy, each its own pathguard session;
sub-agents spawned by one client session and joined by another; stateless requests refused."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from conftest import TOY, Background, proxy_argv, snapshot, text_of, traces, upstream_calls

POLICY = """\
policy: team
rules:
  - match: {endpoint: move_file}
    decision: deny
    reason: Files are never moved by agents
budget:
  max_actions: 6
subagents:
  max_budget: 2
"""


@pytest.fixture
def http_toy(files: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The toy server on streamable HTTP: (its URL, its call log)."""
    log = tmp_path / "toy-calls.jsonl"
    server = Background([sys.executable, str(TOY), str(files), "--log", str(log), "--http"])
    try:
        yield server.wait_for(r"listening on (\S+)", stream="stdout").group(1), log
    finally:
        server.stop()


@pytest.fixture
def serve(write_policy, store_url: str) -> Iterator:  # type: ignore[no-untyped-def]
    """Start `pathguard proxy ... --port 0` with the given upstream; yields its URL."""
    started: list[Background] = []

    def start(*upstream: str, policy: str = POLICY) -> str:
        argv = proxy_argv(write_policy(policy), store_url, "--port", "0", *upstream)
        proxy = Background(argv)
        started.append(proxy)
        return proxy.wait_for(r"listening on (\S+)").group(1)

    yield start
    for proxy in started:
        proxy.stop()


def test_each_client_session_is_its_own_pathguard_session(http_toy, serve, files: Path, store_url: str) -> None:  # type: ignore[no-untyped-def]
    upstream, log = http_toy
    url = serve("--upstream", upstream)
    before = snapshot(files)

    async def go() -> None:
        async with Client(url) as first, Client(url) as second:
            assert first.session.protocol_version == "2025-11-25"   # discover refused: handshake era
            names = {t.name for t in (await first.list_tools()).tools}
            assert {"spawn_subagent", "join_subagent"} <= names and "declare_intent" not in names
            for _ in range(3):
                assert not (await first.call_tool("list_files", {})).is_error
            moved = await second.call_tool("move_file", {"source": "a.txt", "destination": "b.txt"})
            assert moved.is_error and "Files are never moved" in text_of(moved)
            assert not (await second.call_tool("read_file", {"path": "a.txt"})).is_error
        # both clients ended their sessions (DELETE): the proxy closed their pathguard sessions
        with anyio.fail_after(10):
            while sorted(t.session.final_state for t in traces(store_url)) != ["blocked", "completed"]:
                await anyio.sleep(0.1)

    anyio.run(go)
    assert snapshot(files) == before
    sessions = traces(store_url)
    assert sorted(len(t.actions) for t in sessions) == [2, 3]
    assert [c["tool"] for c in upstream_calls(log)].count("list_files") == 3


def test_an_http_upstream_that_goes_away_fails_closed(files: Path, tmp_path: Path, serve, store_url: str) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "toy-calls.jsonl"
    web = Background([sys.executable, str(TOY), str(files), "--log", str(log), "--http"])
    url = serve("--upstream", web.wait_for(r"listening on (\S+)", stream="stdout").group(1), "--timeout", "10")

    async def go() -> None:
        async with Client(url) as client:
            assert not (await client.call_tool("list_files", {})).is_error
            web.stop()
            gone = await client.call_tool("list_files", {})
            assert gone.is_error and "is gone" in text_of(gone)
            later = await client.call_tool("read_file", {"path": "a.txt"})
            assert later.is_error and "pathguard refused `read_file`" in text_of(later)
            with pytest.raises(MCPError, match="is gone"):
                await client.list_tools()

    anyio.run(go)
    assert [c["tool"] for c in upstream_calls(log)] == ["list_files"]
    (trace,) = traces(store_url)
    assert [a.endpoint for a in trace.actions] == ["list_files", "list_files"]
    assert trace.actions[1].result.startswith("error: upstream")


def test_a_stateless_request_has_no_session_and_is_refused(http_toy, serve, store_url: str) -> None:  # type: ignore[no-untyped-def]
    upstream, log = http_toy
    url = serve("--upstream", upstream)

    async def go() -> None:
        async with Client(url, mode="2026-07-28") as client:
            result = await client.call_tool("list_files", {})
            assert result.is_error and "belongs to no MCP session" in text_of(result)

    anyio.run(go)
    assert upstream_calls(log) == [] and traces(store_url) == []


def test_a_sub_agent_joins_from_its_own_session_and_shares_the_budget(toy, serve, store_url: str) -> None:  # type: ignore[no-untyped-def]
    argv, log = toy
    url = serve("--", *argv)

    async def go() -> None:
        async with Client(url) as parent, Client(url) as child:
            spawned = await parent.call_tool("spawn_subagent", {"intent": "list the files", "budget": 5})
            assert not spawned.is_error, text_of(spawned)
            assert "at most 2 actions" in text_of(spawned)           # subagents.max_budget
            token = text_of(spawned).rsplit(" ", 1)[-1]
            joined = await child.call_tool("join_subagent", {"token": token})
            assert not joined.is_error and "mcp-agent/sub1" in text_of(joined)
            effects = [(await child.call_tool("list_files", {})).is_error for _ in range(3)]
            assert effects == [False, False, True]                   # the child's own budget
            again = await parent.call_tool("join_subagent", {"token": token})
            assert again.is_error and "already runs as" in text_of(again)
            own = [(await parent.call_tool("list_files", {})).is_error for _ in range(5)]
            assert own == [False, False, False, False, True]         # 6 for the whole tree

    anyio.run(go)
    assert [c["tool"] for c in upstream_calls(log)].count("list_files") == 6
    by_agent = {t.session.agent: t for t in traces(store_url)}
    assert set(by_agent) == {"mcp-agent", "mcp-agent/sub1"}
    assert by_agent["mcp-agent/sub1"].session.parent == by_agent["mcp-agent"].session.session_id
    denied = by_agent["mcp-agent/sub1"].actions[-1]
    assert denied.effect == "deny" and re.search(r"budget", " ".join(denied.reasons))


def test_a_token_works_once(toy, serve) -> None:  # type: ignore[no-untyped-def]
    argv, _ = toy
    url = serve("--", *argv)

    async def go() -> None:
        async with Client(url) as parent, Client(url) as first, Client(url) as second:
            spawned = await parent.call_tool("spawn_subagent", {"intent": "read", "budget": 1})
            token = text_of(spawned).rsplit(" ", 1)[-1]
            assert not (await first.call_tool("join_subagent", {"token": token})).is_error
            stolen = await second.call_tool("join_subagent", {"token": token})
            assert stolen.is_error and "unknown or already used token" in text_of(stolen)
            bad = await parent.call_tool("spawn_subagent", {"intent": "read", "budget": 0})
            assert bad.is_error and "at least 1" in text_of(bad)

    anyio.run(go)
