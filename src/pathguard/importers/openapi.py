"""OpenAPI 3.0/3.1 -> a draft world: one endpoint per operation.

Kind comes from the method, refined by `classify.py` (a POST to `.../rebuild` cannot be
undone, a DELETE that removes a member from a group destroys nothing); the resource from the
path; knowledge facts from path and body parameters matched against the objects other
operations return (`schemas.py`, `facts.py`); state and hazards from `state.py`.

An operation the importer cannot read (a `$ref` that points nowhere or outside the file, a
schema that is not one, a parameter `in` a place OpenAPI 3 does not have) is skipped with a
located warning, and every such problem is reported at once; the rest of the spec imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pathguard.errors import InputError, Problem
from pathguard.importers import naming
from pathguard.importers.classify import Signals, classify
from pathguard.importers.draft import Draft, DraftEndpoint
from pathguard.importers.facts import Need, Record, link
from pathguard.importers.locate import Locator
from pathguard.importers.needs import path_needs, scope_of
from pathguard.importers.refs import BadRef, Refs, as_dict, as_list
from pathguard.importers.schemas import OddSchema, Schemas, json_schema
from pathguard.importers.state import infer_lifecycles, lifecycle_of

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
METHOD_KIND = {"get": "read", "head": "read", "options": "read", "delete": "delete"}
_SEGMENT = re.compile(r"^(?P<pre>[^{}]*)\{(?P<param>[^{}]+)\}(?P<post>[^{}]*)$")
_LOCATIONS = frozenset({"path", "query", "header", "cookie"})
_MAX_DESCRIPTION = 300
_CREATE_VERBS = frozenset({"create", "add", "new", "register", "import", "allocate", "reserve", "clone",
                           "copy", "generate", "convert", "provision", "duplicate"})


class UnknownFormat(Exception):
    """Part of an operation in a form OpenAPI 3 does not define."""


@dataclass
class Segment:
    text: str
    param: bool = False
    action: bool = False          # `:reboot` after a parameter (`/instance/{id}:reboot`)


def segments(path: str) -> list[Segment]:
    """The segments of a path, without empty and version segments; `{id}:action` is a
    parameter and an action."""
    out = []
    for seg in path.split("/"):
        m = _SEGMENT.match(seg)
        if m:
            if m.group("pre").strip(":"):
                out.append(Segment(m.group("pre").strip(":")))
            out.append(Segment(m.group("param"), param=True))
            if m.group("post").strip(":"):
                out.append(Segment(m.group("post").strip(":"), action=True))
        elif seg and not naming.is_version(seg):
            head, _, action = seg.partition(":")
            if head:
                out.append(Segment(head))
            if action:
                out.append(Segment(action, action=True))
    return out


def resource_of(path: str, method: str = "get") -> tuple[str, str | None]:
    """(resource, trailing action) of a path: `/v2/volumes/{id}/actions` -> volume,
    `/apps/{app}/machines/{id}/stop` -> (machine, stop), `/instance/{id}:reboot` ->
    (instance, reboot).

    A trailing segment is an action, not a resource, when it is written `:action`, is a verb
    of the vocabulary (or starts with one), follows an action
    (`/destroy_with_associated_resources/dangerous`), or when a POST, PUT or PATCH names a
    singular thing right after an id (`POST /apps/{id}/promote`; but `DELETE
    /machines/{id}/lease` deletes a lease). Segments `actions` are skipped.
    """
    segs = segments(path)
    literal = [i for i, s in enumerate(segs) if not s.param]
    verb = None
    if literal and literal[-1] == len(segs) - 1:
        last, before = naming.snake(segs[-1].text), segs[-2] if len(segs) > 1 else None
        after_action = before is not None and not before.param and _is_action(naming.snake(before.text))
        after_id = before is not None and before.param and "version" not in naming.words(before.text)
        if segs[-1].action or _is_action(last) or after_action or (
                method in ("post", "put", "patch") and after_id and naming.singular(last) == last):
            verb = last
            literal.pop()
    last_param = max((i for i, s in enumerate(segs) if s.param), default=-1)
    while literal and literal[-1] > last_param and (
            _is_action(naming.snake(segs[literal[-1]].text))
            or segs[literal[-1]].text in ("actions", "action")):
        literal.pop()
    if not literal:
        return "api", verb
    return naming.singular(naming.snake(segs[literal[-1]].text)), verb


#: Particles that make a verb a noun (`add-ons`, `set-ups`, `plug-ins`, `check-ins`).
_PARTICLES = frozenset({"on", "ons", "up", "ups", "in", "ins", "out", "outs"})


def _is_action(segment: str) -> bool:
    """A verb (`reboot`) or a verb phrase (`reset_password`), not a noun made of a verb and a
    particle (`add_ons`)."""
    ws = segment.split("_")
    return segment in naming.VERBS or bool(lifecycle_of(segment)) or (
        len(ws) > 1 and ws[0] in naming.VERBS and not set(ws[1:]) <= _PARTICLES)


def draft_from_openapi(data: Any, file: str, text: str | None = None) -> Draft:
    if not isinstance(data, dict):
        raise InputError([Problem(file, None, "", "invalid", "expected a mapping at the top level")])
    if "swagger" in data:
        raise InputError([Problem(file, None, "swagger", "unsupported",
                                  "Swagger 2.0 is not supported", "convert it to OpenAPI 3 first")])
    if not str(data.get("openapi", "")).startswith("3"):
        raise InputError([Problem(file, None, "openapi", "unsupported",
                                  "not an OpenAPI 3.x document (no `openapi: 3.x` key)")])
    paths = data.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise InputError([Problem(file, None, "paths", "empty", "the spec has no paths")])
    refs = Refs(data)
    schemas = Schemas(refs)
    locator = Locator(text) if text is not None else None
    info = as_dict(data.get("info"))
    title = str(info.get("title") or Path(file).stem)
    draft = Draft(system=naming.snake(title), source=file,
                  description=f"{title} {info.get('version', '')}".strip() + " (imported from OpenAPI)")
    needs: dict[str, list[Need]] = {}
    records: dict[str, list[Record]] = {}
    verbs: dict[str, str] = {}
    for raw_path, raw_item in paths.items():
        path = str(raw_path)
        for method, op in _operations(refs, path, raw_item, draft=draft, file=file, locator=locator):
            try:
                ep, op_needs, op_records, verb = _operation(schemas, path, method, op, raw_item)
            except (BadRef, OddSchema, UnknownFormat) as exc:
                draft.problems.append(_problem(exc, file, locator, path, method))
                continue
            ep.name = _unique(ep.name, draft.endpoints)
            draft.endpoints[ep.name] = ep
            needs[ep.name], records[ep.name] = op_needs, op_records
            if verb:
                verbs[ep.name] = verb
    if not draft.endpoints:
        raise InputError(draft.problems or
                         [Problem(file, None, "paths", "empty", "the spec has no operations")])
    link(draft, needs, records)
    infer_lifecycles(draft, verbs)
    return draft


def _operations(refs: Refs, path: str, raw_item: Any, *, draft: Draft, file: str,
                locator: Locator | None) -> list[tuple[str, dict[str, Any]]]:
    try:
        item = refs.resolve(raw_item)
    except BadRef as exc:
        draft.problems.append(_problem(exc, file, locator, path, None))
        return []
    return [(m, item[m]) for m in METHODS if isinstance(item, dict) and isinstance(item.get(m), dict)]


def _problem(exc: Exception, file: str, locator: Locator | None, path: str, method: str | None) -> Problem:
    where = f"paths.{path}" + (f".{method}" if method else "")
    line = locator.line_of("paths", path, *([method] if method else [])) if locator else None
    what = f"{method.upper()} {path}" if method else path
    if isinstance(exc, BadRef):
        used = locator.line_of_text(exc.ref, line or 0) if locator else None
        at = f" (used at line {used})" if used and used != line else ""
        return Problem(file, line, where, exc.code, f"{exc.message}{at}; {what} skipped", exc.hint, "warning")
    code = "odd-schema" if isinstance(exc, OddSchema) else "unknown-format"
    return Problem(file, line, where, code, f"{exc}; {what} skipped", None, "warning")


def _unique(name: str, taken: dict[str, Any]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}_{n}", n + 1
    return out


def _operation(schemas: Schemas, path: str, method: str, op: dict[str, Any],
               raw_item: Any) -> tuple[DraftEndpoint, list[Need], list[Record], str | None]:
    refs = schemas.refs
    segs = segments(path)
    resource, verb = resource_of(path, method)
    op_id = str(op["operationId"]) if op.get("operationId") else ""
    name = naming.snake(op_id) if op_id else naming.snake(f"{method}_{path}")
    shared = as_list(as_dict(refs.resolve(raw_item)).get("parameters"))
    params = _parameters(refs, shared + as_list(op.get("parameters")))
    body = json_schema(refs.resolve(op.get("requestBody")))
    if body is not None:
        schemas.node(body)              # a body that is not a schema is an OddSchema here
    kind = METHOD_KIND.get(method, "write")
    ep = DraftEndpoint(name=name, kind=kind, resource=resource, call=f"{method.upper()} {path}",
                       description=_description(op) or " ".join(naming.words(name)).capitalize())
    literal = [s for s in segs if not s.param and not s.action and naming.snake(s.text) != verb]
    collection = naming.snake(literal[-1].text) if literal else resource
    signals = Signals(
        method=method, verb_words=naming.verb_words(op_id) + naming.words(verb or ""),
        summary=str(op.get("summary") or ""), description=str(op.get("description") or ""),
        collection=collection, tail=naming.snake(segs[-1].text) if segs and not segs[-1].param else None,
        on_item=any(s.param for s in segs),
        top_level=len(segs) == 2 and not segs[0].param and segs[1].param,
        path_words=[w for s in segs if not s.param for w in naming.words(s.text)],
        flags=schemas.flags(body, params))
    ep.notes.append(f"kind {kind}: method {method.upper()}")
    query = False
    if kind != "read":
        verdict = classify(signals)
        query = verdict.query
        _apply(ep, verdict)
    noun = naming.singular(collection)
    ends_in_collection = bool(segs) and not segs[-1].param and not segs[-1].action and \
        naming.snake(segs[-1].text) != verb
    creates = method in ("post", "put") and not query and (
        ends_in_collection or bool(set(signals.verb_words) & _CREATE_VERBS))
    listing = ep.kind == "read" and bool(segs) and not segs[-1].param
    op_records: list[Record] = []
    responses = as_dict(op.get("responses"))
    for code in sorted(str(c) for c in responses):
        if code.startswith("2"):
            schema = json_schema(refs.resolve(responses[code] if code in responses else responses[int(code)]))
            if schema is not None:
                op_records += schemas.records(schema, f"response {code}", noun, listing=listing,
                                              created=creates, scope=scope_of(segs, len(segs)))
    return ep, path_needs(schemas, segs, params, body, resource), op_records, verb


def _apply(ep: DraftEndpoint, verdict: Any) -> None:
    if verdict.query:
        ep.kind = "read"
        ep.notes.append(f"kind read: {verdict.why}")
    elif verdict.unlink or verdict.loses_nothing:
        if ep.kind == "delete":
            ep.kind = "write"
            ep.notes.append(f"kind write, not destructive: {verdict.why}")
        else:
            ep.notes.append(f"not destructive: {verdict.why}")
    elif verdict.klass:
        ep.klass = verdict.klass
        if ep.kind != "delete":
            ep.reversible = False
        ep.notes.append(f"destructive ({verdict.klass}): {verdict.why}")


def _parameters(refs: Refs, raw: list[Any]) -> list[dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for item in raw:
        p = refs.resolve(item)
        if not isinstance(p, dict) or "name" not in p:
            continue
        if p.get("in") not in _LOCATIONS:
            raise UnknownFormat(f"parameter `{p.get('name')}` is `in: {p.get('in')}`, which OpenAPI 3 "
                                "does not have (a Swagger 2 leftover?)")
        out[(str(p["in"]), str(p["name"]))] = p
    return list(out.values())


def _description(op: dict[str, Any]) -> str:
    summary = " ".join(str(op.get("summary") or "").split())
    text = " ".join(str(op.get("description") or "").strip().split("\n\n")[0].split())
    out = summary if not text or text == summary else (f"{summary}. {text}" if summary else text)
    return out if len(out) <= _MAX_DESCRIPTION else out[: _MAX_DESCRIPTION - 1].rstrip() + "…"
