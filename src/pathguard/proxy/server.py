"""The MCP server the client talks to: the SDK's low-level `Server`, on stdio or streamable HTTP.

Client sessions: on stdio the proxy serves one client, so the connection is the
session. On streamable HTTP each MCP session (its `Mcp-Session-Id`, issued by
the SDK's session manager at `initialize`) is one pathguard session, closed
when the client ends it (HTTP DELETE), when it idles past the session manager's
timeout, or when the proxy stops. Sessions are what budgets and sequences are
counted in, so over HTTP the proxy speaks the handshake era only: its
`server/discover` advertises handshake versions (SDK clients fall back to
`initialize`), and a stateless 2026-era request, which has no session, is
refused. On stdio both eras are served: there the connection is the session,
and the client's first request fixes the era of the connection (a refused
discover probe could not fall back to `initialize` on it).
"""

from __future__ import annotations

import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

from pathguard.errors import PathguardError
from pathguard.proxy import messages
from pathguard.proxy.gate import Gate
from pathguard.proxy.upstream import UpstreamFailure, proxy_version

STDIO = "stdio"
SESSION_HEADER = "mcp-session-id"
#: Seconds an HTTP client session may stay idle before the SDK forgets it (its default, 30 min).
IDLE_SECONDS = 30 * 60.0

KeyOf = Callable[[ServerRequestContext[Any, Any]], "str | None"]


def build_server(gate: Gate, key_of: KeyOf, instructions: str | None = None) -> Server[Any]:
    """A low-level server whose tools are the gate's; `key_of` names the client session of a request."""

    async def list_tools(ctx: ServerRequestContext[Any, Any],
                         params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        try:
            return types.ListToolsResult(tools=await gate.list_tools())
        except UpstreamFailure as exc:  # no listing to forward: say why, as a JSON-RPC error
            raise MCPError(INTERNAL_ERROR, f"pathguard proxy: {exc}") from None

    async def call_tool(ctx: ServerRequestContext[Any, Any],
                        params: types.CallToolRequestParams) -> types.CallToolResult:
        key = key_of(ctx)
        if key is None:
            return messages.refused(params.name, "this request belongs to no MCP session (a stateless "
                                    "2026-era request); pathguard counts budgets per session: connect with "
                                    "the initialize handshake")
        return await gate.call(key, params.name, params.arguments)

    server: Server[Any] = Server("pathguard-proxy", version=proxy_version(), instructions=instructions,
                                 on_list_tools=list_tools, on_call_tool=call_tool)
    server.middleware.clear()  # the default OpenTelemetry span per message costs time on every call
    return server


async def serve_stdio(gate: Gate, instructions: str | None = None) -> None:
    """Serve one client on this process's stdin/stdout until it disconnects, or until SIGTERM or
    SIGHUP (a client stopping its server), after which the sessions are closed and recorded."""
    from mcp.server.stdio import stdio_server

    from pathguard.proxy.stdio import native_stdio

    server = build_server(gate, lambda ctx: STDIO, instructions)

    async with anyio.create_task_group() as tg:
        async def stop_on_signal() -> None:
            with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGHUP) as signals:
                async for _ in signals:
                    tg.cancel_scope.cancel()
                    return

        if sys.platform != "win32":
            tg.start_soon(stop_on_signal)
        async with native_stdio() as pipes:
            stdin, stdout = pipes if pipes is not None else (None, None)
            async with stdio_server(stdin, stdout) as (read, write):
                await server.run(read, write, server.create_initialization_options())
        tg.cancel_scope.cancel()


def http_session(ctx: ServerRequestContext[Any, Any]) -> str | None:
    request = ctx.request
    headers = getattr(request, "headers", None)
    return None if headers is None else headers.get(SESSION_HEADER)


async def _handshake_only(ctx: ServerRequestContext[Any, Any], params: types.RequestParams) -> Any:
    """`server/discover` that names handshake versions only: a 2026 client falls back to
    `initialize`, which gives it a session."""
    from mcp_types import UNSUPPORTED_PROTOCOL_VERSION, UnsupportedProtocolVersionErrorData

    data = UnsupportedProtocolVersionErrorData(supported=list(HANDSHAKE_PROTOCOL_VERSIONS),
                                               requested=ctx.protocol_version)
    raise MCPError(UNSUPPORTED_PROTOCOL_VERSION, "pathguard proxy: use the initialize handshake "
                   "(sessions are needed to count budgets)", data.model_dump(mode="json", by_alias=True))


def http_app(gate: Gate, host: str, instructions: str | None = None) -> Any:
    """The Starlette app of the SDK's streamable-HTTP transport at `/mcp`, wrapped so that a
    client ending its session (DELETE) closes its pathguard session."""
    server = build_server(gate, http_session, instructions)
    server.add_request_handler("server/discover", types.RequestParams, _handshake_only)
    app = server.streamable_http_app(host=host, session_idle_timeout=IDLE_SECONDS)

    async def wrapped(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
                      send: Callable[[Any], Awaitable[None]]) -> None:
        if scope.get("type") != "http" or scope.get("method") != "DELETE":
            await app(scope, receive, send)
            return
        status = 500

        async def watch(message: Any) -> None:
            nonlocal status
            if message.get("type") == "http.response.start":
                status = int(message.get("status", 500))
            await send(message)

        await app(scope, receive, watch)
        session = dict(scope.get("headers") or []).get(SESSION_HEADER.encode())
        if session and status < 400:  # the SDK ended that session (it refuses unknown ids)
            await gate.close(session.decode("latin-1"))

    return wrapped


async def serve_http(gate: Gate, host: str, port: int, ready: Callable[[str], None],
                     instructions: str | None = None) -> None:
    """Serve streamable HTTP on host:port (0: any free port) until interrupted; `ready` gets the URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PathguardError(f"cannot serve HTTP on {host}:{port}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    config = uvicorn.Config(http_app(gate, host, instructions), log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host

    async def sweep() -> None:
        while True:
            await anyio.sleep(60)
            await gate.close_idle(IDLE_SECONDS)

    async with anyio.create_task_group() as tg:
        tg.start_soon(sweep)

        async def announce() -> None:
            while not server.started:
                await anyio.sleep(0.05)
            ready(f"http://{shown}:{bound}/mcp")

        tg.start_soon(announce)
        try:
            await server.serve(sockets=[sock])
        finally:
            tg.cancel_scope.cancel()
