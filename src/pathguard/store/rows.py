"""Rows to database values and back, for every back end, through the codec's checks.

`*_values` check a row and make its canonical copy (what the memory store keeps);
`*_args` encode that copy for the databases' columns; `*_row` decode database
values (typed from SQLite, texts from libpq) back into rows. A row that does not
decode (corrupt JSON, unknown state) raises StoreError: the runtime then denies.
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
from pathguard.store.codec import (
    INT4,
    check_int,
    check_real,
    check_state,
    check_text,
    encode,
    json_copy,
    params_value,
    texts,
    texts_json,
)
from pathguard.store.errors import InvalidRecord, StoreError

EFFECT_SET = frozenset(EFFECTS)


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
    return (*v[:4], encode(v[4]), v[5], encode(list(v[6])), *v[7:])


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
    return ActionRow._make((*v[:4], json_copy(v[4], "params", 0), *v[5:]))


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON (`1`, `1.0` and `true` differ, as they do in the databases' texts)."""
    return bool(a == b and encode(a) == encode(b))


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
    return (*v[:3], encode(list(v[3])), v[4], encode(v[5]), v[6], encode(list(v[7])), *v[8:])


def approval_from_values(approval_id: int, v: tuple[Any, ...]) -> ApprovalRow:
    """A request from `approval_values`, with a parameter copy of its own for the reader."""
    return ApprovalRow._make((approval_id, *v[:5], json_copy(v[5], "params", 0), *v[6:]))


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
