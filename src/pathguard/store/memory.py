"""The in-process store: same behaviour as the databases, nothing survives the process.

For tests, the simulator and benchmarks. One lock makes approvals and scopes
atomic between threads, as the databases make them between processes.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace

from pathguard.store.base import ActionRow, AlertRow, ApprovalRow, SessionRow, SessionTrace, StoreError


class MemoryStore:
    def __init__(self) -> None:
        self.url = "memory"
        self._sessions: dict[str, SessionRow] = {}
        self._actions: dict[str, dict[int, ActionRow]] = {}
        self._alerts: dict[str, list[AlertRow]] = {}
        self._approvals: list[ApprovalRow] = []
        self._by_hash: dict[str, int] = {}
        self._scopes: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def open_session(self, row: SessionRow, *, durable: bool = True) -> None:
        self._sessions[row.session_id] = row
        self._actions[row.session_id] = {}
        self._alerts[row.session_id] = []

    def close_session(self, session_id: str, final_state: str, ended: float) -> None:
        self._sessions[session_id] = replace(self._sessions[session_id], final_state=final_state,
                                             ended=ended)

    def append_action(self, row: ActionRow, *, durable: bool) -> None:
        self._actions[row.session_id][row.seq] = row

    def update_action(self, session_id: str, seq: int, result: str | None,
                      latency_ms: float | None, token_cost: int | None) -> None:
        actions = self._actions[session_id]
        actions[seq] = actions[seq]._replace(result=result, latency_ms=latency_ms, token_cost=token_cost)

    def add_alert(self, row: AlertRow) -> None:
        self._alerts[row.session_id].append(row)

    def sessions(self, limit: int = 100, agent: str | None = None) -> list[SessionRow]:
        rows = [s for s in self._sessions.values() if agent is None or s.agent == agent]
        return sorted(rows, key=lambda s: (-s.started, s.session_id))[:limit]

    def session(self, session_id: str) -> SessionTrace | None:
        row = self._sessions.get(session_id)
        if row is None:
            return None
        actions = tuple(a._replace(reasons=tuple(map(str, a.reasons)))
                        for _, a in sorted(self._actions[session_id].items()))
        return SessionTrace(row, actions, tuple(self._alerts[session_id]))

    def open_approval(self, row: ApprovalRow, *, durable: bool = True) -> int:
        with self._lock:
            approval_id = len(self._approvals) + 1
            self._approvals.append(row._replace(id=approval_id))
            self._by_hash[row.call_hash] = approval_id
            return approval_id

    def approval(self, approval_id: int) -> ApprovalRow | None:
        return self._approvals[approval_id - 1] if 0 < approval_id <= len(self._approvals) else None

    def latest_approval(self, call_hash: str) -> ApprovalRow | None:
        approval_id = self._by_hash.get(call_hash)
        return None if approval_id is None else self._approvals[approval_id - 1]

    def approvals(self, status: str | None = None) -> list[ApprovalRow]:
        return [a for a in self._approvals if status is None or a.status == status]

    def transition(self, approval_id: int, old: str, new: str, by: str | None = None,
                   at: float | None = None, *, durable: bool = True) -> bool:
        with self._lock:
            row = self.approval(approval_id)
            if row is None or row.status != old:
                return False
            changed = row._replace(status=new)
            if by is not None:
                changed = changed._replace(decided_by=by, decided_at=at)
            self._approvals[approval_id - 1] = changed
            return True

    def ensure_scope(self, scope: str, limit: int) -> None:
        with self._lock:
            self._scopes.setdefault(scope, [0, limit])

    def reserve(self, scope: str, *, durable: bool = True) -> bool:
        with self._lock:
            entry = self._scopes.get(scope)
            if entry is None:
                raise StoreError(f"unknown budget scope `{scope}`")
            if entry[0] >= entry[1]:
                return False
            entry[0] += 1
            return True

    def reserve_append(self, scope: str, allowed: ActionRow, denied: ActionRow, *, durable: bool) -> bool:
        taken = self.reserve(scope)
        self.append_action(allowed if taken else denied, durable=durable)
        return taken

    def scope_used(self, scope: str) -> tuple[int, int]:
        entry = self._scopes.get(scope)
        if entry is None:
            raise StoreError(f"unknown budget scope `{scope}`")
        return entry[0], entry[1]

    def unit(self) -> AbstractContextManager[object]:
        return nullcontext()  # every write is already in place

    def close(self) -> None:
        """Nothing to release."""
