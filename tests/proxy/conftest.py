"""Fixtures of the proxy tests: the toy MCP server, the official filesystem server, the proxy
command line, traces, and the ONE place where a test grants or denies an approval (`decide`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from pathguard.runtime.approvers import Approver, Keyring

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TOY = HERE / "toyserver.py"
FILESYSTEM = HERE / "node" / "node_modules" / "@modelcontextprotocol" / "server-filesystem" / "dist" / "index.js"
APPROVER = Approver.generate("alice")
KEYRING = Path(tempfile.mkdtemp(prefix="pathguard-proxy-tests-")) / "approvers.yaml"
KEYRING.write_text(Keyring({APPROVER.name: APPROVER.public_text}).dump())


def decide(store_url: str, approval_id: int, grant: bool = True, by: Approver = APPROVER) -> None:
    """Grant (or deny) request `approval_id` out of band, as an approver would: signed with the
    approver's key, which the proxies of these tests trust (`--keyring`). Every test that decides
    an approval goes through here."""
    from pathguard.runtime.approvals import decide_request
    from pathguard.store.base import open_store

    store = open_store(store_url, create=False)
    try:
        decide_request(store, approval_id, by, grant, time.time())
    finally:
        store.close()


def proxy_argv(policy: Path, store: str, *extra: str, upstream: list[str] | None = None) -> list[str]:
    """`pathguard proxy` as a client would start it (`extra` before `--`, `upstream` after), trusting
    the tests' approver."""
    argv = [sys.executable, "-m", "pathguard.cli.main", "proxy", "--policy", str(policy), "--store", store,
            "--keyring", str(KEYRING), *extra]
    return [*argv, "--", *upstream] if upstream else argv


def stdio(argv: list[str]) -> StdioServerParameters:
    return StdioServerParameters(command=argv[0], args=argv[1:], env=dict(os.environ))


@asynccontextmanager
async def connect(argv: list[str], errors: Path | None = None) -> AsyncIterator[Client]:
    """An SDK client of the stdio server `argv`; its stderr goes to `errors` when given."""
    with errors.open("w") if errors is not None else nullcontext(sys.stderr) as err:
        async with Client(stdio_client(stdio(argv), errlog=err)) as client:
            yield client


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` and its bytes (directories as empty markers)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(root.rglob("*"))}


def upstream_calls(log: Path) -> list[dict[str, Any]]:
    """What the toy server really ran, in order."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def traces(store_url: str) -> list[Any]:
    """Every session trace in the store (SessionTrace: session, actions, alerts), oldest first."""
    from pathguard.store.base import open_store

    store = open_store(store_url, create=False)
    try:
        found = [store.session(row.session_id) for row in store.sessions(limit=10_000)]
    finally:
        store.close()
    return sorted((t for t in found if t is not None), key=lambda t: t.session.started)


def text_of(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


def approval_id(result: Any) -> int:
    found = re.search(r"Request #(\d+) is open", text_of(result))
    assert found, text_of(result)
    return int(found.group(1))


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A directory with a few files for the servers to work on."""
    root = tmp_path / "files"
    root.mkdir()
    (root / "a.txt").write_text("alpha\n")
    (root / "b.txt").write_text("bravo\n")
    (root / "sub").mkdir()
    (root / "sub" / "c.bin").write_bytes(bytes(range(256)))
    return root


@pytest.fixture
def toy(files: Path, tmp_path: Path) -> tuple[list[str], Path]:
    """(argv of the toy server on `files`, the log of the calls it runs)."""
    log = tmp_path / "toy-calls.jsonl"
    return [sys.executable, str(TOY), str(files), "--log", str(log)], log


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'trace.db'}"


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "policy.yaml"
        path.write_text(text)
        return path

    return write


@pytest.fixture
def filesystem_server() -> Path:
    """The official filesystem MCP server, installed by `scripts/setup.sh --all` (npm)."""
    if not FILESYSTEM.is_file():
        pytest.fail(f"{FILESYSTEM} is missing: run `bash scripts/setup.sh --all` (npm install of "
                    "@modelcontextprotocol/server-filesystem into tests/proxy/node)", pytrace=False)
    return FILESYSTEM


class Background:
    """A process whose stderr is collected; `wait_for(pattern)` returns the first match."""

    def __init__(self, argv: list[str], cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
        self.lines: list[str] = []

    def wait_for(self, pattern: str, stream: str = "stderr", timeout: float = 60.0) -> re.Match[str]:
        source = self.proc.stderr if stream == "stderr" else self.proc.stdout
        assert source is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = source.readline()
            if not line:
                raise AssertionError(f"process ended before `{pattern}`:\n" + "".join(self.lines))
            self.lines.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no `{pattern}` within {timeout} s:\n" + "".join(self.lines))

    def stop(self) -> str:
        self.proc.terminate()
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return "".join(self.lines) + (err or "")
