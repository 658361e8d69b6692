"""The world the proxy enforces: a given spec, or the upstream's live `tools/list` imported.

Endpoint names are tool names. With a spec, a tool is its endpoint of the same
name (or, failing that, of the name `pathguard import mcp` gives it, so
`writeFile` finds `write_file`); a tool the spec does not describe is denied,
and the startup report names it. Without a spec the MCP importer drafts the
world from the live listing with the MCP worst-case defaults (a tool without
annotations is a destructive write), and the report names every assumption.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mcp_types as types

from pathguard.importers.naming import snake
from pathguard.model.world import World
from pathguard.proxy.upstream import tool_dumps


@dataclass
class ToolMap:
    """tool name -> endpoint name, and what the startup report says about the mapping."""

    endpoints: dict[str, str]
    unknown: tuple[str, ...] = ()     # tools the world does not describe (always denied)
    unused: tuple[str, ...] = ()      # endpoints no tool offers
    notes: list[str] = field(default_factory=list)

    def endpoint(self, tool: str) -> str | None:
        return self.endpoints.get(tool)


def map_tools(world: World, tools: Sequence[types.Tool], source: str) -> ToolMap:
    """Match the upstream's tools to the endpoints of `world` (loaded from `source`): first every
    tool named exactly like an endpoint, then, in listing order, tools whose imported name is an
    endpoint no tool has taken. So a tool named like an endpoint is always that endpoint, and no
    endpoint stands for two tools."""
    names = set(world.names)
    endpoints: dict[str, str] = {t.name: t.name for t in tools if t.name in names}
    taken = set(endpoints.values())
    unknown: list[str] = []
    for tool in tools:
        if tool.name in endpoints:
            continue
        name = snake(tool.name)
        if name in names and name not in taken:
            endpoints[tool.name] = name
            taken.add(name)
        else:
            unknown.append(tool.name)
    unused = tuple(n for n in world.names if n not in taken)
    mapping = ToolMap(endpoints, tuple(unknown), unused)
    if unknown:
        mapping.notes.append(f"{len(unknown)} tool(s) not described by {source}, every call denied: "
                             + ", ".join(unknown))
    if unused:
        mapping.notes.append(f"{len(unused)} endpoint(s) of {source} offered by no upstream tool: "
                             + ", ".join(unused))
    renamed = [f"{t} -> {e}" for t, e in endpoints.items() if t != e]
    if renamed:
        mapping.notes.append("tools matched to endpoints by their imported name: " + ", ".join(renamed))
    return mapping


def world_from_tools(tools: Sequence[types.Tool], server_name: str) -> tuple[World, ToolMap]:
    """Import the live listing as `pathguard import mcp` would; raises InputError on a listing
    the importer cannot use (no tools, two tools with one endpoint name)."""
    from pathguard.importers.mcp import draft_from_mcp
    from pathguard.importers.state import infer_destruction
    from pathguard.model.load import world_from_document
    from pathguard.source import Document

    stem = snake(server_name or "upstream")
    source = f"{stem}.tools.json (the upstream's live tools/list)"
    draft = draft_from_mcp({"tools": tool_dumps(tools)}, f"{stem}.tools.json")
    infer_destruction(draft)
    world = world_from_document(Document(source, draft.document()))
    mapping = map_tools(world, tools, "the imported listing")
    assumed = [ep for ep in draft.endpoints.values() if ep.from_default]
    hinted = [ep.name for ep in draft.endpoints.values() if ep.kind == "read"]
    mapping.notes.insert(0, f"no --spec: the world model is imported from the upstream's live tools/list "
                         f"({len(world.endpoints)} tools); check it with `pathguard import mcp` and pass "
                         "it as --spec to fix its guesses")
    if assumed:
        mapping.notes.insert(1, "assumed by MCP worst-case defaults (annotation missing): " + "; ".join(
            f"{ep.name} is a {'destructive ' if ep.destructive else ''}{ep.kind}" for ep in assumed))
    if hinted:
        mapping.notes.insert(2 if assumed else 1, "read-only because the server says so (readOnlyHint, "
                             "an untrusted hint): " + ", ".join(hinted))
    return world, mapping


def world_from_spec(spec: str | Path) -> World:
    """An endpoints.yaml, an OpenAPI spec or an MCP tools list, told apart by content."""
    from pathguard.importers.detect import load_any

    return load_any(spec)
