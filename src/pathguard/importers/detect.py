"""One entry point for every input a user may hand to `analyze`.

`load_any(path)` looks at the content, not the file name: a top-level
`openapi` key is an OpenAPI spec, a top-level `tools` list is an MCP
`tools/list` result, anything else is a pathguard `endpoints.yaml`. Specs are
imported in memory; nothing is written. Operations the importer had to skip are
logged as warnings (logger `pathguard.importers`); `import --strict` refuses them.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathguard.errors import InputError, Problem
from pathguard.importers.draft import Draft
from pathguard.importers.mcp import draft_from_mcp
from pathguard.importers.openapi import draft_from_openapi
from pathguard.importers.overrides import apply_overrides, load_overrides
from pathguard.importers.rawfile import parse_data
from pathguard.importers.state import infer_destruction
from pathguard.model.load import load_world, world_from_document
from pathguard.model.world import World
from pathguard.source import Document, read_text

log = logging.getLogger("pathguard.importers")

_YAML_OPENAPI = re.compile(r"^(openapi|swagger)\s*:", re.MULTILINE)
_YAML_TOOLS = re.compile(r"^tools\s*:", re.MULTILINE)


@dataclass
class Imported:
    """A draft, the world it validates to, and how long the import took (seconds, wall clock)."""

    format: str
    draft: Draft
    world: World
    seconds: float


def sniff(text: str) -> str:
    """`openapi`, `mcp` or `endpoints`, from the content alone."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or JSON nobody writes: the loader says which
            data = None
        if isinstance(data, dict):
            if "openapi" in data or "swagger" in data:
                return "openapi"
            return "mcp" if isinstance(data.get("tools"), list) and "endpoints" not in data else "endpoints"
    if _YAML_OPENAPI.search(text):
        return "openapi"
    if _YAML_TOOLS.search(text) and not re.search(r"^endpoints\s*:", text, re.MULTILINE):
        return "mcp"
    return "endpoints"


def import_file(path: str | Path, fmt: str | None = None, overrides: str | Path | None = None,
                strict: bool = False) -> Imported:
    """Import an OpenAPI or MCP file (format sniffed unless given), apply overrides, validate.
    Operations that cannot be read are skipped with warnings in `draft.problems`; `strict`
    refuses the whole file instead, listing every problem."""
    start = time.perf_counter()
    name = str(path)
    text = read_text(path)
    fmt = fmt or sniff(text)
    data: Any = parse_data(text, name)
    draft = draft_from_openapi(data, name, text) if fmt == "openapi" else draft_from_mcp(data, name, text)
    if strict and draft.problems:
        raise InputError([Problem(p.file, p.line, p.field, p.code, p.message, p.hint)
                          for p in draft.problems])
    doc = Document(name, None)
    if overrides is not None:
        spec, doc = load_overrides(overrides)
        apply_overrides(draft, spec, doc)
    infer_destruction(draft)
    world = world_from_document(Document(doc.file, draft.document(), doc.lines))
    return Imported(fmt, draft, world, time.perf_counter() - start)


def load_any(path: str | Path) -> World:
    """The world of an `endpoints.yaml`, an OpenAPI spec or an MCP tools list."""
    fmt = sniff(read_text(path))
    if fmt == "endpoints":
        return load_world(path)
    result = import_file(path, fmt)
    for problem in result.draft.problems:
        log.warning("%s", problem.render())
    return result.world
