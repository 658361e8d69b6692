"""The in-process store: same behaviour as the databases, nothing survives the process.

For tests, the simulator and benchmarks. Rows go through the codec the databases
use (`codec.py`), so the memory store refuses what they refuse and keeps the
canonical copy they would keep (actions as checked values, the rest encoded): a
caller mutating a dict after writing it, or one it read, cannot change a row. One lock
covers every method, compound steps included (check-then-write of a budget unit,
compare-and-set of an approval, idempotent inserts), as the databases' row locks
and transactions do between processes.
"""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pathguard.store import codec
from pathguard.store.base import (
    FINAL_STATES,
    ActionRow,
    AlertRow,
    ApprovalRow,
    SessionRow,
    SessionTrace,
    StoreInfo,
)
from pathguard.store.errors import StoreConflict, StoreError
from pathguard.store.schema import LATEST

# positions in a stored approval: (id, *codec.approval_values(row))
STATUS, CREATED, DECIDED_BY, DECIDED_AT, SIGNATURE, KEY = 9, 10, 12, 13, 15, 16


class MemoryStore:
    def __init__(self) -> None:
        self.url = "memory"
        self._sessions: dict[str, tuple[Any, ...]] = {}
        self._actions: dict[str, dict[int, tuple[Any, ...]]] = {}
        self._alerts: dict[str, list[tuple[Any, ...]]] = {}
        self._approvals: list[tuple[Any, ...]] = []  # (id, *approval_values), id = index + 1
        self._by_hash: dict[str, int] = {}   # call hash -> latest request
        self._by_key: dict[tuple[str, float], int] = {}  # (call hash, created) -> request
        self._scopes: dict[str, list[int]] = {}
        self._lock = threading.RLock()
        self._info = StoreInfo(uuid.uuid4().hex, time.time(), LATEST, created_now=True)

    def info(self) -> StoreInfo:
        return self._info

    def open_session(self, row: SessionRow, *, durable: bool = True) -> None:
        args = codec.session_args(row)
        with self._lock:
            stored = self._sessions.setdefault(row.session_id, args)
            if stored != args:
                raise StoreConflict(f"session `{row.session_id}` already exists with other values in the "
                                    "trace store `memory`: use a new session id")
            self._actions.setdefault(row.session_id, {})
            self._alerts.setdefault(row.session_id, [])

    def close_session(self, session_id: str, final_state: str, ended: float) -> None:
        codec.check_state(final_state, FINAL_STATES, "final_state")
        codec.check_real(ended, "ended")
        with self._lock:
            stored = self._sessions.get(session_id)
            if stored is not None:
                self._sessions[session_id] = (*stored[:5], final_state, ended, *stored[7:])

    def append_action(self, row: ActionRow, *, durable: bool) -> None:
        values = codec.action_values(row)
        with self._lock:
            self._insert_action(values)

    def _insert_action(self, args: tuple[Any, ...]) -> None:
        actions = self._actions.get(args[0])
        if actions is None:
            actions = self._actions[args[0]] = {}
        stored = actions.setdefault(args[1], args)
        if stored is not args and not codec.same_json(stored, args):
            raise StoreConflict(f"action {args[1]} of session `{args[0]}` already exists with other values "
                                "in the trace store `memory`: two writers share this session")

    def update_action(self, session_id: str, seq: int, result: str | None,
                      latency_ms: float | None, token_cost: int | None) -> None:
        codec.check_text(result, "result", optional=True)
        codec.check_real(latency_ms, "latency_ms", optional=True)
        codec.check_int(token_cost, "token_cost", optional=True)
        with self._lock:
            actions = self._actions.get(session_id, {})
            if seq in actions:
                stored = actions[seq]
                actions[seq] = (*stored[:8], result, latency_ms, token_cost, stored[11])

    def add_alert(self, row: AlertRow) -> None:
        args = codec.alert_args(row)
        with self._lock:
            alerts = self._alerts.setdefault(row.session_id, [])
            if args not in alerts:  # idempotent, as the databases' insert-if-absent
                alerts.append(args)

    def sessions(self, limit: int = 100, agent: str | None = None) -> list[SessionRow]:
        with self._lock:
            rows = [codec.session_row(s) for s in self._sessions.values() if agent is None or s[1] == agent]
        return sorted(rows, key=lambda s: (-s.started, s.session_id))[:limit]

    def session(self, session_id: str) -> SessionTrace | None:
        with self._lock:
            row = self._sessions.get(session_id)
            if row is None:
                return None
            actions = [a for _, a in sorted(self._actions.get(session_id, {}).items())]
            alerts = sorted(self._alerts.get(session_id, []), key=lambda a: a[1])
        return SessionTrace(codec.session_row(row), tuple(codec.action_from_values(a) for a in actions),
                            tuple(AlertRow(*a) for a in alerts))

    def tree_agents(self, root: str) -> list[str]:
        with self._lock:
            return sorted({s[1] for s in self._sessions.values() if s[8] == root})

    def open_approval(self, row: ApprovalRow, *, durable: bool = True) -> int:
        args = codec.approval_values(row)
        with self._lock:
            known = self._by_key.get((args[0], args[CREATED - 1]))
            stored = None if known is None else self._approvals[known - 1]
            if stored is not None and stored[STATUS] == "pending":  # the same request again: its id
                if not codec.same_json(stored[1:], args):
                    raise StoreConflict(f"approval request {known} for the same call and time exists with "
                                        "other values in the trace store `memory`")
                return int(stored[0])
            approval_id = len(self._approvals) + 1
            self._approvals.append((approval_id, *args))
            self._by_hash[row.call_hash] = approval_id
            self._by_key[(args[0], args[CREATED - 1])] = approval_id
            return approval_id

    def approval(self, approval_id: int) -> ApprovalRow | None:
        with self._lock:
            if not 0 < approval_id <= len(self._approvals):
                return None
            stored = self._approvals[approval_id - 1]
        return codec.approval_from_values(stored[0], stored[1:])

    def latest_approval(self, call_hash: str) -> ApprovalRow | None:
        with self._lock:
            approval_id = self._by_hash.get(call_hash)
            stored = None if approval_id is None else self._approvals[approval_id - 1]
        return None if stored is None else codec.approval_from_values(stored[0], stored[1:])

    def approvals(self, status: str | None = None) -> list[ApprovalRow]:
        with self._lock:
            rows = [a for a in self._approvals if status is None or a[STATUS] == status]
        return [codec.approval_from_values(a[0], a[1:]) for a in rows]

    def transition(self, approval_id: int, old: str, new: str, by: str | None = None,
                   at: float | None = None, *, signature: str | None = None, key: str | None = None,
                   durable: bool = True) -> bool:
        codec.check_state(new, codec.APPROVAL_STATES, "status")
        codec.check_text(by, "decided_by", optional=True)
        codec.check_real(at, "decided_at", optional=True)
        codec.check_text(signature, "signature", optional=True)
        codec.check_text(key, "decided_key", optional=True)
        with self._lock:
            if not 0 < approval_id <= len(self._approvals):
                return False
            row = list(self._approvals[approval_id - 1])
            if row[STATUS] != old:
                return False
            row[STATUS] = new
            for index, value in ((DECIDED_BY, by), (DECIDED_AT, at), (SIGNATURE, signature), (KEY, key)):
                if value is not None:
                    row[index] = value
            self._approvals[approval_id - 1] = tuple(row)
            return True

    def ensure_scope(self, scope: str, limit: int) -> None:
        codec.check_text(scope, "scope")
        codec.check_int(limit, "limit")
        with self._lock:
            self._scopes.setdefault(scope, [0, limit])

    def reserve(self, scope: str, *, durable: bool = True) -> bool:
        with self._lock:
            return self._take(scope)

    def _take(self, scope: str) -> bool:
        entry = self._scopes.get(scope)
        if entry is None:
            raise StoreError(f"unknown budget scope `{scope}` in the trace store `memory`: "
                             "create it first (Guard(scope=..., scope_limit=...))")
        if entry[0] >= entry[1]:
            return False
        entry[0] += 1
        return True

    def reserve_append(self, scope: str, allowed: ActionRow, denied: ActionRow, *, durable: bool) -> bool:
        yes, no = codec.action_values(allowed), codec.action_values(denied)
        with self._lock:
            stored = self._actions.get(yes[0], {}).get(yes[1])
            if stored is not None:  # a retry: the unit was (or was not) taken the first time
                if not (codec.same_json(stored, yes) or codec.same_json(stored, no)):
                    raise StoreConflict(f"action {yes[1]} of session `{yes[0]}` already exists with other "
                                        "values in the trace store `memory`: two writers share this session")
                return codec.same_json(stored, yes)
            taken = self._take(scope)
            self._insert_action(yes if taken else no)
            return taken

    def scope_used(self, scope: str) -> tuple[int, int]:
        with self._lock:
            entry = self._scopes.get(scope)
            if entry is None:
                raise StoreError(f"unknown budget scope `{scope}` in the trace store `memory`")
            return entry[0], entry[1]

    def unit(self) -> AbstractContextManager[object]:
        return nullcontext()  # every write is already in place

    def close(self) -> None:
        """Nothing to release."""
