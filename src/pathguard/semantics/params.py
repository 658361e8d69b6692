"""Call parameters (SPEC §3): JSON values with string keys and finite numbers, or refused.

A call's parameters name the exact call an approver grants (its hash is over
their canonical JSON), and they are stored in the trace. So anything that has
no single JSON spelling is refused before any counter changes: bytes, sets,
tuples, objects, NaN and infinities, non-string keys (a grant for `{"1": v}`
must never serve `{1: v}`), values nested or sized beyond what a tool call
needs, and text no store can keep (NUL, lone surrogates). What
`checked_params` returns is a fresh copy: mutating the caller's original (or,
once the check returned it, the copy) changes no stored row, hash or other check.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32
MAX_ITEMS = 10_000
MAX_TEXT = 1 << 20  # characters of all strings together
MAX_INT = 1 << 63

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class ParamsError(ValueError):
    """Parameters that are not plain JSON values; the message says which and where."""


_SCALARS = (str, int, bool, type(None))


def checked_params(params: Any) -> dict[str, Any]:
    """A validated deep copy of `params` (a mapping of string keys to JSON values)."""
    if params is None:
        return {}
    if type(params) is not dict:
        raise ParamsError(f"parameters must be a dict of JSON values, not {type(params).__name__}")
    if len(params) <= 64:  # the usual call: a few plain strings and small numbers, copied at once
        for key, value in params.items():
            kind = type(value)
            if type(key) is not str or kind not in _SCALARS or \
                    (kind is str and (len(value) > 256 or not value.isascii() or "\x00" in value)) or \
                    (kind is int and not -MAX_INT <= value < MAX_INT) or not key.isascii() or "\x00" in key:
                break
        else:
            return params.copy()
    copy: dict[str, Any] = _copy(params, "params", 0, [MAX_ITEMS, MAX_TEXT])
    return copy


def _copy(value: Any, where: str, depth: int, budget: list[int]) -> Any:
    kind = type(value)
    if kind is str:
        budget[1] -= len(value)
        if budget[1] < 0:
            raise ParamsError(f"parameters hold more than {MAX_TEXT} characters of text")
        _text(value, where)
        return value
    if kind is bool or value is None:
        return value
    if kind is int:
        if not -MAX_INT <= value < MAX_INT:
            raise ParamsError(f"`{where}` is an integer beyond 64 bits")
        return value
    if kind is float:
        if not math.isfinite(value):
            raise ParamsError(f"`{where}` is {value}: numbers must be finite")
        return value
    budget[0] -= 1
    if budget[0] < 0:
        raise ParamsError(f"parameters hold more than {MAX_ITEMS} values")
    if depth >= MAX_DEPTH:
        raise ParamsError(f"`{where}` is nested deeper than {MAX_DEPTH} levels")
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise ParamsError(f"`{where}` has a key of type {type(key).__name__} ({key!r}): "
                                  "keys must be strings")
            _text(key, f"{where} key")
            out[key] = _copy(item, f"{where}.{key}", depth + 1, budget)
        return out
    if kind is list:
        return [_copy(item, f"{where}[{i}]", depth + 1, budget) for i, item in enumerate(value)]
    raise ParamsError(f"`{where}` is a {kind.__name__}, not a JSON value (string, number, boolean, "
                      "null, list or dict)")


def _text(value: str, where: str) -> None:
    """Text every store can keep: no NUL, no lone surrogate (which has no UTF-8 spelling)."""
    if "\x00" in value:
        raise ParamsError(f"`{where}` contains a NUL character")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ParamsError(f"`{where}` is not valid Unicode text (a lone surrogate)") from None


def canonical_json(params: dict[str, Any]) -> str:
    """The one spelling of checked parameters: sorted keys, no spaces, no NaN."""
    return _CANONICAL.encode(params)
