"""One codec for every back end: rows become database values here, and come back here.

Parameters are stored as canonical JSON (sorted keys, no spaces, no NaN or
Infinity, string keys only, UTF-8 text): the same value always has the same
spelling, so stored rows, approval hashes and idempotent retries compare texts.
Anything else (bytes, sets, tuples, objects, `{1: v}`, NaN, a lone surrogate, a NUL
in a name, a non-finite time, an integer outside the 32-bit columns) raises
`InvalidRecord` before any back end writes anything, and the memory store keeps
the same encoded texts the databases keep, so all three accept and refuse alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from pathguard.store.base import (
    APPROVAL_STATES,
    EFFECTS,
    FINAL_STATES,
    ActionRow,
    AlertRow,
    ApprovalRow,
    SessionRow,
)
from pathguard.store.errors import InvalidRecord, StoreError

MAX_DEPTH = 32               # nesting of a parameter value
MAX_JSON = 1 << 20           # characters of one encoded parameter object (1 MiB)
INT4 = (-(1 << 31), (1 << 31) - 1)  # seq, token_cost, approval_id, limits: PostgreSQL `integer`

# encodes the checked copies `_copy` and `params_value` make: no cycles, finite numbers
_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                           check_circular=False).encode
EFFECT_SET = frozenset(EFFECTS)
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


def _copy(value: Any, path: str, depth: int) -> Any:
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
            return [_copy(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
        for key in value:
            if not isinstance(key, str):
                raise InvalidRecord(f"{path}: key {key!r} is a {type(key).__name__}; JSON keys are strings")
            check_text(key, f"{path} key")
        return {str.__str__(key): _copy(value[key], f"{path}.{key}", depth + 1) for key in sorted(value)}
    if isinstance(value, str):  # str/int/float subclasses (enums): stored as their plain value
        return _copy(str.__str__(value), path, depth)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _copy(float(value), path, depth)
    raise InvalidRecord(f"{path}: {kind.__name__} is not a JSON value (allowed: {JSON_TYPES})")


def canonical_json(value: object, field: str = "value") -> str:
    """The one spelling of a JSON value; InvalidRecord for anything that is not one."""
    return _ENCODE(_copy(value, field, 0))


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
            return _copy(params, field, 0)  # raises (or copies enum keys as text)
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
            value = _copy(value, f"{field}.{key}", 1)
            size = MAX_JSON  # nested: measured exactly below
        if "\x00" in key or not key.isascii():
            check_text(key, f"{field} key")
        size += len(key) + 4
        copy[key] = value
    if size * 6 > MAX_JSON:
        length = len(_ENCODE(copy))
        if length > MAX_JSON:
            raise InvalidRecord(f"{field}: {length} characters of JSON, more than the {MAX_JSON} allowed")
    return copy


def params_json(params: object, field: str = "params") -> str:
    """Canonical JSON of a parameter object (see `params_value`)."""
    return _ENCODE(params_value(params, field))


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
    return _ENCODE(list(texts(items, field)))


def _refused(what: str, exc: InvalidRecord) -> InvalidRecord:
    return InvalidRecord(f"cannot store {what}: {exc}; nothing was written (fix the value and retry)")


def session_args(row: SessionRow) -> tuple[Any, ...]:
    """(session_id, agent, intent, started, parent, final_state, ended, policy, root): the order
    `session_row` reads back."""
    try:
        check_text(row.session_id, "session_id")
        check_text(row.agent, "agent")
        check_text(row.intent, "intent")
        check_text(row.parent, "parent", optional=True)
        check_text(row.policy, "policy")
        check_real(row.started, "started")
        check_real(row.ended, "ended", optional=True)
        check_state(row.final_state, FINAL_STATES, "final_state")
        check_text(row.root, "root", optional=True)
    except InvalidRecord as exc:
        raise _refused(f"session `{row.session_id}`", exc) from None
    return (row.session_id, row.agent, row.intent, row.started, row.parent, row.final_state, row.ended,
            row.policy, row.root or row.session_id)


def _check_action(row: ActionRow) -> None:
    """Every field of an action row, with the field named in the error."""
    check_text(row.session_id, "session_id")
    check_int(row.seq, "seq")
    check_real(row.ts, "ts")
    check_text(row.endpoint, "endpoint")
    check_state(row.effect, EFFECTS, "effect")
    check_real(row.deviation, "deviation", optional=True)
    check_text(row.result, "result", optional=True)
    check_real(row.latency_ms, "latency_ms", optional=True)
    check_int(row.token_cost, "token_cost", optional=True)
    check_int(row.approval_id, "approval_id", optional=True)


def action_values(row: ActionRow) -> tuple[Any, ...]:
    """The row checked and made canonical: parameters a copy, reasons texts (kept by the memory
    store; `action_args` encodes them for the databases). Runs on every check, so the usual row
    (plain ASCII names, a float time, no result yet) is accepted without a call per field."""
    sid, seq, ts, endpoint, params, effect, reasons, deviation, result, latency, cost, approval = row
    if not (type(sid) is str and type(endpoint) is str and sid.isascii() and endpoint.isascii()
            and "\x00" not in sid and "\x00" not in endpoint
            and type(seq) is int and INT4[0] <= seq <= INT4[1]
            and type(ts) is float and math.isfinite(ts) and effect in EFFECT_SET
            and (deviation is None or (type(deviation) is float and math.isfinite(deviation)))
            and result is None and latency is None and cost is None
            and (approval is None or (type(approval) is int and 0 < approval <= INT4[1]))):
        try:
            _check_action(row)
        except InvalidRecord as exc:
            raise _refused(f"action {seq!r} of session `{sid}`", exc) from None
    try:
        return (sid, seq, ts, endpoint, params_value(params), effect, texts(reasons, "reasons"), deviation,
                result, latency, cost, approval)
    except InvalidRecord as exc:
        raise _refused(f"action {seq!r} of session `{sid}`", exc) from None


def action_args(row: ActionRow) -> tuple[Any, ...]:
    """The append_action values: `action_values` with parameters and reasons as canonical JSON."""
    v = action_values(row)
    return (*v[:4], _ENCODE(v[4]), v[5], _ENCODE(list(v[6])), *v[7:])


def variant_args(row: ActionRow, base: ActionRow, base_args: tuple[Any, ...]) -> tuple[Any, ...]:
    """`action_args(row)` for a row that differs from `base` (whose args are `base_args`) only in
    effect, reasons and deviation, as a scoped check's denied row does: nothing encoded twice."""
    if row[:5] != base[:5] or row[8:] != base[8:]:
        return action_args(row)
    try:
        check_state(row.effect, EFFECTS, "effect")
        check_real(row.deviation, "deviation", optional=True)
        reasons = texts_json(row.reasons, "reasons")
    except InvalidRecord as exc:
        raise _refused(f"action {row.seq!r} of session `{row.session_id}`", exc) from None
    return (*base_args[:5], row.effect, reasons, row.deviation, *base_args[8:])


