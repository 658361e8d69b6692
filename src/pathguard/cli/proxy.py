"""`pathguard proxy --policy POLICY [options] -- COMMAND ARGS...` (or `--upstream URL`).

Sits between an MCP client and an MCP server and enforces the policy on every
`tools/call` (see docs/proxy.md). Exit 0 when the client disconnects (stdio)
or the proxy is interrupted (HTTP); 2 when the inputs or the upstream are
unusable at startup, with the reason on stderr.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from pathguard.cli.common import positive_int
from pathguard.store.base import DEFAULT_URL


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"`{text}` must be a finite number of seconds, at least 0")
    return value


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"`{text}` is not a port number (0-65535; 0 picks a free one)")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = subparsers.add_parser(
        "proxy", help="enforce a policy on every tool call between an MCP client and an MCP server",
        description="Start an MCP server (COMMAND after `--`, or reach one at --upstream URL) and serve "
        "its tools to an MCP client, deciding every tools/call with the policy first: allowed calls "
        "are forwarded and recorded, denied ones come back as tool errors saying why.")
    p.add_argument("--policy", required=True, metavar="POLICY", help="policy.yaml to enforce")
    p.add_argument("--spec", metavar="ENDPOINTS", help="world model (endpoints.yaml, OpenAPI or MCP tools "
                   "list); default: import the upstream's live tools/list with worst-case defaults")
    p.add_argument("--store", default=os.environ.get("PATHGUARD_STORE", DEFAULT_URL), metavar="URL",
                   help="trace store: sqlite:///file.db or postgresql://... "
                   "(default: $PATHGUARD_STORE or sqlite:///pathguard.db)")
    p.add_argument("--agent", default="mcp-agent", metavar="NAME", help="agent name of the sessions "
                   "(it may never approve its own calls; default: mcp-agent)")
    p.add_argument("--intent", metavar="TEXT", help="the declared intent of every session (default: the "
                   "agent declares it with the declare_intent tool when the policy has an intent layer)")
    p.add_argument("--wait-approval", type=seconds, default=0.0, metavar="SECONDS",
                   help="hold a call that needs approval up to this long for an approver (default 0: "
                   "answer at once naming the request)")
    p.add_argument("--timeout", type=seconds, default=60.0, metavar="SECONDS",
                   help="seconds the upstream has to answer one call (default 60)")
    p.add_argument("--keyring", default=os.environ.get("PATHGUARD_KEYRING"), metavar="FILE",
                   help="the approvers whose signed grants the proxy accepts (approvers.yaml, see "
                   "`pathguard approvers`; default $PATHGUARD_KEYRING; without one no grant is used)")
    p.add_argument("--scope", metavar="NAME",
                   help="a budget shared by every session using this name and store")
    p.add_argument("--scope-limit", type=positive_int, metavar="N", help="actions the --scope allows in all")
    p.add_argument("--describe-policy", action="store_true",
                   help="append the policy's constraints to each tool's description")
    p.add_argument("--upstream", metavar="URL",
                   help="proxy a streamable-HTTP MCP server instead of a command")
    p.add_argument("--port", type=port_number, metavar="PORT", help="serve streamable HTTP on this local "
                   "port (0: a free one) instead of stdio (either upstream kind works with either)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve HTTP on (default 127.0.0.1)")
    p.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND ARGS",
                   help="the stdio MCP server to start")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import anyio

    from pathguard.errors import PathguardError
    from pathguard.proxy.gate import GateOptions
    from pathguard.proxy.run import ProxyOptions, run_proxy
    from pathguard.proxy.upstream import UpstreamSpec

    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if (args.scope is None) != (args.scope_limit is None):
        raise PathguardError("--scope and --scope-limit go together")
    if args.timeout <= 0:
        raise PathguardError("--timeout must be more than 0 seconds")
    if args.intent is not None and not args.intent.strip():
        raise PathguardError("--intent must say something")
    if not args.agent.strip():
        raise PathguardError("--agent needs a name")
    if args.upstream is not None and command:
        raise PathguardError("give the upstream as --upstream URL or as -- COMMAND, not both")
    port = args.port
    options = ProxyOptions(
        upstream=UpstreamSpec(tuple(command), args.upstream),
        policy=Path(args.policy), spec=Path(args.spec) if args.spec else None, store=args.store,
        scope=args.scope, scope_limit=args.scope_limit, port=port, host=args.host,
        keyring=Path(args.keyring) if args.keyring else None,
        gate=GateOptions(agent=args.agent.strip(), intent=args.intent.strip() if args.intent else None,
                         wait_approval=args.wait_approval, timeout=args.timeout,
                         describe=args.describe_policy, subagents=port is not None))
    anyio.run(run_proxy, options)
    return 0
