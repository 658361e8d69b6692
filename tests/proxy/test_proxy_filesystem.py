"""End to end with a real third-party server: SDK client -> `pathguard proxy` -> the official
filesystem MCP server (@modelcontextprotocol/server-filesystem, Node) on a temporary directory."""

from __future__ import annotations

from pathlib import Path

import anyio

from conftest import REPO, approval_id, connect, decide, proxy_argv, snapshot, text_of, traces

POLICY = REPO / "examples" / "proxy" / "filesystem-policy.yaml"   # the shipped example


def test_denied_and_pending_calls_leave_every_file_byte_identical(filesystem_server: Path, files: Path,
                                                                  store_url: str) -> None:
    before = snapshot(files)
    a, z = str(files / "a.txt"), str(files / "z.txt")
    calls = 0

    async def go() -> None:
        nonlocal calls
        command = proxy_argv(POLICY, store_url, upstream=["node", str(filesystem_server), str(files)])
        async with connect(command) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"read_text_file", "write_file", "move_file", "edit_file"} <= names
            moved = await client.call_tool("move_file", {"source": a, "destination": z})
            assert moved.is_error and "Agents never move files" in text_of(moved)
            written = await client.call_tool("write_file", {"path": a, "content": "overwritten"})
            assert written.is_error and "needs an approval" in text_of(written)
            edited = await client.call_tool("edit_file", {"path": a, "edits": [{"oldText": "alpha",
                                                                                 "newText": "omega"}]})
            assert edited.is_error
            decide(store_url, approval_id(written), grant=False)
            refused = await client.call_tool("write_file", {"path": a, "content": "overwritten"})
            assert refused.is_error and "denied by alice" in text_of(refused)
            read = await client.call_tool("read_text_file", {"path": a})
            assert not read.is_error and text_of(read) == "alpha\n"
            calls = 5

    anyio.run(go)
    assert snapshot(files) == before
    (trace,) = traces(store_url)
    assert len(trace.actions) == calls
    assert [a.effect for a in trace.actions] == ["deny", "approval", "approval", "deny", "allow"]
    assert [a.result for a in trace.actions if a.effect == "allow"] == ["success"]


def test_an_approved_write_runs_once_and_a_replayed_grant_does_not_run_again(
        filesystem_server: Path, files: Path, store_url: str) -> None:
    target = files / "b.txt"
    args = {"path": str(target), "content": "approved by a person\n"}

    async def go() -> None:
        command = proxy_argv(POLICY, store_url, upstream=["node", str(filesystem_server), str(files)])
        async with connect(command) as client:
            first = await client.call_tool("write_file", args)
            assert first.is_error and target.read_text() == "bravo\n"
            decide(store_url, approval_id(first))
            done = await client.call_tool("write_file", args)
            assert not done.is_error, text_of(done)
            assert target.read_text() == "approved by a person\n"
            target.write_text("changed since\n")            # a second run would overwrite this
            replay = await client.call_tool("write_file", args)
            assert replay.is_error and approval_id(replay) != approval_id(first)
            assert target.read_text() == "changed since\n"
            moved = await client.call_tool("move_file", {"source": str(target), "destination": str(files / "y")})
            assert moved.is_error

    anyio.run(go)
    assert target.read_text() == "changed since\n" and not (files / "y").exists()
    (trace,) = traces(store_url)
    assert [(a.endpoint, a.effect) for a in trace.actions] == [
        ("write_file", "approval"), ("write_file", "allow"), ("write_file", "approval"), ("move_file", "deny")]
    assert trace.actions[1].result == "success" and trace.actions[1].latency_ms > 0
