"""The trace store interface: what the runtime writes and the audit commands read.

Records follow the article's AgentTrace/ActionTrace: a session (agent, declared
intent, parent, root of its session tree, final state), its actions (timestamp,
parameters, decision, reasons, result, latency, token cost, intent deviation)
and its alerts. The store also keeps out-of-band approval requests and shared
budget scopes, the two pieces of state several processes must agree on. Every
back end (memory, SQLite, PostgreSQL) passes the one conformance suite in
tests/store/ and encodes rows with the one codec (`codec.py`), so all three
accept and refuse the same values. Timestamps are seconds since the epoch
(floats), as the injectable clock gives them.

Every method is safe to call from many threads at once, and every write is
idempotent: repeating it with the same row (a retry after a lost reply) changes
nothing, while a different row under the same key raises `StoreConflict`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from pathguard.store.errors import (
    InvalidRecord,
    StoreBroken,
    StoreConflict,
    StoreError,
    StoreUnavailable,
    redact,
)

FINAL_STATES = ("running", "completed", "blocked", "cancelled", "error")
APPROVAL_STATES = ("pending", "granted", "denied", "expired", "used")
EFFECTS = ("allow", "approval", "deny")

__all__ = ["APPROVAL_STATES", "EFFECTS", "FINAL_STATES", "ActionRow", "AlertRow", "ApprovalRow",
           "InvalidRecord", "SessionRow", "SessionTrace", "Store", "StoreBroken", "StoreConflict",
           "StoreError", "StoreInfo", "StoreUnavailable", "open_store", "redact"]


@dataclass(frozen=True, slots=True)
class SessionRow:
    """AgentTrace header: one guarded session. `root` is the id of the root session of its
    tree; None means the session is its own root (the stores read a root session back as None)."""

    session_id: str
    agent: str
    intent: str
    started: float
    parent: str | None = None
    final_state: str = "running"
    ended: float | None = None
    policy: str = ""
    root: str | None = None


class ActionRow(NamedTuple):
    """ActionTrace: one checked call (a NamedTuple: built on every check, so kept cheap).
    `seq` numbers the session's actions from 1; `reasons` are texts (the runtime may pass
    `Reason` tuples, whose `str` is their text: stores keep the texts).
    `deviation` is the session's intent deviation (0-100) after this decision, None
    when the intent layer is off."""

    session_id: str
    seq: int
    ts: float
    endpoint: str
    params: dict[str, Any]
    effect: str
    reasons: tuple[Any, ...]
    deviation: float | None
    result: str | None = None
    latency_ms: float | None = None
    token_cost: int | None = None
    approval_id: int | None = None


@dataclass(frozen=True, slots=True)
class AlertRow:
    session_id: str
    ts: float
    kind: str
    text: str


class ApprovalRow(NamedTuple):
    """An out-of-band request for one exact call (`call_hash`).

    `kind` is what a grant unlocks: `approval` (an `approval` decision),
    `unlock` (a layer-3 forbidden transition), or `spawn` (a sub-agent whose
    intent strays from its parent's). `barred` lists the identities that may not
    decide it. `root` is the root session of the requester's tree (every agent of
    that tree is barred: `Store.tree_agents`); `signature` is the approver's
    base64 Ed25519 signature over the decision and `decided_key` the fingerprint
    of the key that made it."""

    id: int
    call_hash: str
    session_id: str
    agent: str
    barred: tuple[str, ...]
    endpoint: str
    params: dict[str, Any]
    kind: str
    reasons: tuple[str, ...]
    status: str
    created: float
    expires: float
    decided_by: str | None = None
    decided_at: float | None = None
    root: str = ""
    signature: str | None = None
    decided_key: str | None = None


@dataclass(frozen=True, slots=True)
class SessionTrace:
    """A whole AgentTrace, as `trace show` prints it."""

    session: SessionRow
    actions: tuple[ActionRow, ...]
    alerts: tuple[AlertRow, ...]


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """Which database this is: `store_id` is drawn when the database is created, so a store
    that was deleted and created again has a new id. `created_now`: this open created it."""

    store_id: str
    created: float
    version: int
    created_now: bool = False


class Store(Protocol):
    """One interface, three back ends. Methods raise StoreError (see `errors.py` for what each
    subclass asks of the caller).

    `durable=False` lets a back end acknowledge a commit before it reaches the disk.
    The runtime passes it for writes that a durable write of the same check follows
    (the action row): on PostgreSQL that later commit flushes the WAL past them, so
    one fsync wait covers the whole check. Atomicity never depends on it."""

    url: str

    def info(self) -> StoreInfo: ...
    def open_session(self, row: SessionRow, *, durable: bool = True) -> None: ...
    def close_session(self, session_id: str, final_state: str, ended: float) -> None: ...
    def append_action(self, row: ActionRow, *, durable: bool) -> None:
        """Store a decision; with `durable` it is committed before this returns."""
    def update_action(self, session_id: str, seq: int, result: str | None,
                      latency_ms: float | None, token_cost: int | None) -> None: ...
    def add_alert(self, row: AlertRow) -> None: ...
    def sessions(self, limit: int = 100, agent: str | None = None) -> list[SessionRow]: ...
    def session(self, session_id: str) -> SessionTrace | None: ...
    def tree_agents(self, root: str) -> list[str]:
        """The agent names (sorted, distinct) of every session whose tree root is `root`."""

    def open_approval(self, row: ApprovalRow, *, durable: bool = True) -> int:
        """Store a new pending request (its `id` is ignored) and return its id. The same
        request again (same call hash and creation time, still pending) returns the same id."""
    def approval(self, approval_id: int) -> ApprovalRow | None: ...
    def latest_approval(self, call_hash: str) -> ApprovalRow | None: ...
    def approvals(self, status: str | None = None) -> list[ApprovalRow]: ...
    def transition(self, approval_id: int, old: str, new: str, by: str | None = None,
                   at: float | None = None, *, signature: str | None = None, key: str | None = None,
                   durable: bool = True) -> bool:
        """Atomically move a request from `old` to `new` (recording who, when, and the
        signature and key fingerprint when given); False if it was not in `old`."""

    def ensure_scope(self, scope: str, limit: int) -> None:
        """Create a shared budget scope (keeps the existing one, and its use, if any)."""
    def reserve(self, scope: str, *, durable: bool = True) -> bool:
        """Atomically take one unit of `scope`; False when the scope is used up. Not idempotent:
        after an in-doubt failure the unit may be taken (use `reserve_append`)."""
    def reserve_append(self, scope: str, allowed: ActionRow, denied: ActionRow, *, durable: bool) -> bool:
        """`reserve(scope)` and store `allowed` if it succeeded, else `denied`, atomically (one
        transaction); True when the unit was taken. The two rows differ only in effect, reasons
        and deviation. Idempotent on `(session_id, seq)`: when the row is already stored (a retry),
        no second unit is taken and the stored row's outcome is returned."""
    def scope_used(self, scope: str) -> tuple[int, int]:
        """(used, limit) of a scope."""

    def unit(self) -> AbstractContextManager[object]:
        """Writes inside may share one transaction, committed at the end of the block (SQLite: one
        WAL commit instead of one per statement). If the block raises, a back end that grouped
        them rolls them back; the others (memory, PostgreSQL's per-statement commits) keep them.
        The runtime groups only an out-of-band check's writes, whose loss with a failed check
        is harmless: the check is then denied and recorded on its own."""

    def close(self) -> None: ...


