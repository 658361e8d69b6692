"""End to end over stdio: SDK client -> `pathguard proxy` -> the toy server on a temporary directory."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from conftest import approval_id, connect, decide, proxy_argv, snapshot, text_of, traces, upstream_calls

POLICY = """\
policy: toy
default: allow
rules:
  - match: {endpoint: move_file}
    decision: deny
    reason: Files are never moved by agents
  - match: {endpoint: write_file}
    decision: approval
    reason: Writes need a person
forbidden:
  - {first: list_files, then: delete_file, within: 2}
"""


def run(coro_fn, *args):  # type: ignore[no-untyped-def]
    return anyio.run(coro_fn, *args)


def test_denied_call_changes_nothing_and_says_why(toy, files: Path, store_url: str, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, log = toy
    before = snapshot(files)

    async def go() -> None:
        async with connect(proxy_argv(write_policy(POLICY), store_url, upstream=argv)) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            assert listed == {"list_files", "read_file", "write_file", "move_file", "delete_file", "add_note",
                              "sleep", "crash", "fail"}   # no proxy tools: no intent layer, stdio
            moved = await client.call_tool("move_file", {"source": "a.txt", "destination": "z.txt"})
            assert moved.is_error
            assert "pathguard denied `move_file`" in text_of(moved)
            assert "rule 1: Files are never moved by agents" in text_of(moved)
            decision = (moved.meta or {})["io.pathguard/decision"]
            assert decision["effect"] == "deny" and decision["endpoint"] == "move_file"
            listing = await client.call_tool("list_files", {})
            assert not listing.is_error and text_of(listing).split() == ["a.txt", "b.txt", "sub"]
            deleted = await client.call_tool("delete_file", {"path": "b.txt"})   # forbidden after list_files
            assert deleted.is_error and "forbidden: list_files -> delete_file" in text_of(deleted)

    run(go)
    assert snapshot(files) == before
    assert [c["tool"] for c in upstream_calls(log)] == ["list_files"]   # only the allowed call ran
    (trace,) = traces(store_url)
    assert [(a.endpoint, a.effect) for a in trace.actions] == [
        ("move_file", "deny"), ("list_files", "allow"), ("delete_file", "deny")]
    assert trace.actions[1].result == "success" and trace.actions[1].latency_ms is not None
    assert trace.session.final_state == "blocked"


def test_approval_runs_the_call_once_and_a_replayed_grant_does_not(toy, files: Path, store_url: str,  # type: ignore[no-untyped-def]
                                                                   write_policy) -> None:
    argv, log = toy
    before = snapshot(files)
    args = {"path": "a.txt", "content": "approved\n"}

    async def go() -> None:
        async with connect(proxy_argv(write_policy(POLICY), store_url, upstream=argv)) as client:
            first = await client.call_tool("write_file", args)
            assert first.is_error and "needs an approval" in text_of(first)
            request = approval_id(first)
            assert f"pathguard approvals approve {request}" in text_of(first)
            assert snapshot(files) == before and upstream_calls(log) == []
            again = await client.call_tool("write_file", args)            # still pending: not run
            assert again.is_error and approval_id(again) == request
            decide(store_url, request)
            granted = await client.call_tool("write_file", args)
            assert not granted.is_error, text_of(granted)
            assert (files / "a.txt").read_text() == "approved\n"
            replay = await client.call_tool("write_file", args)           # the grant is used up
            assert replay.is_error and approval_id(replay) != request
            other = await client.call_tool("write_file", {"path": "a.txt", "content": "changed\n"})
            assert other.is_error                                          # a grant covers one exact call
            decide(store_url, approval_id(other), grant=False)
            refused = await client.call_tool("write_file", {"path": "a.txt", "content": "changed\n"})
            assert refused.is_error and "denied by alice" in text_of(refused)

    run(go)
    assert [c["tool"] for c in upstream_calls(log)] == ["write_file"]      # ran exactly once
    assert (files / "a.txt").read_text() == "approved\n"
    (trace,) = traces(store_url)
    assert [a.effect for a in trace.actions] == ["approval", "approval", "allow", "approval", "approval", "deny"]
    assert trace.actions[2].result == "success"


def test_wait_approval_holds_the_call_until_granted(toy, files: Path, store_url: str, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, log = toy
    args = {"path": "b.txt", "content": "held\n"}

    async def go() -> None:
        command = proxy_argv(write_policy(POLICY), store_url, "--wait-approval", "30", upstream=argv)
        async with connect(command) as client:
            results = []

            async def call() -> None:
                results.append(await client.call_tool("write_file", args))

            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                request = None
                with anyio.fail_after(20):
                    while request is None:                       # the held call has opened its request
                        await anyio.sleep(0.1)
                        pending = [a for t in traces(store_url) for a in t.actions if a.approval_id]
                        request = pending[0].approval_id if pending else None
                assert upstream_calls(log) == []
                decide(store_url, request)
            (result,) = results
            assert not result.is_error, text_of(result)

    run(go)
    assert (files / "b.txt").read_text() == "held\n"
    assert [c["tool"] for c in upstream_calls(log)] == ["write_file"]


def test_wait_approval_ends_and_the_call_stays_unrun(toy, files: Path, store_url: str, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, log = toy

    async def go() -> None:
        command = proxy_argv(write_policy(POLICY), store_url, "--wait-approval", "1", upstream=argv)
        async with connect(command) as client:
            result = await client.call_tool("write_file", {"path": "a.txt", "content": "x"})
            assert result.is_error and "none decided" in text_of(result)
            approval_id(result)

    run(go)
    assert upstream_calls(log) == [] and (files / "a.txt").read_text() == "alpha\n"


def test_upstream_errors_pass_through_unchanged(toy, store_url: str, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, _ = toy

    async def go() -> None:
        async with connect(proxy_argv(write_policy(POLICY), store_url, upstream=argv)) as client:
            failed = await client.call_tool("fail", {"how": "result"})
            assert failed.is_error and text_of(failed) == "toy: the tool failed"
            with pytest.raises(MCPError) as raised:
                await client.call_tool("fail", {"how": "rpc"})
            assert (raised.value.code, raised.value.message, raised.value.data) == (
                -32099, "toy: refused by the server itself", {"why": "asked to"})

    run(go)
    (trace,) = traces(store_url)
    assert [a.result for a in trace.actions] == [
        "error: toy: the tool failed", "error: JSON-RPC -32099: toy: refused by the server itself"]


def test_a_hanging_upstream_hits_the_timeout(toy, store_url: str, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, _ = toy

    async def go() -> None:
        command = proxy_argv(write_policy(POLICY), store_url, "--timeout", "1", upstream=argv)
        async with connect(command) as client:
            with anyio.fail_after(15):
                hung = await client.call_tool("sleep", {"seconds": 60})
            assert hung.is_error and "did not answer `sleep` within 1 s" in text_of(hung)
            after = await client.call_tool("read_file", {"path": "a.txt"})   # the connection still works
            assert not after.is_error and text_of(after) == "alpha\n"

    run(go)
    (trace,) = traces(store_url)
    assert trace.actions[0].result.startswith("error: upstream") and trace.actions[1].result == "success"


def test_an_upstream_crash_fails_closed(toy, files: Path, store_url: str, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, log = toy

    async def go() -> None:
        async with connect(proxy_argv(write_policy(POLICY), store_url, upstream=argv)) as client:
            crashed = await client.call_tool("crash", {})
            assert crashed.is_error and "is gone" in text_of(crashed)
            later = await client.call_tool("read_file", {"path": "a.txt"})
            assert later.is_error and "pathguard refused `read_file`" in text_of(later)

    run(go)
    assert [c["tool"] for c in upstream_calls(log)] == ["crash"]
    (trace,) = traces(store_url)
    assert [a.endpoint for a in trace.actions] == ["crash"]          # the refused call was never decided ...
    assert any("`read_file` refused" in alert.text for alert in trace.alerts)   # ... but it is in the trace
    assert trace.session.final_state == "error"


def test_a_server_that_refuses_the_handshake_is_reached_in_its_own_era(toy, tmp_path: Path, store_url: str,  # type: ignore[no-untyped-def]
                                                                       write_policy) -> None:
    argv, log = toy
    errors = tmp_path / "stderr.txt"

    async def go() -> None:
        command = proxy_argv(write_policy(POLICY), store_url, upstream=[*argv, "--modern-only"])
        async with connect(command, errors) as client:
            assert not (await client.call_tool("list_files", {})).is_error
            moved = await client.call_tool("move_file", {"source": "a.txt", "destination": "z.txt"})
            assert moved.is_error

    run(go)
    assert "(MCP 2026-07-28)" in errors.read_text()
    assert [c["tool"] for c in upstream_calls(log)] == ["list_files"]


def test_spec_names_the_tools_it_describes(toy, tmp_path: Path, store_url: str, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, log = toy
    spec = tmp_path / "endpoints.yaml"
    spec.write_text("""\
