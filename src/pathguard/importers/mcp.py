"""MCP `tools/list` -> a draft world: one endpoint per tool.

Annotations are untrusted hints, cross-checked with what the tool's name, description and
inputs say (`classify.py`): a tool named `drop_table` is destructive whatever `readOnlyHint`
claims; `create_refund` moves money although its server says `destructiveHint: false`; a
tool that only edits content (`create_or_update_file`) is not made destructive by the MCP
default alone (a missing `destructiveHint` means "may destroy"), but the report lists every
such default so a user can override it. An explicit `destructiveHint: true` is believed unless
the tool's verb is additive (create, add, update, ...).

Resource: the object of the tool's name, never its verb (`rebase_branch` -> branch). Knowledge:
a required input that identifies something (`projectId`, `database`, `subscription`: "The ID
of the subscription") is a fact the tool needs, produced by the read tools that list, search or
describe that thing (by name or description, or by an `outputSchema`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pathguard.errors import InputError, Problem
from pathguard.importers import naming, vocab
from pathguard.importers.classify import Flag, Signals, classify
from pathguard.importers.draft import Draft, DraftEndpoint
from pathguard.importers.facts import Need, Record, link
from pathguard.importers.refs import BadRef, Refs, as_dict, as_list
from pathguard.importers.schemas import OddSchema, Schemas
from pathguard.importers.state import infer_lifecycles, lifecycle_of

#: Verbs that add or edit content without losing any: an explicit `destructiveHint: true`
#: on such a tool is not enough to make it a target.
ADDITIVE = frozenset({"create", "add", "insert", "new", "post", "comment", "star", "upload", "invite",
                      "fork", "open", "register", "provision", "prepare", "generate", "write", "update",
                      "edit", "set", "rename", "assign", "label", "tag", "push", "clone", "copy", "sync",
                      "reply", "react", "request", "send", "subscribe", "manage"})
#: Verbs of tools that bring existing things into view.
READ_VERBS = frozenset({"list", "search", "find", "get", "describe", "fetch", "query", "read", "show",
                        "view"})
#: Verbs of tools whose `name`-like input is chosen by the caller, not known beforehand.
MAKE_VERBS = frozenset({"create", "install", "run", "rename", "add", "new", "insert", "register"})
_ALIASES = {"repo": "repository", "org": "organization", "db": "database"}
_SAYS_ID = re.compile(r"\b(id|ids|identifier|uuid)\b", re.IGNORECASE)
_SAYS_NAME = re.compile(r"\bname\b", re.IGNORECASE)
#: Characters of a description read for links.
_SAID = 4000
#: Verbs of tools that list things (their identifier inputs are filters, not what they are told).
_LISTS = frozenset({"list", "lists", "search", "searches", "find", "finds"})
#: Verbs with which a description says a tool returns things.
_RETURNS = ("list|lists|listing|return|returns|show|shows|get|gets|retrieve|retrieves|search|searches|find|"
            "finds|describe|describes|include|includes|including|fetch|fetches|read|reads|view|views|"
            "display|displays|enumerate|enumerates|contain|contains|with")


def draft_from_mcp(data: Any, file: str, text: str | None = None) -> Draft:
    tools = data.get("tools") if isinstance(data, dict) else None
    if not isinstance(tools, list) or not tools:
        raise InputError([Problem(file, None, "tools", "invalid",
                                  "expected a `tools/list` result, `{\"tools\": [...]}`, with a tool")])
    stem = Path(file).name.split(".")[0]
    draft = Draft(system=naming.snake(stem), source=file,
                  description=f"{stem} MCP tools (imported from tools/list)")
    valid: dict[str, dict[str, Any]] = {}
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            draft.problems.append(Problem(file, None, f"tools[{i}]", "invalid",
                                          "a tool needs a `name` string; tool skipped", None, "warning"))
            continue
        name = naming.snake(tool["name"])
        if name in valid:
            before = sum(1 for t in tools[:i] if isinstance(t, dict) and t.get("name") == tool["name"])
            line = _nth_line(text, json.dumps(tool["name"]), before)
            draft.problems.append(Problem(file, line, f"tools[{i}].name", "duplicate",
                                          f"tool `{tool['name']}` gives the endpoint name `{name}` a tool "
                                          "before it already has; tool skipped", None, "warning"))
            continue
        valid[name] = tool
    if not valid:
        raise InputError(draft.problems)
    phrases = {n: naming.object_phrase(naming.words(t["name"])) for n, t in valid.items()}
    readers = {n for n, t in valid.items() if _reads(t, phrases[n])}
    known = {_alias(w) for n in readers for w in phrases[n]}
    needs: dict[str, list[Need]] = {}
    records: dict[str, list[Record]] = {}
    verbs: dict[str, str] = {}
    for name, tool in valid.items():
        ws = naming.words(tool["name"])
        schema = as_dict(tool.get("inputSchema"))
        resource = naming.phrase_noun(phrases[name]) or _input_noun(schema) or ws[-1]
        ep = DraftEndpoint(name=name, kind="write", resource=_alias(resource),
                           description=_description(tool) or " ".join(ws).capitalize(),
                           call=f"MCP tool {tool['name']}")
        flags = _flags(schema)
        needs[name] = _identifiers(schema, ep.resource, makes=bool(MAKE_VERBS & set(ws)), known=known,
                                   readers=readers, tools=valid)
        _classify(ep, tool, ws, flags, on_item=bool(needs[name]))
        draft.endpoints[name] = ep
        records[name] = _output_records(tool, ep.resource) if name in readers else []
        verb = next((w for w in ws if lifecycle_of(w)), None)
        if verb:
            verbs[name] = verb
    told = {name: _told(tool, draft.endpoints[name].resource, phrases[name]) for name, tool in valid.items()}
    link(draft, needs, records, _reveals(valid, readers, phrases, needs), told)
    infer_lifecycles(draft, verbs)
    defaults = [ep.name for ep in draft.endpoints.values() if ep.from_default]
    if defaults:
        plural = "s" if len(defaults) > 1 else ""
        draft.report.append(f"{len(defaults)} classification{plural} came from MCP defaults "
                            f"(annotation missing): {', '.join(defaults)}")
    return draft


def _nth_line(text: str | None, needle: str, n: int) -> int | None:
    """The line of the `n`-th (0-based) occurrence of `needle` in `text`."""
    if text is None:
        return None
    at = -1
    for _ in range(n + 1):
        at = text.find(needle, at + 1)
        if at < 0:
            return None
    return text.count("\n", 0, at) + 1


def _alias(noun: str) -> str:
    return _ALIASES.get(noun, naming.singular(noun))


def _reads(tool: dict[str, Any], phrase: list[str]) -> bool:
    hints = as_dict(tool.get("annotations"))
    ws = naming.words(tool["name"])
    return hints.get("readOnlyHint") is True or \
        bool(set(ws) & READ_VERBS and phrase and not MAKE_VERBS & set(ws))


def _description(tool: dict[str, Any]) -> str:
    hints = as_dict(tool.get("annotations"))
    title = str(hints.get("title") or tool.get("title") or "")
    text = " ".join(str(tool.get("description") or "").split())
    out = f"{title}. {text}" if title and text else (title or text)
    return out if len(out) <= 300 else out[:299].rstrip() + "…"


def _flags(schema: dict[str, Any]) -> list[Flag]:
    out = []
    for key, sub in as_dict(schema.get("properties")).items():
        node = as_dict(sub)
        kind = node.get("type")
        out.append(Flag(naming.snake(str(key)), kind if isinstance(kind, str) else None,
                        str(node.get("description") or ""), tuple(str(v) for v in as_list(node.get("enum")))))
    return out


def _classify(ep: DraftEndpoint, tool: dict[str, Any], ws: list[str], flags: list[Flag], *,
              on_item: bool) -> None:
    hints = {k: v for k, v in as_dict(tool.get("annotations")).items() if isinstance(v, bool)}
    title = str(as_dict(tool.get("annotations")).get("title") or tool.get("title") or "")
    read_only, destructive = hints.get("readOnlyHint"), hints.get("destructiveHint")
    # a read-only hint is overruled by the tool's name or description, not by its filters' values
    verdict = classify(Signals("tool", ws, title, str(tool.get("description") or ""),
                               flags=[] if read_only is True else flags, on_item=on_item))
    if read_only is True and not verdict.klass:
        ep.kind = "read"
        ep.notes.append("kind read: readOnlyHint true (an untrusted hint; nothing in the name or description "
                        "contradicts it)")
        return
    if read_only is None:
        ep.from_default = True
        ep.notes.append("readOnlyHint absent: MCP default false (not read-only)")
    if verdict.klass:
        said = {True: " (readOnlyHint true is contradicted)", None: ""}.get(read_only, "")
        said += " (destructiveHint false is contradicted)" if destructive is False else ""
        _destroy(ep, verdict.klass, f"{verdict.why}{said}", ws)
    elif verdict.unlink:
        ep.notes.append(f"not destructive: {verdict.why}"
                        + (" (destructiveHint true is contradicted)" if destructive else ""))
    elif destructive is True and not ADDITIVE & set(ws):
        _destroy(ep, "irreversible", "destructiveHint true, and the name shows no additive verb", ws)
    elif destructive is None and vocab.EXEC_VERBS & set(ws) and vocab.EXEC_INPUTS & set(ws):
        ep.from_default = True
        _destroy(ep, "data-loss", "destructiveHint absent (MCP default: may destroy), kept: the tool runs "
                 "whatever it is given (`" + "/".join(sorted(vocab.EXEC_INPUTS & set(ws))) + "`)", ws)
    elif destructive is None:
        ep.from_default = True
        ep.notes.append("destructiveHint absent (MCP default: may destroy), but nothing in the name, "
                        "description "
                        "or inputs destroys: treated as reversible; override if wrong")
    elif destructive is True:
        ep.notes.append("destructiveHint true, but the tool only adds or edits content (`"
                        + "/".join(sorted(ADDITIVE & set(ws)))
                        + "`): treated as reversible; override if wrong")
    else:
        why = f"; {verdict.why}" if verdict.why else ""
        ep.notes.append(f"kind write: destructiveHint false (an untrusted hint){why}")
    extra = [f"{hint} {str(hints[hint]).lower()}" for hint in ("idempotentHint", "openWorldHint")
             if hint in hints]
    if extra:
        ep.notes.append(", ".join(extra) + " (informational)")


def _destroy(ep: DraftEndpoint, klass: str, why: str, ws: list[str]) -> None:
    ep.klass = klass
    if klass == "delete" and set(ws) & {"delete", "remove", "drop", "destroy", "uninstall", "purge"}:
        ep.kind = "delete"
    else:
        ep.kind, ep.reversible = "write", False
    ep.notes.append(f"destructive ({klass}): {why}")


def _input_noun(schema: dict[str, Any]) -> str | None:
    for raw in as_list(schema.get("required")):
        ws = naming.words(str(raw))
        cut = next((i for i, w in enumerate(ws) if i and w in naming.ID_SUFFIX), len(ws))
        if ws and ws[0] not in naming.GENERIC:
            return "_".join(ws[:cut])
    return None


def _identifiers(schema: dict[str, Any], resource: str, *, makes: bool, known: set[str], readers: set[str],
                 tools: dict[str, dict[str, Any]]) -> list[Need]:
    """The facts a tool needs: its required inputs that identify something."""
    props = as_dict(schema.get("properties"))
    out = []
    for raw in as_list(schema.get("required")):
        if not isinstance(raw, str) or raw not in props:
            continue
        desc = str(as_dict(props[raw]).get("description") or "")
        name, why = naming.snake(raw), f"required input `{raw}`"
        parts = name.split("_")
        if name in naming.GENERIC:
            if not (makes and name in ("name", "slug", "key")):
                noun = _named_in(desc, name, known, tools) or resource
                out.append(Need(f"{noun}_{name}", (noun,), naming.GENERIC[name], why))
            continue
        cut = next((i for i, p in enumerate(parts) if i and p in naming.ID_SUFFIX), None)
        if cut is not None:
            suffix = "id" if parts[cut] == "ids" else parts[cut]
            stem = parts[:cut]
            noun = _alias(stem[-1]) if len(stem) > 1 and _alias(stem[-1]) in known else _alias("_".join(stem))
            out.append(Need(f"{noun}_{suffix}", (noun,), naming.ID_SUFFIX[suffix], why))
            continue
        noun = _alias(name)
        if noun in known or any(_mentions(tools[r], noun) for r in readers):
            suffix = "_id" if _SAYS_ID.search(desc) else "_name" if _SAYS_NAME.search(desc) else ""
            out.append(Need(f"{noun}{suffix}", (noun,), ("id", "name"), why))
    return out


def _named_in(desc: str, field: str, known: set[str], tools: dict[str, dict[str, Any]]) -> str | None:
    """The thing a generic input identifies when its description says so ("Name of the Pod to
    get the logs from" -> pod), if some read tool knows that thing."""
    m = re.match(rf"\s*(?:the\s+)?{field}\s+of\s+(?:the\s+|a\s+|an\s+)?([a-z][a-z\s]*?)(?:\s+(?:to|from|in|"
                 rf"that|which|whose|for|where)\b|[.,(]|$)", desc, re.IGNORECASE)
    if not m:
        return None
    noun = _alias("_".join(naming.words(m.group(1).split()[-1])))    # "TaskRun" -> task_run, never run
    return noun if noun in known or any(_mentions(t, noun) for t in tools.values()) else None


def _said(tool: dict[str, Any]) -> str:
    """The start of a tool's description, where it says what it works on: linking reads no
    further, so a hostile megabyte of description costs no more than a normal one."""
    return str(tool.get("description") or "")[:_SAID]


def _mentions(tool: dict[str, Any], noun: str) -> str | None:
    """The plural of `noun` when the tool's description mentions it (`... projects, and branches`)."""
    text = _said(tool)
    for plural in {noun + "s", noun + "es", noun[:-1] + "ies" if noun.endswith("y") else noun + "s"}:
        if re.search(rf"\b{re.escape(plural.replace('_', ' '))}\b", text, re.IGNORECASE):
            return plural
    return None


def _reveals(tools: dict[str, dict[str, Any]], readers: set[str], phrases: dict[str, list[str]],
             needs: dict[str, list[Need]]) -> dict[str, dict[str, str]]:
    wanted = {n for items in needs.values() for need in items for n in need.nouns}
    out: dict[str, dict[str, str]] = {}
    for name in readers:
        found: dict[str, str] = {}
        nouns = {_alias(w) for w in phrases[name]} | {naming.phrase_noun(phrases[name]) or ""}
        for noun in sorted(wanted):
            if noun in nouns:
                found[noun] = f"tool name shows it lists or reads `{noun}` (tools/list has no output schema)"
            elif plural := _lists(tools[name], noun):
                found[noun] = f"description says it returns `{plural}`"
        out[name] = found
    return out


def _told(tool: dict[str, Any], resource: str, phrase: list[str]) -> set[str]:
    """The identifiers of the objects its name reads that a tool may be told, required or not
    (`kiali_get_pod_performance` takes a `podName`): it cannot be where an agent first learns
    them. The identifier inputs of a listing are filters, so a listing is told nothing."""
    said = naming.words(_said(tool)[:64])[:1]
    if set(naming.words(tool["name"]) + said) & _LISTS:
        return set()
    named = {_alias(w) for w in phrase} | {resource}
    out = set()
    for key in as_dict(as_dict(tool.get("inputSchema")).get("properties")):
        ws = naming.snake(str(key)).split("_")
        noun = _alias("_".join(ws[:-1])) if len(ws) > 1 else resource
        if ws[-1] in naming.ID_SUFFIX and noun in named:
            out.add(f"{noun}_{'id' if ws[-1] == 'ids' else ws[-1]}")
    return out


def _lists(tool: dict[str, Any], noun: str) -> str | None:
    """The plural of `noun` when the tool's description says it returns them ("Lists all
    branches", "returns the databases"), not merely mentions them."""
    plural = _mentions(tool, noun)
    if plural is None:
        return None
    said = re.search(rf"\b({_RETURNS})\b[^.]{{0,200}}\b{re.escape(plural.replace('_', ' '))}\b",
                     _said(tool), re.IGNORECASE)
    return plural if said else None


def _output_records(tool: dict[str, Any], resource: str) -> list[Record]:
    """The objects an `outputSchema` promises, read like an OpenAPI response."""
    schema = tool.get("outputSchema")
    if not isinstance(schema, dict):
        return []
    try:
        return Schemas(Refs(schema)).records(schema, "output", resource, listing=True, created=False)
    except (BadRef, OddSchema):
        return []
