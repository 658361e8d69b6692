"""OpenAPI 3.0/3.1 -> a draft world: one endpoint per operation.

Kind comes from the method, refined by the vocabulary of `classify.py`
(a POST to `.../rebuild` cannot be undone); the resource from the path;
knowledge facts from path and body parameters matched against the objects
other operations return (`facts.py`); state and hazards from `state.py`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pathguard.errors import InputError, Problem
from pathguard.importers import classify as vocab
from pathguard.importers.draft import Draft, DraftEndpoint
from pathguard.importers.facts import Need, Record, link
from pathguard.importers.refs import Refs, as_dict, as_list
from pathguard.importers.state import infer_lifecycles

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"^\{(.+)\}$")
_MAX_DESCRIPTION = 300


def draft_from_openapi(data: Any, file: str) -> Draft:
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
    refs = Refs(data, file)
    info: dict[str, Any] = data["info"] if isinstance(data.get("info"), dict) else {}
    title = str(info.get("title") or Path(file).stem)
    draft = Draft(system=vocab.snake(title), source=file,
                  description=f"{title} {info.get('version', '')}".strip() + " (imported from OpenAPI)")
    needs: dict[str, list[Need]] = {}
    records: dict[str, list[Record]] = {}
    verbs: dict[str, str] = {}
    for raw_path, raw_item in paths.items():
        item = refs.resolve(raw_item)
        if not isinstance(item, dict):
            continue
        shared = as_list(item.get("parameters"))
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            ep, op_needs, op_records, verb = _operation(refs, str(raw_path), method, op, shared)
            ep.name = _unique(ep.name, draft.endpoints)
            draft.endpoints[ep.name] = ep
            needs[ep.name], records[ep.name] = op_needs, op_records
            if verb:
                verbs[ep.name] = verb
    if not draft.endpoints:
        raise InputError([Problem(file, None, "paths", "empty", "the spec has no operations")])
    link(draft, needs, records)
    infer_lifecycles(draft, verbs)
    return draft


def _unique(name: str, taken: dict[str, Any]) -> str:
    out, n = name, 2
    while out in taken:
        out, n = f"{name}_{n}", n + 1
    return out


def _segments(path: str) -> list[tuple[str, bool]]:
    """(segment, is_parameter) of a path, without empty and version segments."""
    out = []
    for seg in path.split("/"):
        m = _PARAM.match(seg)
        if m:
            out.append((m.group(1), True))
        elif seg and not vocab.is_version(seg):
            out.append((seg, False))
    return out


def resource_of(path: str, method: str = "get") -> tuple[str, str | None]:
    """(resource, trailing action) of a path: `/v2/volumes/{id}/actions` -> volume,
    `/apps/{app}/machines/{id}/stop` -> (machine, stop).

    A trailing segment is an action, not a resource, when it is a verb of the
    vocabulary (or starts with one), when it follows an action
    (`/destroy_with_associated_resources/dangerous`), or when a POST, PUT or
    PATCH names a singular thing right after an id (`POST /apps/{id}/promote`;
    but `DELETE /machines/{id}/lease` deletes a lease). Segments `actions`
    are skipped.
    """
    segs = _segments(path)
    literal = [i for i, (_, is_param) in enumerate(segs) if not is_param]
    verb = None
    if literal and literal[-1] == len(segs) - 1:
        last = vocab.snake(segs[-1][0])
        before = segs[-2] if len(segs) > 1 else None
        after_action = before is not None and not before[1] and _is_action(vocab.snake(before[0]))
        after_id = before is not None and before[1]
        if _is_action(last) or after_action or (
                method in ("post", "put", "patch") and after_id and vocab.singular(last) == last):
            verb = last
            literal.pop()
    while literal and literal[-1] > _last_param(segs) and (
            _is_action(vocab.snake(segs[literal[-1]][0])) or segs[literal[-1]][0] in ("actions", "action")):
        literal.pop()
    if not literal:
        return "api", verb
    return vocab.singular(vocab.snake(segs[literal[-1]][0])), verb


def _is_action(segment: str) -> bool:
    words = segment.split("_")
    return segment in vocab.VERBS or bool(vocab.lifecycle_of(segment)) or (
        len(words) > 1 and words[0] in vocab.VERBS)


def _last_param(segs: list[tuple[str, bool]]) -> int:
    return max((i for i, (_, is_param) in enumerate(segs) if is_param), default=-1)


def _operation(refs: Refs, path: str, method: str, op: dict[str, Any],
               shared: list[Any]) -> tuple[DraftEndpoint, list[Need], list[Record], str | None]:
    resource, verb = resource_of(path, method)
    name = vocab.snake(str(op["operationId"])) if op.get("operationId") else \
        vocab.snake(f"{method}_{path}")
    kind = vocab.METHOD_KIND.get(method, "write")
    ep = DraftEndpoint(name=name, kind=kind, resource=resource, call=f"{method.upper()} {path}",
                       description=_description(op) or " ".join(vocab.words(name)).capitalize())
    ep.notes.append(f"kind {kind}: method {method.upper()}")
    body = _json_schema(refs, refs.resolve(op.get("requestBody")))
    word = vocab.irreversible_word(verb) if verb and kind != "read" else None
    if word:
        ep.reversible = False
        ep.notes.append(f"reversible false: path segment `{verb}` is in the irreversible vocabulary")
    elif body is not None and kind == "write":
        hits = [t for t in refs.enum_of(body, "type") if vocab.irreversible_word(t)]
        if hits:
            ep.reversible = False
            ep.notes.append("reversible false: request `type` may be "
                            + ", ".join(f"`{h}`" for h in hits[:4]) + " (irreversible vocabulary)")
    needs = _needs(refs, path, op, shared, body=body, resource=resource)
    return ep, needs, _records(refs, op, resource), verb


def _description(op: dict[str, Any]) -> str:
    summary = " ".join(str(op.get("summary") or "").split())
    text = str(op.get("description") or "").strip().split("\n\n")[0]
    text = " ".join(text.split())
    out = summary if not text or text == summary else (f"{summary}. {text}" if summary else text)
    return out if len(out) <= _MAX_DESCRIPTION else out[: _MAX_DESCRIPTION - 1].rstrip() + "…"


def _json_schema(refs: Refs, holder: Any) -> Any | None:
    if not isinstance(holder, dict):
        return None
    for media, body in as_dict(holder.get("content")).items():
        if ("json" in str(media) or media == "*/*") and isinstance(body, dict) and "schema" in body:
            return body["schema"]
    return None


def _needs(refs: Refs, path: str, op: dict[str, Any], shared: list[Any], *, body: Any,
           resource: str) -> list[Need]:
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in shared + as_list(op.get("parameters")):
        p = refs.resolve(raw)
        if isinstance(p, dict) and "name" in p:
            params[(str(p.get("in")), str(p["name"]))] = p
    out: list[Need] = []
    segs = _segments(path)
    for i, (seg, is_param) in enumerate(segs):
        if not is_param:
            continue
        schema = refs.resolve(params.get(("path", seg), {}).get("schema"))
        if not _is_identifier(seg, as_dict(schema)):
            continue
        before = vocab.singular(vocab.snake(segs[i - 1][0])) if i and not segs[i - 1][1] else resource
        out.append(_identifier(seg, before, f"path parameter `{{{seg}}}`"))
    if body is not None:
        props = refs.properties(body)
        for prop in sorted(refs.required(body)):
            if prop in props and vocab.words(prop)[-1:] and vocab.words(prop)[-1] in ("id", "ids", "uuid"):
                need = _identifier(prop, resource, f"required body field `{prop}`", scoped=False)
                out.append(Need(need.fact, need.resources, need.fields, need.evidence, optional=True))
    return out


def _is_identifier(param: str, schema: dict[str, Any]) -> bool:
    """A path parameter names something to learn unless it is picked from a fixed list
    (`enum`), a date, or a number that does not call itself an id (`{year}`)."""
    if "enum" in schema or schema.get("format") in ("date", "date-time"):
        return False
    words = vocab.words(param)
    return schema.get("type") not in ("integer", "number", "boolean") or (
        bool(words) and (words[-1] in vocab.ID_SUFFIX or vocab.snake(param) in vocab.GENERIC))


def _identifier(param: str, before: str, evidence: str, *, scoped: bool = True) -> Need:
    """The fact a parameter names: `{id}` after `volumes` is `volume_id`. A path
    parameter belongs to the segment before it (`scoped`); a body field only to its own stem.
    The response fields that reveal it: by its suffix (`_id`: `id`, `uuid`), else its
    own name or last word (`{repository_tag}`: the `tag` of a tag object)."""
    name = vocab.snake(param)
    if name in vocab.GENERIC:
        return Need(f"{before}_{name}", (before,), vocab.GENERIC[name], evidence)
    parts = name.split("_")
    if parts[-1] == "ids":
        parts[-1] = "id"
        name = "_".join(parts)
    fields = vocab.ID_SUFFIX.get(parts[-1], vocab.NAMING_FIELDS if name == before else (name, parts[-1]))
    stem = "_".join(parts[:-1]) if parts[-1] in vocab.ID_SUFFIX and len(parts) > 1 else name
    return Need(name, tuple(dict.fromkeys((before, stem) if scoped else (stem,))), fields, evidence)


def _records(refs: Refs, op: dict[str, Any], resource: str) -> list[Record]:
    out: list[Record] = []
    responses = as_dict(op.get("responses"))
    for code in sorted(str(c) for c in responses):
        if not code.startswith("2"):
            continue
        raw = responses.get(code, responses.get(int(code)) if code.isdigit() else None)
        schema = _json_schema(refs, refs.resolve(raw))
        if schema is not None:
            _walk(refs, schema, f"response {code}", resource, depth=0, out=out)
    return out


def _walk(refs: Refs, schema: Any, where: str, owner: str, *, depth: int, out: list[Record]) -> None:
    """Record every object of a response down to two levels below the top (arrays of
    arrays count: a self-referencing array stops after a few)."""
    items = refs.items(schema)
    if items is not None:
        if where.count("[]") > depth + 2:
            return
        _walk(refs, items, where + "[]", owner, depth=depth, out=out)
        return
    props = refs.properties(schema)
    if not props:
        return
    out.append(Record(owner, frozenset(vocab.snake(k) for k in props), where))
    if depth >= 2:
        return
    lists = [key for key, sub in props.items() if _object_items(refs, sub)]
    for key, sub in props.items():
        child = refs.items(sub)
        target = child if child is not None else sub
        if refs.properties(target):
            field = vocab.snake(key)
            name = owner if field in vocab.WRAPPERS else vocab.singular(field)
            _walk(refs, sub, f"{where}.{key}", name, depth=depth + 1, out=out)
            if depth == 0 and lists == [key] and name != owner:
                # the one list a response holds is the operation's own resource, whatever
                # its key (`GET /vector-databases` -> `{vector_dbs: [...]}`)
                _walk(refs, sub, f"{where}.{key}", owner, depth=depth + 1, out=out)


def _object_items(refs: Refs, schema: Any) -> bool:
    items = refs.items(schema)
    return items is not None and bool(refs.properties(items))
