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

_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False).encode
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


def _walk(value: object, path: str, depth: int) -> None:
    """Refuse anything that is not a JSON value (see the module docstring)."""
    kind = type(value)
    if kind is str:
        check_text(value, path)
    elif kind is int or kind is bool or value is None:
        return
    elif kind is float:
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise InvalidRecord(f"{path}: {value!r} is not a JSON number (finite numbers only)")
    elif kind is dict:
        if depth >= MAX_DEPTH:
            raise InvalidRecord(f"{path}: nested deeper than {MAX_DEPTH} levels")
        for key, item in value.items():  # type: ignore[attr-defined]
            if not isinstance(key, str):
                raise InvalidRecord(f"{path}: key {key!r} is a {type(key).__name__}; JSON keys are strings")
            check_text(key, f"{path} key")
            _walk(item, f"{path}.{key}", depth + 1)
    elif kind is list:
        if depth >= MAX_DEPTH:
            raise InvalidRecord(f"{path}: nested deeper than {MAX_DEPTH} levels")
        for i, item in enumerate(value):  # type: ignore[arg-type]
            _walk(item, f"{path}[{i}]", depth + 1)
    elif isinstance(value, str):  # str/int/float subclasses (enums): stored as their plain value
        check_text(value, path)
    elif isinstance(value, int):
        return
    elif isinstance(value, float):
        _walk(float(value), path, depth)
    else:
        raise InvalidRecord(f"{path}: {kind.__name__} is not a JSON value (allowed: {JSON_TYPES})")


def canonical_json(value: object, field: str = "value") -> str:
    """The one spelling of a JSON value; InvalidRecord for anything that is not one."""
    _walk(value, field, 0)
    return _ENCODE(value)


def params_json(params: object, field: str = "params") -> str:
    """Canonical JSON of a parameter object (a dict with string keys), at most MAX_JSON long."""
    if type(params) is not dict:
        raise InvalidRecord(f"{field}: expected a dict of parameters, got {type(params).__name__}")
    if not params:
        return "{}"
    text = canonical_json(params, field)
    if len(text) > MAX_JSON:
        raise InvalidRecord(f"{field}: {len(text)} characters of JSON, more than the {MAX_JSON} allowed")
    return text


def texts_json(items: Sequence[Any], field: str) -> str:
    """A list of texts (reasons, barred names) as canonical JSON."""
    texts = [str(item) for item in items]
    for i, text in enumerate(texts):
        check_text(text, f"{field}[{i}]")
    return _ENCODE(texts)


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


def action_args(row: ActionRow) -> tuple[Any, ...]:
    """The append_action values: the row with parameters and reasons as canonical JSON."""
    try:
        check_text(row.session_id, "session_id")
        check_int(row.seq, "seq")
        check_real(row.ts, "ts")
        check_text(row.endpoint, "endpoint")
        params = params_json(row.params)
        check_state(row.effect, EFFECTS, "effect")
        reasons = texts_json(row.reasons, "reasons")
        check_real(row.deviation, "deviation", optional=True)
        check_text(row.result, "result", optional=True)
        check_real(row.latency_ms, "latency_ms", optional=True)
        check_int(row.token_cost, "token_cost", optional=True)
        check_int(row.approval_id, "approval_id", optional=True)
    except InvalidRecord as exc:
        raise _refused(f"action {row.seq!r} of session `{row.session_id}`", exc) from None
    return (row.session_id, row.seq, row.ts, row.endpoint, params, row.effect, reasons, row.deviation,
            row.result, row.latency_ms, row.token_cost, row.approval_id)


def alert_args(row: AlertRow) -> tuple[Any, ...]:
    try:
        check_text(row.session_id, "session_id")
        check_real(row.ts, "ts")
        check_text(row.kind, "kind")
        check_text(row.text, "text")
    except InvalidRecord as exc:
        raise _refused(f"alert of session `{row.session_id}`", exc) from None
    return (row.session_id, row.ts, row.kind, row.text)


def approval_args(row: ApprovalRow) -> tuple[Any, ...]:
    """(call_hash, session_id, agent, barred, endpoint, params, kind, reasons, status, created,
    expires, decided_by, decided_at, root, signature, decided_key)."""
    try:
        for field in ("call_hash", "session_id", "agent", "endpoint", "kind", "root"):
            check_text(getattr(row, field), field)
        for field in ("decided_by", "signature", "decided_key"):
            check_text(getattr(row, field), field, optional=True)
        barred = texts_json(row.barred, "barred")
        params = params_json(row.params)
        reasons = texts_json(row.reasons, "reasons")
        check_state(row.status, APPROVAL_STATES, "status")
        check_real(row.created, "created")
        check_real(row.expires, "expires")
        check_real(row.decided_at, "decided_at", optional=True)
    except InvalidRecord as exc:
        raise _refused(f"approval request for `{row.endpoint}` of session `{row.session_id}`", exc) from None
    return (row.call_hash, row.session_id, row.agent, barred, row.endpoint, params, row.kind, reasons,
            row.status, row.created, row.expires, row.decided_by, row.decided_at, row.root, row.signature,
            row.decided_key)


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
