"""The proxied MCP server: a stdio command the proxy starts, or a streamable-HTTP URL.

One `mcp.Client` connection, shared by every client session of the proxy (the
SDK multiplexes concurrent requests). Three outcomes of a forwarded call are
kept apart, because the proxy treats them differently:

- a result, `isError` or not: the server ran (or refused) the call itself;
- `MCPError` from the server: its own JSON-RPC error, passed through unchanged;
- `UpstreamFailure`: the connection is gone (crash, exit) or the call hung past
  the timeout; the proxy tells the client and, once the connection is gone,
  refuses every later call (fail closed: nothing restarts a crashed server).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED

from pathguard.errors import PathguardError

#: Pages of `tools/list` read at most (a server whose cursor never ends cannot hang the proxy).
MAX_PAGES = 100


class UpstreamFailure(PathguardError):
    """The upstream did not answer: connection lost (then `Upstream.failure` is set), or no
    answer within the timeout."""


@dataclass(frozen=True)
class UpstreamSpec:
    """Where the upstream is: `command` (stdio, argv) or `url` (streamable HTTP), exactly one."""

    command: tuple[str, ...] = ()
    url: str | None = None

    def __post_init__(self) -> None:
        if bool(self.command) == (self.url is not None):
            raise PathguardError("give the upstream server as `--upstream URL` or as `-- COMMAND ARGS...`, "
                                 "exactly one of them")

    @property
    def label(self) -> str:
        return self.url if self.url is not None else " ".join(self.command)

    def client(self, read_timeout: float, mode: str) -> Client:
        """An unconnected SDK client. A stdio server inherits the proxy's environment (the
        client configured it for the server, not for the proxy); responses are not cached."""
        info = types.Implementation(name="pathguard-proxy", version=proxy_version())
        server: str | StdioServerParameters = self.url if self.url is not None else StdioServerParameters(
            command=self.command[0], args=list(self.command[1:]), env=dict(os.environ))
        return Client(server, client_info=info, cache=None, read_timeout_seconds=read_timeout, mode=mode)


class Upstream:
    """A connected upstream; `failure` is set once the connection is known to be gone."""

    def __init__(self, spec: UpstreamSpec, client: Client) -> None:
        self.spec = spec
        self.client = client
        self.failure: str | None = None
        self.server_name = ""

    @classmethod
    @asynccontextmanager
    async def connect(cls, spec: UpstreamSpec, *, timeout: float) -> AsyncIterator[Upstream]:
        """Start or reach the server and finish the MCP handshake (its reads time out after
        `timeout` seconds; the proxy's own per-call timeout fires first, see `_guarded`).

        The handshake era (`initialize`, one session for the proxy's lifetime) is tried first:
        with the SDK 2.3 it costs the proxy about 0.4 ms less CPU per forwarded call than the
        2026 per-request envelope (bench_proxy.py). A server that refuses it is reached in the
        era it offers (`auto`)."""
        reasons: list[str] = []
        for mode in ("legacy", "auto"):
            async with cls._attempt(spec, mode, timeout, reasons) as upstream:
                if upstream is not None:
                    yield upstream
                    return
        raise PathguardError(f"upstream `{spec.label}` could not be started or reached: "
                             + "; then ".join(dict.fromkeys(reasons)))

    @classmethod
    @asynccontextmanager
    async def _attempt(cls, spec: UpstreamSpec, mode: str, timeout: float,
                       reasons: list[str]) -> AsyncIterator[Upstream | None]:
        """One connection in `mode`, or None (and its reason) when it does not come up.

        The SDK client lives in a task of its own: when its connection dies (a crash, a
        dropped HTTP stream), the error ends that task and marks the upstream gone, instead
        of cancelling the proxy around it, which keeps serving (and refusing) its clients."""
        client = spec.client(read_timeout=timeout + 1, mode=mode)
        upstream = cls(spec, client)
        ready, stop = anyio.Event(), anyio.Event()
        started: list[bool] = []

        async def hold() -> None:
            try:
                async with client:
                    info = client.session.server_info
                    upstream.server_name = info.name if info is not None else ""
                    started.append(True)
                    ready.set()
                    await stop.wait()
            except Exception as exc:
                if not started:
                    reasons.append(_describe(exc))
                upstream.failure = f"upstream `{spec.label}` is gone ({_describe(exc)})"
            finally:
                ready.set()

        raised: list[BaseException] = []
        async with anyio.create_task_group() as tg:
            tg.start_soon(hold)
            await ready.wait()
            try:
                yield upstream if started else None
            except BaseException as exc:  # re-raised below, as itself: a task group would wrap it
                raised.append(exc)
            finally:
                stop.set()
        if raised:
            raise raised[0]

    async def list_tools(self, timeout: float) -> list[types.Tool]:
        """Every tool the server lists, all pages."""
        tools: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await self._guarded(self.client.list_tools(cursor=cursor), "tools/list", timeout)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if cursor is None:
                return tools
        raise UpstreamFailure(f"`tools/list` of `{self.spec.label}` did not end after {MAX_PAGES} pages")

    async def call_tool(self, name: str, arguments: dict[str, Any], timeout: float) -> types.CallToolResult:
        """Forward one call; the server's own errors (`MCPError`) propagate unchanged."""
        return await self._guarded(self.client.call_tool(name, arguments), f"`{name}`", timeout)

    async def _guarded(self, request: Any, what: str, timeout: float) -> Any:
        if self.failure is not None:
            request.close()  # the coroutine was never awaited: close it quietly
            raise UpstreamFailure(self.failure)
        try:
            with anyio.fail_after(timeout):
                return await request
        except TimeoutError:
            raise UpstreamFailure(f"upstream `{self.spec.label}` did not answer {what} within {timeout:g} s "
                                  "(the request was cancelled; the server may still have acted on it)"
                                  ) from None
        except MCPError as exc:
            if exc.code == CONNECTION_CLOSED and exc.message == "Connection closed":
                self.failure = f"upstream `{self.spec.label}` is gone (connection closed)"
                raise UpstreamFailure(self.failure) from None
            raise
        except (OSError, anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.EndOfStream) as exc:
            self.failure = f"upstream `{self.spec.label}` is gone ({_describe(exc)})"
            raise UpstreamFailure(self.failure) from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def proxy_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pathguard")
    except PackageNotFoundError:
        return "0"


def tool_dumps(tools: Sequence[types.Tool]) -> list[dict[str, Any]]:
    """Tools as their wire JSON (camelCase), the form the MCP importer reads."""
    return [t.model_dump(by_alias=True, mode="json", exclude_none=True) for t in tools]
