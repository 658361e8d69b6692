"""A small MCP server for the proxy tests: read and destructive tools on one directory.

    python toyserver.py ROOT [--log FILE] [--http] [--also NAME] [--modern-only]

Serves stdio, or with `--http` streamable HTTP on a free local port (it prints
`listening on URL` on stdout). Every tool that runs appends one JSON line
(tool, arguments) to FILE, so a test can count what really ran upstream. Paths
are relative to ROOT and may not leave it. Annotations are set on some tools
and left out on others, so the importer's worst-case defaults get exercised.
`sleep` hangs (timeouts), `crash` kills the process mid-call, `fail` answers
with an isError result or a JSON-RPC error of the server's own. `--also NAME`
adds a read tool NAME (a name the proxy may want for itself); `--modern-only`
refuses the `initialize` handshake, as a 2026-only server does.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.shared.exceptions import MCPError
from mcp_types import UNSUPPORTED_PROTOCOL_VERSION
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

READ = types.ToolAnnotations(read_only_hint=True)
DESTRUCTIVE = types.ToolAnnotations(read_only_hint=False, destructive_hint=True)
SAFE_WRITE = types.ToolAnnotations(read_only_hint=False, destructive_hint=False)


def schema(**props: str) -> dict[str, Any]:
    types_of = {"str": {"type": "string"}, "num": {"type": "number"}}
    return {"type": "object", "properties": {k: types_of[v] for k, v in props.items()},
            "required": list(props)}


TOOLS = [
    types.Tool(name="list_files", description="List the files of the directory",
               input_schema=schema(), annotations=READ),
    types.Tool(name="read_file", description="Read one file", input_schema=schema(path="str"), annotations=READ),
    types.Tool(name="write_file", description="Create or overwrite a file",
               input_schema=schema(path="str", content="str"), annotations=DESTRUCTIVE),
    types.Tool(name="move_file", description="Move or rename a file",
               input_schema=schema(source="str", destination="str")),          # no annotations
    types.Tool(name="delete_file", description="Delete a file", input_schema=schema(path="str"),
               annotations=DESTRUCTIVE),
    types.Tool(name="add_note", description="Append a new note file", input_schema=schema(text="str"),
               annotations=SAFE_WRITE),
    types.Tool(name="sleep", description="Wait some seconds", input_schema=schema(seconds="num"),
               annotations=READ),
    types.Tool(name="crash", description="Exit the server process", input_schema=schema(), annotations=READ),
    types.Tool(name="fail", description="Fail: how is `result` or `rpc`", input_schema=schema(how="str"),
               annotations=READ),
]


class Toy:
    def __init__(self, root: Path, log: Path | None) -> None:
        self.root = root.resolve()
        self.log = log

    def path(self, name: Any) -> Path:
        target = (self.root / str(name)).resolve()
        if self.root not in target.parents:
            raise ValueError(f"{name} is outside the directory")
        return target

    async def call(self, name: str, args: dict[str, Any]) -> str:
        if self.log is not None:
            with self.log.open("a") as out:
                out.write(json.dumps({"tool": name, "args": args, "pid": os.getpid()}) + "\n")
        if name == "list_files":
            return "\n".join(sorted(p.name for p in self.root.iterdir()))
        if name == "read_file":
            return self.path(args["path"]).read_text()
        if name == "write_file":
            self.path(args["path"]).write_text(args["content"])
            return f"wrote {args['path']}"
        if name == "move_file":
            self.path(args["source"]).rename(self.path(args["destination"]))
            return f"moved {args['source']} to {args['destination']}"
        if name == "delete_file":
            self.path(args["path"]).unlink()
            return f"deleted {args['path']}"
        if name == "add_note":
            path = self.root / f"note-{time.time_ns()}-{os.getpid()}.txt"
            path.write_text(args["text"])
            return f"added {path.name}"
        if name == "sleep":
            await anyio.sleep(float(args["seconds"]))
            return "awake"
        if name == "crash":
            os._exit(3)
        if name == "fail":
            if args["how"] == "rpc":
                raise MCPError(-32099, "toy: refused by the server itself", {"why": "asked to"})
            raise RuntimeError("toy: the tool failed")
        raise MCPError(-32602, f"unknown tool {name}")


def build(toy: Toy) -> Server[Any]:
    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=TOOLS)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        try:
            text = await toy.call(params.name, dict(params.arguments or {}))
        except MCPError:
            raise
        except Exception as exc:
            return types.CallToolResult(content=[types.TextContent(type="text", text=str(exc))], is_error=True)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    return Server("toy-files", version="1", on_list_tools=list_tools, on_call_tool=call_tool)


async def refuse_handshake(ctx: Any, call_next: Any) -> Any:
    """Server middleware: `initialize` is answered with the versions this server speaks instead."""
    if ctx.method == "initialize":
        raise MCPError(UNSUPPORTED_PROTOCOL_VERSION, "toy: 2026-07-28 only",
                       {"supported": list(MODERN_PROTOCOL_VERSIONS), "requested": "handshake"})
    return await call_next(ctx)


async def main(argv: list[str]) -> None:
    root = Path(argv[0])
    log = Path(argv[argv.index("--log") + 1]) if "--log" in argv else None
    if "--also" in argv:
        TOOLS.append(types.Tool(name=argv[argv.index("--also") + 1], description="A tool with a taken name",
                                input_schema=schema(), annotations=READ))
    server = build(Toy(root, log))
    if "--modern-only" in argv:
        server.middleware.insert(0, refuse_handshake)
    if "--http" in argv:
        import socket

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        app = server.streamable_http_app(host="127.0.0.1")
        web = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}/mcp", flush=True)
        await web.serve(sockets=[sock])
        return
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main, sys.argv[1:])
