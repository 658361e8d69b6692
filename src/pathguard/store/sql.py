"""What SQLite and PostgreSQL share: the statements and the methods built on them.

Statements are written with `?` placeholders (the PostgreSQL store numbers them).
Approvals and budget scopes change through single conditional UPDATEs
(`... WHERE status = ?`, `... WHERE used < lim`), which both databases execute
atomically, so concurrent processes can never both take the last unit of a
budget or both use one grant. Every insert is idempotent: `ON CONFLICT DO
NOTHING` or `WHERE NOT EXISTS`, then, when nothing was inserted, the stored row
is compared with the new one (equal: a retry, done; different: StoreConflict).
A transition writes a fresh token with the new status, so its own retry
recognises it while a competitor's transition still makes it fail.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from typing import Any

from pathguard.store import codec
from pathguard.store.base import (
    APPROVAL_STATES,
    FINAL_STATES,
    ActionRow,
    AlertRow,
    ApprovalRow,
    SessionRow,
    SessionTrace,
    StoreInfo,
)
from pathguard.store.errors import StoreConflict, StoreError

SESSION = "session_id, agent, intent, started, parent, final_state, ended, policy, root"
ACTION = ("session_id, seq, ts, endpoint, params, effect, reasons, deviation, result, latency_ms, "
          "token_cost, approval_id")
APPROVAL = ("call_hash, session_id, agent, barred, endpoint, params, kind, reasons, status, created, "
            "expires, decided_by, decided_at, root, signature, decided_key")
# the types of the approval columns, for the casts an INSERT ... SELECT of parameters needs in PostgreSQL
APPROVAL_TYPES = ("TEXT",) * 9 + ("{real}", "{real}", "TEXT", "{real}", "TEXT", "TEXT", "TEXT")


def _marks(n: int) -> str:
    return ", ".join("?" * n)


Q = {
    "open_session": f"INSERT INTO sessions ({SESSION}) VALUES ({_marks(9)}) "
                    "ON CONFLICT (session_id) DO NOTHING",
    "close_session": "UPDATE sessions SET final_state = ?, ended = ? WHERE session_id = ?",
    "append_action": f"INSERT INTO actions ({ACTION}) VALUES ({_marks(12)}) "
                     "ON CONFLICT (session_id, seq) DO NOTHING",
    "action": f"SELECT {ACTION} FROM actions WHERE session_id = ? AND seq = ?",
    "update_action": "UPDATE actions SET result = ?, latency_ms = ?, token_cost = ? "
                     "WHERE session_id = ? AND seq = ?",
    "add_alert": "INSERT INTO alerts (session_id, ts, kind, text) "
                 "SELECT CAST(? AS TEXT), CAST(? AS {real}), CAST(? AS TEXT), CAST(? AS TEXT) "
                 "WHERE NOT EXISTS (SELECT 1 FROM alerts "
                 "WHERE session_id = ? AND ts = ? AND kind = ? AND text = ?)",
    "sessions": f"SELECT {SESSION} FROM sessions ORDER BY started DESC, session_id LIMIT ?",
    "sessions_agent": f"SELECT {SESSION} FROM sessions WHERE agent = ? "
                      "ORDER BY started DESC, session_id LIMIT ?",
    "session": f"SELECT {SESSION} FROM sessions WHERE session_id = ?",
    "actions": f"SELECT {ACTION} FROM actions WHERE session_id = ? ORDER BY seq",
    "alerts": "SELECT session_id, ts, kind, text FROM alerts WHERE session_id = ? ORDER BY ts, id",
    "tree_agents": "SELECT DISTINCT agent FROM sessions WHERE root = ? ORDER BY agent",
    "open_approval": f"INSERT INTO approvals ({APPROVAL}) "
                     f"SELECT {', '.join(f'CAST(? AS {t})' for t in APPROVAL_TYPES)} "
                     "WHERE NOT EXISTS (SELECT 1 FROM approvals WHERE call_hash = ? AND created = ? "
                     "AND status = 'pending') RETURNING id",
    "pending_approval": f"SELECT id, {APPROVAL} FROM approvals WHERE call_hash = ? AND created = ? "
                        "AND status = 'pending' ORDER BY id LIMIT 1",
    "approval": f"SELECT id, {APPROVAL} FROM approvals WHERE id = ?",
    "latest_approval": f"SELECT id, {APPROVAL} FROM approvals WHERE call_hash = ? ORDER BY id DESC LIMIT 1",
    "approvals": f"SELECT id, {APPROVAL} FROM approvals ORDER BY id",
    "approvals_status": f"SELECT id, {APPROVAL} FROM approvals WHERE status = ? ORDER BY id",
    "transition": "UPDATE approvals SET status = ?, decided_by = COALESCE(?, decided_by), "
                  "decided_at = COALESCE(?, decided_at), signature = COALESCE(?, signature), "
                  "decided_key = COALESCE(?, decided_key), step_token = ? "
                  "WHERE id = ? AND (status = ? OR step_token = ?)",
    "ensure_scope": "INSERT INTO budgets (scope, used, lim) VALUES (?, 0, ?) ON CONFLICT (scope) DO NOTHING",
    "reserve": "UPDATE budgets SET used = used + 1 WHERE scope = ? AND used < lim",
    "scope_used": "SELECT used, lim FROM budgets WHERE scope = ?",
}
# Writes whose repetition changes nothing (see the module docstring): safe to resend after a lost reply.
IDEMPOTENT = frozenset({"open_session", "close_session", "append_action", "update_action", "add_alert",
                        "open_approval", "transition", "ensure_scope"})
READS = frozenset(key for key, sql in Q.items() if sql.startswith("SELECT"))


def dialect(queries: dict[str, str], real: str) -> dict[str, str]:
    return {key: sql.replace("{real}", real) for key, sql in queries.items()}


def same_session(stored: Sequence[Any], args: tuple[Any, ...]) -> bool:
    return codec.session_row(stored) == codec.session_row(args)


def same_action(stored: Sequence[Any], args: tuple[Any, ...]) -> bool:
    """The stored row, re-encoded, is the new one (texts compared canonically)."""
    try:
        return codec.action_args(codec.action_row(stored)) == args
    except StoreError:
        return False


def action_conflict(args: tuple[Any, ...], url: str) -> StoreConflict:
    return StoreConflict(f"action {args[1]} of session `{args[0]}` already exists with other values in the "
                         f"trace store `{url}`: two writers share this session (nothing was written)")


class SQLStore:
    """The methods; a subclass supplies `_call(key, args, fetch, durable)` for its driver (with its
    error handling), `info()` and `reserve_append`, the one step that needs a transaction or a
    compound statement."""

    url: str

    def __init__(self, queries: dict[str, str]) -> None:
        self._q = queries
        self._lock = threading.RLock()  # reentrant: a SQLite unit holds it around its statements

    def _call(self, key: str, args: Sequence[Any], fetch: str = "", durable: bool = True) -> Any:
        """Execute statement `key`; `fetch` is `one`, `all` or `count` (rows changed). Without
        `durable` the driver may acknowledge the commit before it reaches the disk."""
        raise NotImplementedError  # each driver's subclass runs it

    def info(self) -> StoreInfo:
        raise NotImplementedError  # each driver's subclass keeps what it found at open

    def open_session(self, row: SessionRow, *, durable: bool = True) -> None:
        args = codec.session_args(row)
        if self._call("open_session", args, "count", durable) == 1:
            return
        stored = self._call("session", (row.session_id,), "one")
        if stored is None or not same_session(stored, args):
            raise StoreConflict(f"session `{row.session_id}` already exists with other values in the trace "
                                f"store `{self.url}`: use a new session id (nothing was written)")

    def close_session(self, session_id: str, final_state: str, ended: float) -> None:
        codec.check_state(final_state, FINAL_STATES, "final_state")
        codec.check_real(ended, "ended")
        self._call("close_session", (final_state, ended, session_id))

    def append_action(self, row: ActionRow, *, durable: bool) -> None:
        args = codec.action_args(row)
        if self._call("append_action", args, "count", durable) == 1:
            return
        stored = self._call("action", (row.session_id, row.seq), "one")
        if stored is None or not same_action(stored, args):
            raise action_conflict(args, self.url)

    def update_action(self, session_id: str, seq: int, result: str | None,
                      latency_ms: float | None, token_cost: int | None) -> None:
        codec.check_text(result, "result", optional=True)
        codec.check_real(latency_ms, "latency_ms", optional=True)
        codec.check_int(token_cost, "token_cost", optional=True)
        self._call("update_action", (result, latency_ms, token_cost, session_id, seq))

    def add_alert(self, row: AlertRow) -> None:
        args = codec.alert_args(row)
        self._call("add_alert", (*args, *args))

    def sessions(self, limit: int = 100, agent: str | None = None) -> list[SessionRow]:
        rows = (self._call("sessions", (limit,), "all") if agent is None
                else self._call("sessions_agent", (agent, limit), "all"))
        return [codec.session_row(r) for r in rows]

    def session(self, session_id: str) -> SessionTrace | None:
        row = self._call("session", (session_id,), "one")
        if row is None:
            return None
        actions = tuple(codec.action_row(r) for r in self._call("actions", (session_id,), "all"))
        alerts = tuple(AlertRow(r[0], float(r[1]), r[2], r[3])
                       for r in self._call("alerts", (session_id,), "all"))
        return SessionTrace(codec.session_row(row), actions, alerts)

    def tree_agents(self, root: str) -> list[str]:
        return [r[0] for r in self._call("tree_agents", (root,), "all")]

    def open_approval(self, row: ApprovalRow, *, durable: bool = True) -> int:
        args = codec.approval_args(row)
        got = self._call("open_approval", (*args, row.call_hash, row.created), "one", durable)
        if got is not None:
            return int(got[0])
        stored = self._call("pending_approval", (row.call_hash, row.created), "one")
        if stored is None or codec.approval_row(stored)._replace(id=0) != codec.approval_row((0, *args)):
            raise StoreConflict(f"an approval request for the same call and time exists with other values in "
                                f"the trace store `{self.url}` (nothing was written)")
        return int(stored[0])

    def approval(self, approval_id: int) -> ApprovalRow | None:
        row = self._call("approval", (approval_id,), "one")
        return None if row is None else codec.approval_row(row)

    def latest_approval(self, call_hash: str) -> ApprovalRow | None:
        row = self._call("latest_approval", (call_hash,), "one")
        return None if row is None else codec.approval_row(row)

    def approvals(self, status: str | None = None) -> list[ApprovalRow]:
        rows = (self._call("approvals", (), "all") if status is None
                else self._call("approvals_status", (status,), "all"))
        return [codec.approval_row(r) for r in rows]

    def transition(self, approval_id: int, old: str, new: str, by: str | None = None,
                   at: float | None = None, *, signature: str | None = None, key: str | None = None,
                   durable: bool = True) -> bool:
        codec.check_state(new, APPROVAL_STATES, "status")
        codec.check_text(by, "decided_by", optional=True)
        codec.check_real(at, "decided_at", optional=True)
        codec.check_text(signature, "signature", optional=True)
        codec.check_text(key, "decided_key", optional=True)
        token = secrets.token_hex(8)
        changed = self._call("transition", (new, by, at, signature, key, token, approval_id, old, token),
                             "count", durable)
        return bool(changed == 1)

    def ensure_scope(self, scope: str, limit: int) -> None:
        codec.check_text(scope, "scope")
        codec.check_int(limit, "limit")
        self._call("ensure_scope", (scope, limit))

    def reserve(self, scope: str, *, durable: bool = True) -> bool:
        if self._call("reserve", (scope,), "count", durable) == 1:
            return True
        if self._call("scope_used", (scope,), "one") is None:
            raise self._unknown_scope(scope)
        return False

    def scope_used(self, scope: str) -> tuple[int, int]:
        row = self._call("scope_used", (scope,), "one")
        if row is None:
            raise self._unknown_scope(scope)
        return int(row[0]), int(row[1])

    def _unknown_scope(self, scope: str) -> StoreError:
        return StoreError(f"unknown budget scope `{scope}` in the trace store `{self.url}`: "
                          "create it first (Guard(scope=..., scope_limit=...))")