def action_from_values(v: tuple[Any, ...]) -> ActionRow:
    """A row from `action_values`, with a parameter copy of its own for the reader."""
    return ActionRow._make((*v[:4], _copy(v[4], "params", 0), *v[5:]))


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON (`1`, `1.0` and `true` differ, as they do in the databases' texts)."""
    return bool(a == b and _ENCODE(a) == _ENCODE(b))


def alert_args(row: AlertRow) -> tuple[Any, ...]:
    try:
        check_text(row.session_id, "session_id")
        check_real(row.ts, "ts")
        check_text(row.kind, "kind")
        check_text(row.text, "text")
    except InvalidRecord as exc:
        raise _refused(f"alert of session `{row.session_id}`", exc) from None
    return (row.session_id, row.ts, row.kind, row.text)


def approval_values(row: ApprovalRow) -> tuple[Any, ...]:
    """(call_hash, session_id, agent, barred, endpoint, params, kind, reasons, status, created,
    expires, decided_by, decided_at, root, signature, decided_key), checked and canonical (kept
    by the memory store; `approval_args` encodes them for the databases)."""
    try:
        for field in ("call_hash", "session_id", "agent", "endpoint", "kind", "root"):
            check_text(getattr(row, field), field)
        for field in ("decided_by", "signature", "decided_key"):
            check_text(getattr(row, field), field, optional=True)
        barred = texts(row.barred, "barred")
        params = params_value(row.params)
        reasons = texts(row.reasons, "reasons")
        check_state(row.status, APPROVAL_STATES, "status")
        check_real(row.created, "created")
        check_real(row.expires, "expires")
        check_real(row.decided_at, "decided_at", optional=True)
    except InvalidRecord as exc:
        raise _refused(f"approval request for `{row.endpoint}` of session `{row.session_id}`", exc) from None
    return (row.call_hash, row.session_id, row.agent, barred, row.endpoint, params, row.kind, reasons,
            row.status, row.created, row.expires, row.decided_by, row.decided_at, row.root, row.signature,
            row.decided_key)


def approval_args(row: ApprovalRow) -> tuple[Any, ...]:
    """`approval_values` with names, parameters and reasons as canonical JSON."""
    v = approval_values(row)
    return (*v[:3], _ENCODE(list(v[3])), v[4], _ENCODE(v[5]), v[6], _ENCODE(list(v[7])), *v[8:])


def approval_from_values(approval_id: int, v: tuple[Any, ...]) -> ApprovalRow:
    """A request from `approval_values`, with a parameter copy of its own for the reader."""
    return ApprovalRow._make((approval_id, *v[:5], _copy(v[5], "params", 0), *v[6:]))


def check_state(value: object, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise InvalidRecord(f"{field}: {value!r} is not one of {', '.join(allowed)}")


# -- decoding: database values (typed, or texts from libpq) back into rows ------------------

def _json(text: Any, where: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"corrupt {where} in the trace store: {exc}; the row cannot be read "
                         "(restore the store from a backup)") from exc


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def session_row(r: Sequence[Any]) -> SessionRow:
    """From (session_id, agent, intent, started, parent, final_state, ended, policy, root)."""
    root = r[8]
    return SessionRow(r[0], r[1], r[2], float(r[3]), r[4], r[5], _float(r[6]), r[7],
                      None if root is None or root == r[0] else root)


def action_row(r: Sequence[Any]) -> ActionRow:
    """From the action_args order."""
    where = f"action {r[1]} of session `{r[0]}`"
    return ActionRow(r[0], int(r[1]), float(r[2]), r[3], _json(r[4], where), r[5], tuple(_json(r[6], where)),
                     _float(r[7]), r[8], _float(r[9]), _int(r[10]), _int(r[11]))


def approval_row(r: Sequence[Any]) -> ApprovalRow:
    """From (id, then the approval_args order)."""
    if r[9] not in APPROVAL_STATES:
        raise StoreError(f"corrupt approval row {r[0]} in the trace store: unknown status `{r[9]}`")
    where = f"approval row {r[0]}"
    return ApprovalRow(int(r[0]), r[1], r[2], r[3], tuple(_json(r[4], where)), r[5], _json(r[6], where), r[7],
                       tuple(_json(r[8], where)), r[9], float(r[10]), float(r[11]), r[12], _float(r[13]),
                       r[14] or "", r[15], r[16])
