"""The values every back end accepts, and their one spelling (`rows.py` applies them to rows).

Parameters are JSON values: str, int, finite float, bool, None, list, and dict
with string keys. They are stored as canonical JSON (sorted keys, json's default
separators as pathguard 0.1 stored them, UTF-8 text): the same value always has
the same spelling, so stored rows and idempotent retries compare texts.
Anything else (bytes, sets, tuples, objects, `{1: v}`, NaN, a lone surrogate, a
NUL in a name, a non-finite time, an integer outside the 32-bit columns) raises
`InvalidRecord` before any back end writes anything; the memory store keeps the
same checked copies, so all three accept and refuse alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from pathguard.store.errors import InvalidRecord

MAX_DEPTH = 32               # nesting of a parameter value
MAX_JSON = 1 << 20           # characters of one encoded parameter object (1 MiB)
INT4 = (-(1 << 31), (1 << 31) - 1)  # seq, token_cost, approval_id, limits: PostgreSQL `integer`

# encodes the checked copies `_copy` and `params_value` make: no cycles, finite numbers
encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, allow_nan=False, check_circular=False).encode
JSON_TYPES = "str, int, float (finite), bool, None, list, or dict with string keys"


def check_text(value: object, field: str, *, optional: bool = False) -> None:
    """A name or text column: a str without NUL and without lone surrogates (not UTF-8)."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise InvalidRecord(f"{field}: expected text, got {type(value).__name__}")
    if "\x00" in value:
        raise InvalidRecord(f"{field}: contains a NUL character")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError as exc:
            raise InvalidRecord(f"{field}: not valid Unicode text ({exc.reason})") from None


def check_real(value: object, field: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if type(value) is bool or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRecord(f"{field}: expected a finite number, got {value!r}")


def check_int(value: object, field: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if type(value) is bool or not isinstance(value, int) or not INT4[0] <= value <= INT4[1]:
        raise InvalidRecord(f"{field}: expected an integer between {INT4[0]} and {INT4[1]}, got {value!r}")


def json_copy(value: Any, path: str, depth: int = 0) -> Any:
    """The canonical copy of a JSON value (plain types, dicts with sorted keys); InvalidRecord for
    anything that is not one (see the module docstring)."""
    kind = type(value)
    if kind is str:
        if "\x00" in value or not value.isascii():
            check_text(value, path)
        return value
    if kind is int or kind is bool or value is None:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise InvalidRecord(f"{path}: {value!r} is not a JSON number (finite numbers only)")
        return value
    if kind is dict or kind is list:
        if depth >= MAX_DEPTH:
            raise InvalidRecord(f"{path}: nested deeper than {MAX_DEPTH} levels")
        if kind is list:
            return [json_copy(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
        for key in value:
            if not isinstance(key, str):
                raise InvalidRecord(f"{path}: key {key!r} is a {type(key).__name__}; JSON keys are strings")
            check_text(key, f"{path} key")
        return {str.__str__(key): json_copy(value[key], f"{path}.{key}", depth + 1) for key in sorted(value)}
    if isinstance(value, str):  # str/int/float subclasses (enums): stored as their plain value
        return json_copy(str.__str__(value), path, depth)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return json_copy(float(value), path, depth)
    raise InvalidRecord(f"{path}: {kind.__name__} is not a JSON value (allowed: {JSON_TYPES})")


def canonical_json(value: object, field: str = "value") -> str:
    """The one spelling of a JSON value; InvalidRecord for anything that is not one."""
    return encode(json_copy(value, field, 0))


def params_value(params: object, field: str = "params") -> dict[str, Any]:
    """The canonical copy of a parameter object (a dict with string keys, at most MAX_JSON
    characters of JSON): what every store keeps, whatever the caller does to `params` later.
    Keys keep the caller's order here; the encoder sorts them and readers get them sorted."""
    if type(params) is not dict:
        raise InvalidRecord(f"{field}: expected a dict of parameters, got {type(params).__name__}")
    size = 0
    for key, value in params.items():  # the usual case: short plain strings, no call per item
        if type(value) is not str or type(key) is not str or "\x00" in value or "\x00" in key \
                or not value.isascii() or not key.isascii():
            return _mixed(params, field)
        size += len(key) + len(value)
    if size * 6 > MAX_JSON:
        return _mixed(params, field)
    return params.copy()


def _mixed(params: dict[Any, Any], field: str) -> dict[str, Any]:
    """`params_value` for any other dict: every item checked, nested values copied."""
    for key in params:
        if type(key) is not str:
            return json_copy(params, field, 0)  # raises (or copies enum keys as text)
    copy = {}
    size = 2  # a bound of the JSON length over 6 (an escape is at most 6 characters)
    for key, item in params.items():
        value = item
        kind = type(value)
        if kind is str:
            if "\x00" in value or not value.isascii():
                check_text(value, f"{field}.{key}")
            size += len(value)
        elif kind is float:
            if not math.isfinite(value):
                raise InvalidRecord(f"{field}.{key}: {value!r} is not a JSON number (finite numbers only)")
            size += 4
        elif not (kind is int or kind is bool or value is None):
            value = json_copy(value, f"{field}.{key}", 1)
            size = MAX_JSON  # nested: measured exactly below
        if "\x00" in key or not key.isascii():
            check_text(key, f"{field} key")
        size += len(key) + 4
        copy[key] = value
    if size * 6 > MAX_JSON:
        length = len(encode(copy))
        if length > MAX_JSON:
            raise InvalidRecord(f"{field}: {length} characters of JSON, more than the {MAX_JSON} allowed")
    return copy


def params_json(params: object, field: str = "params") -> str:
    """Canonical JSON of a parameter object (see `params_value`)."""
    return encode(params_value(params, field))


_TEXTS: dict[tuple[Any, ...], tuple[str, ...]] = {}  # reasons tuples recur (one per policy clause)


def texts(items: Sequence[Any], field: str) -> tuple[str, ...]:
    """A list of texts (reasons, barred names), each checked; `Reason`s become their text."""
    key = items if type(items) is tuple else None
    if key is not None:
        known = _TEXTS.get(key)
        if known is not None:
            return known
    out = tuple(map(str, items))
    joined = "".join(out)
    if "\x00" in joined or not joined.isascii():
        for i, text in enumerate(out):
            check_text(text, f"{field}[{i}]")
    if key is not None:
        if len(_TEXTS) >= 4096:
            _TEXTS.clear()
        _TEXTS[key] = out
    return out


def texts_json(items: Sequence[Any], field: str) -> str:
    return encode(list(texts(items, field)))


def check_state(value: object, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise InvalidRecord(f"{field}: {value!r} is not one of {', '.join(allowed)}")
