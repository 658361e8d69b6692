"""What SQLite and PostgreSQL share: one schema, the same statements, one row decoder.

Statements are written with `?` placeholders; the PostgreSQL store rewrites them
to `%s` once at import. Approvals and budget scopes change through single
conditional UPDATEs (`... WHERE status = ?`, `... WHERE used < lim`), which both
databases execute atomically, so concurrent processes can never both take the
last unit of a budget or both use one grant. A row that does not decode
(corrupt JSON, unknown state) raises StoreError: the runtime then denies.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from importlib import resources
from typing import Any

from pathguard.store.base import (
    APPROVAL_STATES,
    ActionRow,
    AlertRow,
    ApprovalRow,
    SessionRow,
    SessionTrace,
    StoreError,
)

Q = {
    "open_session": "INSERT INTO sessions (session_id, agent, intent, parent, policy, started, ended, "
                    "final_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "close_session": "UPDATE sessions SET final_state = ?, ended = ? WHERE session_id = ?",
    "append_action": "INSERT INTO actions (session_id, seq, ts, endpoint, params, effect, reasons, "
                     "deviation, result, latency_ms, token_cost, approval_id) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "update_action": "UPDATE actions SET result = ?, latency_ms = ?, token_cost = ? "
                     "WHERE session_id = ? AND seq = ?",
    "add_alert": "INSERT INTO alerts (session_id, ts, kind, text) VALUES (?, ?, ?, ?)",
    "sessions": "SELECT session_id, agent, intent, started, parent, final_state, ended, policy "
                "FROM sessions ORDER BY started DESC, session_id LIMIT ?",
    "sessions_agent": "SELECT session_id, agent, intent, started, parent, final_state, ended, policy "
                      "FROM sessions WHERE agent = ? ORDER BY started DESC, session_id LIMIT ?",
    "session": "SELECT session_id, agent, intent, started, parent, final_state, ended, policy "
               "FROM sessions WHERE session_id = ?",
    "actions": "SELECT session_id, seq, ts, endpoint, params, effect, reasons, deviation, result, "
               "latency_ms, token_cost, approval_id FROM actions WHERE session_id = ? ORDER BY seq",
    "alerts": "SELECT session_id, ts, kind, text FROM alerts WHERE session_id = ? ORDER BY ts, id",
    "open_approval": "INSERT INTO approvals (call_hash, session_id, agent, barred, endpoint, params, kind, "
                     "reasons, status, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "RETURNING id",
    "approval": "SELECT * FROM approvals WHERE id = ?",
    "latest_approval": "SELECT * FROM approvals WHERE call_hash = ? ORDER BY id DESC LIMIT 1",
    "approvals": "SELECT * FROM approvals ORDER BY id",
    "approvals_status": "SELECT * FROM approvals WHERE status = ? ORDER BY id",
    "transition": "UPDATE approvals SET status = ?, decided_by = COALESCE(?, decided_by), "
                  "decided_at = COALESCE(?, decided_at) WHERE id = ? AND status = ?",
    "ensure_scope": "INSERT INTO budgets (scope, used, lim) VALUES (?, 0, ?) ON CONFLICT (scope) DO NOTHING",
    "reserve": "UPDATE budgets SET used = used + 1 WHERE scope = ? AND used < lim",
    "scope_used": "SELECT used, lim FROM budgets WHERE scope = ?",
}


DUMP = json.JSONEncoder(sort_keys=True).encode  # built once (json.dumps with options builds one per call)


def schema(real: str, serial: str) -> list[str]:
    """The schema's statements for one dialect."""
    text = resources.files("pathguard.store").joinpath("schema.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    body = body.replace("{real}", real).replace("{serial}", serial)
    return [s.strip() for s in body.split(";") if s.strip()]


def reasons_json(reasons: tuple[Any, ...]) -> str:
    return DUMP([str(r) for r in reasons])


def action_args(row: ActionRow) -> tuple[Any, ...]:
    """The `append_action` parameters of a row (parameters and reasons as JSON)."""
    return (row.session_id, row.seq, row.ts, row.endpoint, DUMP(row.params), row.effect,
            reasons_json(row.reasons), row.deviation, row.result, row.latency_ms, row.token_cost,
            row.approval_id)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"corrupt row in the trace store: {exc}") from exc


def _session(r: Sequence[Any]) -> SessionRow:
    return SessionRow(r[0], r[1], r[2], float(r[3]), r[4], r[5], None if r[6] is None else float(r[6]), r[7])


def _action(r: Sequence[Any]) -> ActionRow:
    return ActionRow(r[0], int(r[1]), float(r[2]), r[3], _json(r[4]), r[5], tuple(_json(r[6])),
                     None if r[7] is None else float(r[7]),
                     r[8], r[9], r[10], r[11])


