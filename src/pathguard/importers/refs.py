"""Local `$ref` resolution for OpenAPI documents: lazy, memoized, cycle-safe.

Schemas are resolved only when an operation looks at them, and each `$ref` string is looked
up once; a chain of refs that loops resolves to `{}`. A `$ref` that points nowhere or outside
the document raises `BadRef`, which the importer turns into a located warning that skips the
one operation using it.
"""

from __future__ import annotations

from typing import Any


class BadRef(Exception):
    """A `$ref` that cannot be followed: `code` is `unresolved-ref` or `external-ref`."""

    def __init__(self, ref: str, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.ref, self.code, self.message, self.hint = ref, code, message, hint


def as_list(value: Any) -> list[Any]:
    """`value` if it is a list, else nothing: a malformed part of a third-party
    spec is skipped, never a crash (the rest of the spec still imports)."""
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict[Any, Any]:
    """`value` if it is a mapping, else an empty one (see `as_list`)."""
    return value if isinstance(value, dict) else {}


_BAD = object()


class Refs:
    """Resolve `#/...` references inside one document."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self._memo: dict[str, Any] = {}
        self._props: dict[int, dict[str, Any]] = {}

    def resolve(self, node: Any) -> Any:
        """`node` with every leading `$ref` followed; `{}` for a loop."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                return {}
            seen.add(ref)
            if ref not in self._memo:
                self._memo[ref] = self._lookup(ref)
            node = self._memo[ref]
            if node is _BAD:
                self._lookup(ref)          # raises again, with the same message
        return node

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            self._memo[ref] = _BAD
            raise BadRef(ref, "external-ref", f"`{ref}` is not a local reference",
                         "bundle the spec first (for example `redocly bundle`)")
        node: Any = self.root
        for raw in ref[1:].split("/")[1:]:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                self._memo[ref] = _BAD
                raise BadRef(ref, "unresolved-ref", f"`{ref}` points to nothing")
        return node

    def properties(self, schema: Any) -> dict[str, Any]:
        """Properties of an object schema, merged over allOf/oneOf/anyOf (first wins)."""
        return self._properties(schema, frozenset())

    def _properties(self, schema: Any, seen: frozenset[int]) -> dict[str, Any]:
        node = self.resolve(schema)
        if not isinstance(node, dict) or id(node) in seen:
            return {}
        if id(node) in self._props:
            return self._props[id(node)]
        out = {str(k): v for k, v in as_dict(node.get("properties")).items()}
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in as_list(node.get(key)):
                for name, value in self._properties(sub, seen | {id(node)}).items():
                    out.setdefault(name, value)
        self._props[id(node)] = out
        return out

    def required(self, schema: Any, seen: frozenset[int] = frozenset()) -> set[str]:
        """Required property names, including those of allOf parts."""
        node = self.resolve(schema)
        if not isinstance(node, dict) or id(node) in seen:
            return set()
        out = {str(r) for r in as_list(node.get("required")) if isinstance(r, str)}
        for sub in as_list(node.get("allOf")):
            out |= self.required(sub, seen | {id(node)})
        return out

    def enum_of(self, schema: Any, seen: frozenset[int] = frozenset()) -> list[str]:
        """Every enum value a schema allows, over its variants."""
        node = self.resolve(schema)
        if not isinstance(node, dict) or id(node) in seen:
            return []
        values = [str(v) for v in as_list(node.get("enum"))]
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in as_list(node.get(key)):
                values += self.enum_of(sub, seen | {id(node)})
        return list(dict.fromkeys(values))

    def items(self, schema: Any) -> Any | None:
        """The item schema of an array schema, else None."""
        node = self.resolve(schema)
        if isinstance(node, dict) and (node.get("type") == "array" or "items" in node):
            return node.get("items")
        return None
