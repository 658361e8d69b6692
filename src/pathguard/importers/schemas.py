"""What an operation's request and responses contain, read from their JSON schemas.

Responses become `facts.Record`s: the objects of a list or a single object, owned by the
noun they are (`instances[]` are instances; `data[]` and bare arrays are the operation's own
collection; an embedded object with an `id` is a reference to what its key names; a nested
object without one is settings and names nothing). Requests become `classify.Flag`s: the body's
top-level fields and the query parameters, with types, enums and descriptions.

A schema node a JSON Schema cannot be (a string where an object is due, `properties` that is
not a mapping, an unknown `type`) raises `OddSchema`; the importer skips that operation with a
located warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pathguard.importers.classify import Flag
from pathguard.importers.facts import ITEM, KEYS, Record
from pathguard.importers.naming import WRAPPERS, same_noun, singular, snake
from pathguard.importers.refs import Refs, as_dict, as_list

_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
_MAX_DEPTH = 3


class OddSchema(Exception):
    """A schema node that is not a JSON Schema."""


@dataclass(frozen=True)
class Shape:
    """The part of an object schema the linker needs."""

    scalars: frozenset[str]
    lists: frozenset[str]
    children: tuple[tuple[str, str, str, Any], ...]   # (key as written, snake key, list|object|map, schema)
    names_something: bool                              # has an id, or is a `{name: ...}` stub


def json_schema(holder: Any) -> Any | None:
    """The schema of the JSON (or any) content of a request body or response, if any."""
    if not isinstance(holder, dict):
        return None
    for media, body in as_dict(holder.get("content")).items():
        if ("json" in str(media) or media == "*/*") and isinstance(body, dict) and "schema" in body:
            return body["schema"]
    return None


class Schemas:
    """Shapes of the schemas of one document, each computed once."""

    def __init__(self, refs: Refs) -> None:
        self.refs = refs
        self._shapes: dict[int, Shape | None] = {}
        self._noun = self._creates = self._scope = ""

    def node(self, schema: Any) -> Any:
        node = self.refs.resolve(schema)
        if isinstance(node, bool) or node is None:
            return {}
        if not isinstance(node, dict):
            raise OddSchema(f"a schema must be a mapping, not {type(node).__name__}")
        kind = node.get("type")
        for t in kind if isinstance(kind, list) else [kind] if kind is not None else []:
            if t not in _TYPES:
                raise OddSchema(f"unknown schema type `{t}`")
        if "properties" in node and not isinstance(node["properties"], dict):
            raise OddSchema("`properties` must be a mapping")
        return node

    def scalar(self, schema: Any) -> bool:
        """A value that can be an identifier: a string or integer that is not an enum, a date
        or a number; or a union holding one (`customer: string | Customer`)."""
        node = self.node(schema)
        kinds = node.get("type")
        kinds = [k for k in kinds if k != "null"] if isinstance(kinds, list) else [kinds]
        if "enum" in node or node.get("format") in ("date", "date-time", "float", "double"):
            return False
        if kinds and kinds[0] in ("string", "integer"):
            return True
        if not kinds or kinds == [None]:
            # an untyped value (`{}`) may be anything, an id included, unless it has a shape
            return not ({"properties", "items", "anyOf", "oneOf", "allOf", "$ref"} & node.keys())
        return any(self.scalar(v) for key in ("anyOf", "oneOf") for v in as_list(node.get(key)))

    def map_of_scalars(self, schema: Any) -> bool:
        """An object without properties whose values are scalars (`additionalProperties: string`)."""
        node = self.node(schema)
        extra = node.get("additionalProperties")
        return not self.refs.properties(node) and isinstance(extra, dict) and self.scalar(extra)

    def shape(self, schema: Any) -> Shape | None:
        node = self.node(schema)
        if id(node) in self._shapes:
            return self._shapes[id(node)]
        self._shapes[id(node)] = None               # a schema that contains itself stops here
        props = self.refs.properties(node)
        if not props:
            return None
        scalars, lists, children = set(), set(), []
        for key, sub in props.items():
            name = snake(key)
            items = self.refs.items(sub)
            if items is not None:
                if self.scalar(items):
                    lists.add(name)
                elif self.refs.properties(items):
                    children.append((key, name, "list", items))
            elif self.scalar(sub):
                scalars.add(name)
                obj = self._object_variant(sub)
                if obj is not None:
                    children.append((key, name, "object", obj))
            elif self.refs.properties(sub):
                children.append((key, name, "object", sub))
            elif self.map_of_scalars(sub):
                children.append((key, name, "map", sub))
        stub = {"name"} <= scalars and len(props) <= 2
        shape = Shape(frozenset(scalars), frozenset(lists), tuple(children),
                      bool({"id", "uuid"} & scalars) or stub)
        self._shapes[id(node)] = shape
        return shape

    def _object_variant(self, schema: Any) -> Any | None:
        """The object of an expandable field (`anyOf: [string, Customer]`), if any."""
        node = self.node(schema)
        for key in ("anyOf", "oneOf"):
            for sub in as_list(node.get(key)):
                if self.refs.properties(sub):
                    return sub
        return None

    def records(self, schema: Any, where: str, noun: str, *, listing: bool, created: bool,
                scope: str = "") -> list[Record]:
        """The objects of one response, owned as the module docstring says."""
        out: list[Record] = []
        self._noun, self._creates, self._scope = noun, noun if created else "", scope
        self._walk(schema, where, noun, 0, out=out, created=created, listing=listing)
        return out

    def _walk(self, schema: Any, where: str, owner: str, depth: int, *, out: list[Record],
              created: bool, listing: bool) -> None:
        items = self.refs.items(schema)
        if items is not None:
            if where.count("[]") > _MAX_DEPTH:
                return
            if self.scalar(items):
                out.append(Record(owner, frozenset({ITEM}), where=where + "[]", created=created,
                                  own=owner == self._noun, creates=self._creates, scope=self._scope))
            else:
                self._walk(items, where + "[]", owner, depth, out=out, created=created, listing=listing)
            return
        shape = self.shape(schema)
        if shape is None:
            if owner and self.map_of_scalars(schema):   # `{<key>: value}`: its keys name things
                out.append(Record(owner, frozenset({KEYS}), where=where + "{}", created=created,
                                  own=owner == self._noun, creates=self._creates, scope=self._scope))
            return
        out.append(Record(owner, shape.scalars, shape.lists, where, created, own=owner == self._noun,
                          creates=self._creates, scope=self._scope))
        for key in sorted(shape.lists):
            # a list of scalars names what its key says (`names: [...]`, `instances: [ids]`); in a
            # settings object (no owner) only exactly (`ssh_keys`, never `allowed_domains`)
            out.append(Record(singular(key), frozenset({ITEM}), where=f"{where}.{key}[]", created=_fresh(key),
                              own=singular(key) == self._noun, creates=self._creates, scope=self._scope,
                              exact=not owner))
        if depth >= _MAX_DEPTH:
            return
        object_lists = [c for c in shape.children if c[2] == "list"]
        for key, name, kind, child in shape.children:
            if kind in ("list", "map") or name in WRAPPERS:
                child_owner = owner if name in WRAPPERS else singular(name)
            else:
                sub = self.shape(child)
                child_owner = singular(name) if sub is not None and sub.names_something else ""
            nested = depth == 0 or kind == "list" or same_noun(child_owner, owner)
            keeps = _fresh(key) or (created and nested)
            at = f"{where}.{key}" + ("[]" if kind == "list" else "")
            self._walk(child, at, child_owner, depth + 1, out=out, created=keeps, listing=listing)
            if depth == 0 and listing and object_lists == [(key, name, kind, child)] and \
                    not same_noun(child_owner, owner) and name not in WRAPPERS:
                # the one list a listing returns is its own collection, whatever its key
                # (`GET /vector-databases` -> `{vector_dbs: [...]}`)
                self._walk(child, f"{where}.{key}[]", owner, depth + 1, out=out, created=created,
                           listing=listing)

    def flags(self, body: Any, params: list[dict[str, Any]]) -> list[Flag]:
        """The body's top-level fields and the query parameters."""
        out: list[Flag] = []
        if body is not None:
            for key, sub in self.refs.properties(body).items():
                out.append(self._flag(key, sub))
        for p in params:
            if p.get("in") == "query":
                out.append(self._flag(str(p.get("name")), p.get("schema"), str(p.get("description") or "")))
        return out

    def _flag(self, key: str, schema: Any, description: str = "") -> Flag:
        node = self.node(schema)
        kind = node.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        return Flag(snake(key), kind if isinstance(kind, str) else None,
                    description or str(node.get("description") or ""),
                    tuple(self.refs.enum_of(node)), bool(node.get("readOnly")))


def _fresh(key: str) -> bool:
    """A field that names objects some call created (`successfully_created_zones`,
    `created_resources`), not the creator or the time (`created_by`, `created_at`)."""
    ws = snake(key).split("_")
    at = ws.index("created") if "created" in ws else -1
    return 0 <= at < len(ws) - 1 and ws[at + 1] not in ("by", "at", "on", "date", "time", "timestamp", "from")