def _approval(r: Sequence[Any]) -> ApprovalRow:
    if r[9] not in APPROVAL_STATES:
        raise StoreError(f"corrupt approval row {r[0]}: unknown status `{r[9]}`")
    return ApprovalRow(int(r[0]), r[1], r[2], r[3], tuple(_json(r[4])), r[5], _json(r[6]), r[7],
                       tuple(_json(r[8])), r[9], float(r[10]), float(r[11]), r[12],
                       None if r[13] is None else float(r[13]))


class SQLStore:
    """The statements; a subclass supplies `_run(key, args, fetch, durable)` for its driver and
    `reserve_append`, the one step that needs a transaction or a compound statement."""

    url: str

    def __init__(self, queries: dict[str, str]) -> None:
        self._q = queries
        self._lock = threading.RLock()  # reentrant: a SQLite unit holds it around its statements

    def _run(self, key: str, args: Sequence[Any], fetch: str = "", durable: bool = True) -> Any:
        """Execute statement `key`; `fetch` is `one`, `all` or `count` (rows changed). Without
        `durable` the driver may acknowledge the commit before it reaches the disk."""
        raise NotImplementedError  # each driver's subclass runs it

    def _call(self, key: str, args: Sequence[Any], fetch: str = "", durable: bool = True) -> Any:
        with self._lock:
            try:
                return self._run(key, args, fetch, durable)
            except StoreError:
                raise
            except Exception as exc:  # driver errors of either database become one kind
                raise StoreError(f"trace store `{self.url}` failed: {type(exc).__name__}: {exc}") from exc

    def open_session(self, row: SessionRow, *, durable: bool = True) -> None:
        self._call("open_session", (row.session_id, row.agent, row.intent, row.parent, row.policy,
                                    row.started, row.ended, row.final_state), durable=durable)

    def close_session(self, session_id: str, final_state: str, ended: float) -> None:
        self._call("close_session", (final_state, ended, session_id))

    def append_action(self, row: ActionRow, *, durable: bool) -> None:
        self._call("append_action", action_args(row), durable=durable)

    def update_action(self, session_id: str, seq: int, result: str | None,
                      latency_ms: float | None, token_cost: int | None) -> None:
        self._call("update_action", (result, latency_ms, token_cost, session_id, seq))

    def add_alert(self, row: AlertRow) -> None:
        self._call("add_alert", (row.session_id, row.ts, row.kind, row.text))

    def sessions(self, limit: int = 100, agent: str | None = None) -> list[SessionRow]:
        rows = (self._call("sessions", (limit,), "all") if agent is None
                else self._call("sessions_agent", (agent, limit), "all"))
        return [_session(r) for r in rows]

    def session(self, session_id: str) -> SessionTrace | None:
        row = self._call("session", (session_id,), "one")
        if row is None:
            return None
        actions = tuple(_action(r) for r in self._call("actions", (session_id,), "all"))
        alerts = tuple(AlertRow(r[0], float(r[1]), r[2], r[3])
                       for r in self._call("alerts", (session_id,), "all"))
        return SessionTrace(_session(row), actions, alerts)

    def open_approval(self, row: ApprovalRow, *, durable: bool = True) -> int:
        got = self._call("open_approval", (row.call_hash, row.session_id, row.agent, json.dumps(row.barred),
                                           row.endpoint, DUMP(row.params),
                                           row.kind, json.dumps(row.reasons), row.status, row.created,
                                           row.expires), "one", durable)
        return int(got[0])

    def approval(self, approval_id: int) -> ApprovalRow | None:
        row = self._call("approval", (approval_id,), "one")
        return None if row is None else _approval(row)

    def latest_approval(self, call_hash: str) -> ApprovalRow | None:
        row = self._call("latest_approval", (call_hash,), "one")
        return None if row is None else _approval(row)

    def approvals(self, status: str | None = None) -> list[ApprovalRow]:
        rows = (self._call("approvals", (), "all") if status is None
                else self._call("approvals_status", (status,), "all"))
        return [_approval(r) for r in rows]

    def transition(self, approval_id: int, old: str, new: str, by: str | None = None,
                   at: float | None = None, *, durable: bool = True) -> bool:
        return bool(self._call("transition", (new, by, at, approval_id, old), "count", durable) == 1)

    def ensure_scope(self, scope: str, limit: int) -> None:
        self._call("ensure_scope", (scope, limit))

    def reserve(self, scope: str, *, durable: bool = True) -> bool:
        if self._call("reserve", (scope,), "count", durable) == 1:
            return True
        if self._call("scope_used", (scope,), "one") is None:
            raise StoreError(f"unknown budget scope `{scope}`")
        return False

    def scope_used(self, scope: str) -> tuple[int, int]:
        row = self._call("scope_used", (scope,), "one")
        if row is None:
            raise StoreError(f"unknown budget scope `{scope}`")
        return int(row[0]), int(row[1])

