"""PostgreSQL trace store (psycopg 3): for many agents in many processes sharing
approvals and budget scopes. Autocommit, so each statement is its own durable
transaction; budget reservations are one `UPDATE ... WHERE used < lim`, which
PostgreSQL serialises on the row lock (zero overspend under concurrency).
Writes marked `durable=False` (read-call decisions; reservations and approval
steps that the check's durable action row follows) go through a second
connection with `synchronous_commit = off`: atomic and visible at once, and
they cost no fsync wait. The WAL is one stream, so the durable commit that
follows flushes them too; a read decision alone reaches the disk within the WAL
writer's delay (200 ms by default).

The hot path is short on round trips and client CPU: the writes are prepared
once per connection and run through libpq directly (text parameters, no cursor),
and a scoped check takes its budget unit and stores its action row in one
statement (`RESERVE_APPEND`). The audit queries go through psycopg cursors for
their typed rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pathguard.store.base import ActionRow, StoreError
from pathguard.store.sql import DUMP, Q, SQLStore, reasons_json, schema

LOCK = 7_310_441  # advisory lock id: one process creates the schema at a time

# One statement, one round trip: the CTE takes the unit (row lock, `used < lim`), the INSERT
# stores the allowed or the denied version of the row; no row at all when the scope is unknown.
RESERVE_APPEND = (
    "WITH r AS (UPDATE budgets SET used = used + 1 WHERE scope = ? AND used < lim RETURNING 1) "
    "INSERT INTO actions (session_id, seq, ts, endpoint, params, effect, reasons, deviation, approval_id) "
    "SELECT ?::text, ?::integer, ?::double precision, ?::text, ?::text, "
    "CASE WHEN EXISTS (SELECT 1 FROM r) THEN ?::text ELSE ?::text END, "
    "CASE WHEN EXISTS (SELECT 1 FROM r) THEN ?::text ELSE ?::text END, "
    "CASE WHEN EXISTS (SELECT 1 FROM r) THEN ?::double precision ELSE ?::double precision END, "
    "?::integer WHERE EXISTS (SELECT 1 FROM budgets WHERE scope = ?) RETURNING effect = ?")
# Run through libpq's prepared statements (the approval decoder converts their texts); the rest
# (audit SELECTs with typed rows) through cursors.
DIRECT = frozenset({"open_session", "close_session", "append_action", "update_action", "add_alert",
                    "open_approval", "transition", "reserve", "reserve_append", "approval",
                    "latest_approval"})


def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...` (no statement has a literal `?`)."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))


PG = {key: numbered(sql) for key, sql in {**Q, "reserve_append": RESERVE_APPEND}.items()}
CURSOR = {key: sql.replace("?", "%s") for key, sql in Q.items()}


def text(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text format (`repr` of a float round-trips exactly)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode()
    return repr(value).encode() if isinstance(value, float) else str(value).encode()


class PostgresStore(SQLStore):
    def __init__(self, url: str) -> None:
        super().__init__(PG)
        self.url = url
        try:
            import psycopg
            from psycopg.pq import ExecStatus
        except ImportError as exc:
            raise StoreError("the PostgreSQL store needs psycopg: pip install 'pathguard[postgres]'") from exc
        self._ok = (ExecStatus.COMMAND_OK, ExecStatus.TUPLES_OK)
        try:
            self._db = psycopg.connect(url, autocommit=True, prepare_threshold=0)
            self._lazy = psycopg.connect(url, autocommit=True, prepare_threshold=0)
            self._lazy.execute("SET synchronous_commit = off")
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
                for statement in schema("DOUBLE PRECISION", "BIGSERIAL"):
                    self._db.execute(statement)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the trace store `{url}`: {exc}") from exc
        self._prepared: dict[bool, set[str]] = {True: set(), False: set()}

    def _run(self, key: str, args: Sequence[Any], fetch: str = "", durable: bool = True) -> Any:
        if key in DIRECT:
            return self._direct(key, args, fetch, durable)
        cursor = (self._db if durable else self._lazy).execute(CURSOR[key], args)
        if fetch == "one":
            return cursor.fetchone()
        if fetch == "all":
            return cursor.fetchall()
        return cursor.rowcount

    def _direct(self, key: str, args: Sequence[Any], fetch: str, durable: bool) -> Any:
        """One prepared statement through libpq: the first row as texts, or the rows changed."""
        pgconn = (self._db if durable else self._lazy).pgconn
        name = key.encode()
        if key not in self._prepared[durable]:
            self._check(pgconn.prepare(name, PG[key].encode()))
            self._prepared[durable].add(key)
        result = self._check(pgconn.exec_prepared(name, [text(a) for a in args]))  # type: ignore[misc]  # None is NULL
        if fetch == "one":
            if not result.ntuples:
                return None
            return tuple(None if v is None else v.decode() for v in
                         (result.get_value(0, i) for i in range(result.nfields)))
        return result.command_tuples

    def _check(self, result: Any) -> Any:
        if result.status not in self._ok:
            message = result.error_message.decode(errors="replace").strip()
            raise StoreError(f"trace store `{self.url}` failed: {message}")
        return result

    def reserve_append(self, scope: str, allowed: ActionRow, denied: ActionRow, *, durable: bool) -> bool:
        """A read: one statement on the lazy connection. A durable row: the unit first on the lazy
        connection, then the row durably. One durable statement would hold the budget row's lock
        through the commit's fsync wait and queue every agent of the scope behind it."""
        if durable:
            taken = self.reserve(scope, durable=False)
            self.append_action(allowed if taken else denied, durable=True)
            return taken
        a = allowed
        got = self._call("reserve_append", (
            scope, a.session_id, a.seq, a.ts, a.endpoint, DUMP(a.params), a.effect, denied.effect,
            reasons_json(a.reasons), reasons_json(denied.reasons), a.deviation, denied.deviation,
            a.approval_id, scope, a.effect), "one", durable)
        if got is None:
            raise StoreError(f"unknown budget scope `{scope}`")
        return got[0] == "t"

    def unit(self) -> AbstractContextManager[object]:
        """No grouping: the steps before the action row already commit without an fsync wait."""
        return nullcontext()

    def close(self) -> None:
        self._lazy.close()
        self._db.close()
