"""`pathguard proxy` at startup: unusable inputs exit 2 with the reason on stderr, never a
traceback, and a client stopping the proxy (SIGTERM) still gets its sessions closed in the trace."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import anyio

from conftest import connect, proxy_argv, traces, upstream_calls

POLICY = "policy: toy\ndefault: allow\n"


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pathguard.cli.main", "proxy", *argv], capture_output=True,
                          text=True, timeout=120, check=False, stdin=subprocess.DEVNULL)


def test_unusable_inputs_exit_2_with_the_reason(toy, tmp_path: Path, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, log = toy
    policy = write_policy(POLICY)
    store = f"sqlite:///{tmp_path / 't.db'}"
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy: bad\ncritical: [remove_everything]\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        cases = {
            "no upstream": (["--policy", str(policy)], "exactly one of them"),
            "both upstreams": (["--policy", str(policy), "--upstream", "http://127.0.0.1:9/mcp", "--", *argv],
                               "not both"),
            "missing command": (["--policy", str(policy), "--store", store, "--", str(tmp_path / "nope")],
                                "could not be started or reached"),
            "unreachable URL": (["--policy", str(policy), "--store", store, "--upstream", "http://127.0.0.1:9/mcp"],
                                "could not be started or reached"),
            "unknown endpoint": (["--policy", str(bad), "--store", store, "--", *argv],
                                 f"{bad}:2: error: unknown-endpoint"),
            "port in use": (["--policy", str(policy), "--store", store, "--port", port, "--", *argv],
                            f"cannot serve HTTP on 127.0.0.1:{port}"),
            "scope without limit": (["--policy", str(policy), "--scope", "team", "--", *argv], "go together"),
            "negative wait": (["--policy", str(policy), "--wait-approval", "-1", "--", *argv], "at least 0"),
            "zero timeout": (["--policy", str(policy), "--timeout", "0", "--", *argv], "more than 0"),
        }
        for name, (args, expected) in cases.items():
            done = run_cli(*args)
            assert done.returncode == 2, (name, done.stderr)
            assert expected in done.stderr, (name, done.stderr)
            assert "Traceback" not in done.stderr and done.stdout == "", name
    assert upstream_calls(log) == []


def test_sigterm_closes_the_sessions(toy, store_url: str, write_policy) -> None:  # type: ignore[no-untyped-def]
    argv, _ = toy

    async def go() -> None:
        async with connect(proxy_argv(write_policy(POLICY), store_url, upstream=argv)) as client:
            assert not (await client.call_tool("list_files", {})).is_error
            (proxy,) = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                        and b"pathguard.cli.main" in _cmdline(p) and _parent(p) == str(os.getpid())]
            os.kill(int(proxy.name), signal.SIGTERM)          # as a client stopping its server does
            with anyio.fail_after(20):
                while [t.session.final_state for t in traces(store_url)] != ["completed"]:
                    await anyio.sleep(0.1)

    anyio.run(go)


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _parent(proc: Path) -> str:
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
    except OSError:
        return ""
