"""MCP `tools/list` -> a draft world: one endpoint per tool.

Annotations are untrusted hints, so the MCP specification's worst-case
defaults apply when one is missing: `readOnlyHint` false, and for a tool that
is not read-only `destructiveHint` true. Every classification that came from
a default is marked so the report can list it and an overrides file can fix it.

Knowledge: a required input that identifies something (`projectId`, `name`,
`repo`) is a fact the tool needs when some other tool's name shows it lists or
creates that thing (`list_projects`); inputs no tool reveals stay free.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathguard.errors import InputError, Problem
from pathguard.importers import classify as vocab
from pathguard.importers.draft import Draft, DraftEndpoint
from pathguard.importers.refs import as_dict, as_list
from pathguard.importers.state import infer_lifecycles

#: A destructive tool whose name holds one of these words is a `delete`.
DELETE_WORDS = frozenset({"delete", "remove", "uninstall", "destroy", "drop"})

#: Tools with one of these words bring new things into view (or into being):
#: they reveal identifiers; a tool that only gets one thing reveals nothing new
#: unless the thing is plural in its name (`get_database_tables`).
REVEAL_WORDS = frozenset({"list", "search", "find", "create", "prepare", "install", "run", "top"})

#: A tool with one of these words names what it makes: its `name` input is chosen, not known.
MAKE_WORDS = frozenset({"create", "install", "run", "rename"})


def draft_from_mcp(data: Any, file: str) -> Draft:
    tools = data.get("tools") if isinstance(data, dict) else None
    if not isinstance(tools, list) or not tools:
        raise InputError([Problem(file, None, "tools", "invalid",
                                  "expected a `tools/list` result, `{\"tools\": [...]}`, with a tool")])
    stem = Path(file).name.split(".")[0]
    draft = Draft(system=vocab.snake(stem), source=file,
                  description=f"{stem} MCP tools (imported from tools/list)")
    problems: list[Problem] = []
    nouns: dict[str, set[str]] = {}
    inputs: dict[str, list[tuple[str, tuple[str, ...], str]]] = {}
    verbs: dict[str, str] = {}
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            problems.append(Problem(file, None, f"tools[{i}]", "invalid", "a tool needs a `name` string"))
            continue
        name = vocab.snake(tool["name"])
        if name in draft.endpoints:
            problems.append(Problem(file, None, f"tools[{i}].name", "duplicate",
                                    f"tool `{tool['name']}` gives the endpoint name `{name}` "
                                    "a tool before it already has"))
            continue
        words = vocab.words(tool["name"])
        noun_words = [vocab.singular(w) for w in words if w not in vocab.VERBS]
        ep = DraftEndpoint(name=name, kind="write", resource=(noun_words or words[-1:])[0],
                           description=_description(tool) or " ".join(words).capitalize(),
                           call=f"MCP tool {tool['name']}")
        _classify(ep, tool.get("annotations"), words)
        draft.endpoints[name] = ep
        inputs[name] = _identifiers(tool.get("inputSchema"), ep.resource, bool(MAKE_WORDS & set(words)))
        revealing = bool(REVEAL_WORDS & set(words))
        nouns[name] = {vocab.singular(w) for w in words if revealing or vocab.singular(w) != w}
        verb = next((w for w in words if vocab.lifecycle_of(w)), None)
        if verb:
            verbs[name] = verb
    if problems:
        raise InputError(problems)
    _link(draft, nouns, inputs)
    infer_lifecycles(draft, verbs)
    defaults = [ep.name for ep in draft.endpoints.values() if ep.from_default]
    if defaults:
        plural = "s" if len(defaults) > 1 else ""
        draft.report.append(f"{len(defaults)} classification{plural} came from MCP defaults "
                            f"(annotation missing): {', '.join(defaults)}")
    return draft


def _description(tool: dict[str, Any]) -> str:
    hints = as_dict(tool.get("annotations"))
    title = str(hints.get("title") or tool.get("title") or "")
    text = " ".join(str(tool.get("description") or "").split())
    out = f"{title}. {text}" if title and text else (title or text)
    return out if len(out) <= 300 else out[:299].rstrip() + "…"


def _classify(ep: DraftEndpoint, annotations: Any, words: list[str]) -> None:
    given = annotations if isinstance(annotations, dict) else {}
    hints = {k: v for k, v in given.items() if isinstance(v, bool)}   # anything else counts as absent
    read_only = hints.get("readOnlyHint")
    if read_only is True:
        ep.kind = "read"
        ep.notes.append("kind read: readOnlyHint true (an untrusted hint)")
        return
    if read_only is None:
        ep.from_default = True
        ep.notes.append("readOnlyHint absent: MCP default false (not read-only)")
    destructive = hints.get("destructiveHint")
    if destructive is None:
        ep.from_default = True
        destructive = True
        ep.notes.append("destructiveHint absent: MCP default true for a tool that is not read-only")
    if destructive:
        if DELETE_WORDS & set(words):
            ep.kind = "delete"
            named = "/".join(sorted(DELETE_WORDS & set(words)))
            ep.notes.append(f"kind delete: destructive and named {named}")
        else:
            ep.reversible = False
            ep.notes.append("kind write, reversible false: destructive (may destroy or overwrite)")
    else:
        ep.notes.append("kind write: destructiveHint false (an untrusted hint)")
    extra = [f"{hint} {str(hints[hint]).lower()}" for hint in ("idempotentHint", "openWorldHint")
             if hint in hints]
    if extra:
        ep.notes.append(", ".join(extra) + " (informational)")


Identifier = tuple[str, tuple[str, ...], str]


def _identifiers(schema: Any, resource: str, makes: bool) -> list[Identifier]:
    """(fact, nouns that reveal it, input name) for each required identifying input."""
    if not isinstance(schema, dict):
        return []
    props: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
    out: list[Identifier] = []
    for raw in as_list(schema.get("required")):
        if not isinstance(raw, str) or raw not in props:
            continue
        name = vocab.snake(raw)
        parts = name.split("_")
        if name in vocab.GENERIC:
            if makes:
                continue
            out.append((f"{resource}_{name}", (resource,), raw))
        elif name in vocab.NAMED:
            out.append((name, vocab.NAMED[name], raw))
        elif any(p in vocab.ID_SUFFIX for p in parts[1:]):
            cut = next(i for i, p in enumerate(parts) if i and p in vocab.ID_SUFFIX)
            fact = "_".join([*parts[:cut], "id" if parts[cut] == "ids" else parts[cut]])
            out.append((fact, (vocab.singular(parts[cut - 1]),), raw))
    return out


def _link(draft: Draft, nouns: dict[str, set[str]], inputs: dict[str, list[Identifier]]) -> None:
    needers: dict[str, set[str]] = {}
    for name, items in inputs.items():
        for fact, _, _ in items:
            needers.setdefault(fact, set()).add(name)
    for name, items in inputs.items():
        for fact, reveal, raw in items:
            producers = [p for p in draft.endpoints if p not in needers[fact] and nouns[p] & set(reveal)]
            if not producers:
                continue
            draft.endpoints[name].needs[fact] = f"required input `{raw}`"
            for p in producers:
                noun = sorted(nouns[p] & set(reveal))[0]
                draft.endpoints[p].produces.setdefault(
                    fact, f"tool name mentions `{noun}` (by name: tools/list has no output schema)")