DEFAULT_URL = "sqlite:///pathguard.db"


def open_store(url: str, *, create: bool = True) -> Store:
    """`memory`, `sqlite:///path` (or a plain `.db` path) or `postgresql://...`.
    Without `create`, a SQLite file that does not exist is an error (for the audit commands)."""
    if url == "memory":
        from pathguard.store.memory import MemoryStore

        return MemoryStore()
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:///")  # SQLAlchemy's spelling: sqlite:////abs/path.db
        path = path.split("?", 1)[0]
        if not path or path == url:
            raise StoreError(f"`{url}`: no database path: write sqlite:///file.db")
        return _sqlite(path, url, create)
    if url.startswith(("postgresql://", "postgres://")):
        from pathguard.store.postgres import PostgresStore

        return PostgresStore(url)
    if url.endswith((".db", ".sqlite", ".sqlite3")):
        return _sqlite(url, f"sqlite:///{url}", create)
    raise StoreError(f"unknown store `{redact(url)}`: use `memory`, `sqlite:///path` or `postgresql://...`")


def _sqlite(path: str, url: str, create: bool) -> Store:
    from pathlib import Path

    from pathguard.store.sqlite import SQLiteStore

    if not create and not Path(path).is_file():
        raise StoreError(f"no trace store at `{path}`: give --store URL or set PATHGUARD_STORE")
    return SQLiteStore(path, url)