system: toy
endpoints:
  list_files: {kind: read, resource: file}
  read_file: {kind: read, resource: file}
  write_file: {kind: write, resource: file}
  move_file: {kind: write, resource: file}
  delete_file: {kind: delete, resource: file}
""")
    errors = tmp_path / "stderr.txt"

    async def go() -> None:
        command = proxy_argv(write_policy(POLICY.split("forbidden:", maxsplit=1)[0]), store_url, "--spec", str(spec),
                             upstream=argv)
        async with connect(command, errors) as client:
            result = await client.call_tool("add_note", {"text": "x"})
            assert result.is_error
            assert "`add_note` is not described by the world model" in text_of(result)
            assert "unknown endpoint `add_note`" in text_of(result)
            allowed = await client.call_tool("write_file", {"path": "a.txt", "content": "y"})
            assert allowed.is_error and "needs an approval" in text_of(allowed)   # the spec's policy applies

    run(go)
    assert upstream_calls(log) == []
    report = errors.read_text()
    assert "4 tool(s) not described by" in report and "add_note, sleep, crash, fail" in report
    assert "no --spec" not in report
    assert "(MCP 2025-11-25)" in report          # the handshake era, tried first


def test_without_a_spec_the_report_names_every_assumption(toy, tmp_path: Path, store_url: str,  # type: ignore[no-untyped-def]
                                                         write_policy) -> None:
    argv, _ = toy
    errors = tmp_path / "stderr.txt"

    async def go() -> None:
        async with connect(proxy_argv(write_policy(POLICY), store_url, upstream=argv), errors) as client:
            await client.list_tools()

    run(go)
    report = errors.read_text()
    assert "no --spec: the world model is imported from the upstream's live tools/list (9 tools)" in report
    assert "assumed by MCP worst-case defaults (annotation missing): move_file is a write" in report
    assert "read-only because the server says so (readOnlyHint, an untrusted hint): list_files" in report
