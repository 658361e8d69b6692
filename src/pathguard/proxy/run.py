"""`pathguard proxy`, assembled: reach the upstream, load the world and policy, serve.

Order matters for failing early and clearly: the upstream is started first
(without a spec its live `tools/list` *is* the world model), then the policy is
loaded against that world (an unknown endpoint is a located error, exit 2),
then the Guard opens the store. Only then does the proxy answer its client.
Everything it reports goes to stderr: on stdio, stdout is the MCP channel.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import anyio

from pathguard.proxy.gate import Gate, GateOptions
from pathguard.proxy.model import ToolMap, map_tools, world_from_spec, world_from_tools
from pathguard.proxy.upstream import Upstream, UpstreamSpec
from pathguard.store.base import Store


@dataclass(frozen=True)
class ProxyOptions:
    upstream: UpstreamSpec
    policy: Path
    spec: Path | None = None
    store: str | Store = "sqlite:///pathguard.db"   # a URL, or an open Store (embedding, tests)
    scope: str | None = None
    scope_limit: int | None = None
    port: int | None = None          # None: serve stdio; else streamable HTTP on host:port
    keyring: Path | None = None      # the approvers whose signed grants are used (approvers.yaml)
    host: str = "127.0.0.1"
    gate: GateOptions = field(default_factory=GateOptions)
    guard_options: dict[str, Any] = field(default_factory=dict)   # extra Guard(...) keywords (tests)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def say(line: str) -> None:
    print(f"pathguard proxy: {line}", file=sys.stderr, flush=True)


def redact(url: str) -> str:
    """A store URL without its password (`postgresql://user:secret@host` -> `user:***@host`)."""
    head, sep, tail = url.partition("://")
    if not sep or "@" not in tail:
        return url
    auth, _, rest = tail.rpartition("@")
    user = auth.split(":", 1)[0]
    return f"{head}://{user}{':***' if ':' in auth else ''}@{rest}"


@asynccontextmanager
async def open_gate(options: ProxyOptions, log: Callable[[str], None] = say) -> AsyncIterator[Gate]:
    """Upstream connected, world and policy loaded, Guard open: the gate, closed on exit."""
    from pathguard.policy.load import load_policy
    from pathguard.runtime import Guard

    async with Upstream.connect(options.upstream, timeout=options.gate.timeout) as upstream:
        tools = await upstream.list_tools(options.gate.timeout)
        if options.spec is not None:
            world = world_from_spec(options.spec)
            mapping: ToolMap = map_tools(world, tools, str(options.spec))
        else:
            world, mapping = world_from_tools(tools, upstream.server_name)
        policy = load_policy(options.policy, world)
        extra: dict[str, Any] = {"keyring": options.keyring} if options.keyring is not None else {}
        guard = Guard(world, policy, options.store, scope=options.scope, scope_limit=options.scope_limit,
                      **extra, **options.guard_options)
        try:
            for note in mapping.notes:
                log(note)
            for warning in (*policy.warnings, *world.warnings):
                log(warning.render())
            if guard.fault is not None:
                log(f"every call will be denied: {guard.fault}")
            url = options.store if isinstance(options.store, str) else options.store.url
            remote = url.startswith(("postgresql:", "postgres:"))
            gate = Gate(guard, mapping, upstream, replace(options.gate, offload=remote), log)
            served = "stdio" if options.port is None else f"streamable HTTP on {options.host}"
            if options.port is not None and options.host not in LOOPBACK:
                log(f"warning: serving on {options.host}, not a loopback address: anyone who reaches it "
                    "can call the upstream's tools through this proxy (it has no authentication of its own)")
            log(f"`{upstream.spec.label}` (MCP {upstream.client.session.protocol_version}) behind policy "
                f"`{policy.name}` ({len(mapping.endpoints)} tools mapped), store {redact(url)}, agent "
                f"`{options.gate.agent}`, serving {served}")
            try:
                yield gate
            finally:
                with anyio.CancelScope(shield=True):
                    await gate.close_all()
        finally:
            guard.close()


async def run_proxy(options: ProxyOptions, ready: Callable[[str], None] | None = None) -> None:
    from pathguard.proxy.server import serve_http, serve_stdio

    async with open_gate(options) as gate:
        instructions = gate.upstream.client.session.instructions
        if options.port is None:
            await serve_stdio(gate, instructions)
        else:
            await serve_http(gate, options.host, options.port,
                             ready or (lambda url: say(f"listening on {url}")), instructions)
