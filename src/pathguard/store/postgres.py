"""PostgreSQL trace store (psycopg 3): for many agents in many processes sharing
approvals and budget scopes.

Every statement is its own transaction (autocommit), prepared once per
connection and run through libpq directly (text parameters and results, no
cursor): short on round trips and client CPU. Writes marked `durable=False`
(read decisions, approval steps the check's durable row follows) go through a
second connection with `synchronous_commit = off`: atomic and visible at once,
without an fsync wait; the WAL is one stream, so the next durable commit
flushes them too.

A scoped check takes its budget unit and stores its row in ONE statement
(`RESERVE_APPEND`): a killed agent can never leave a unit without its row. That
statement commits asynchronously, so the budget row's lock is released as soon
as the commit is in the WAL buffers instead of after the fsync (holding it
through the fsync would queue every agent of the scope behind each flush, about
one commit latency per check for the whole scope); a durable check then waits
for the flush with a tiny WAL-writing transaction on the durable connection
(FLUSH: PostgreSQL flushes the WAL at commit only for a transaction that wrote
WAL), which covers the earlier commit. If the server crashes in between, the unit and the row are
lost together and the check, whose FLUSH failed, was denied.

Failures: a lost connection is re-established in the background (`pg_link.py`);
idempotent statements (every write but `reserve`) are sent once more after the
reconnection, so a reply lost after its commit neither duplicates a row nor
takes a second unit. URL options (removed before connecting): `reconnect_wait`
(seconds a call waits for a reconnection, default 0.1) and `reconnect_max`
(longest pause between attempts, default 1.0). Unless the URL sets them,
connections use `connect_timeout=5` and TCP keepalives that notice a silent peer
within about ten seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from pathguard.store.base import ActionRow, StoreInfo
from pathguard.store.errors import (
    StoreBroken,
    StoreError,
    StoreUnavailable,
    redact,
)
from pathguard.store.pg_link import Conn, Link, Lost
from pathguard.store.pg_sql import DEFAULTS, PG, SHUTDOWN, SchemaView, failure, row_texts, split_url
from pathguard.store.rows import action_args, variant_args
from pathguard.store.schema import created_text, prepare
from pathguard.store.sql import IDEMPOTENT, READS, SQLStore, action_conflict, same_action

LOCK = 7_310_441  # advisory lock id: one process creates or migrates the schema at a time
LOG = logging.getLogger("pathguard.store")
T = TypeVar("T")


class PostgresStore(SQLStore):
    def __init__(self, url: str) -> None:
        super().__init__(PG)
        self.url = redact(url)
        try:
            import psycopg
            from psycopg.conninfo import conninfo_to_dict
            from psycopg.pq import ConnStatus, DiagnosticField, ExecStatus
        except ImportError as exc:
            raise StoreError("the PostgreSQL store needs psycopg: pip install 'pathguard[postgres]'") from exc
        self._psycopg = psycopg
        self._ok = (ExecStatus.COMMAND_OK, ExecStatus.TUPLES_OK)
        self._conn_ok = ConnStatus.OK
        self._sqlstate = DiagnosticField.SQLSTATE
        plain, options = split_url(url)
        try:
            params = conninfo_to_dict(plain)
        except psycopg.Error as exc:
            raise StoreError(f"`{self.url}` is not a PostgreSQL URL: {exc}") from exc
        self._params = {**DEFAULTS, **params}
        self._closed = False
        self._info: StoreInfo | None = None
        self._link = Link(self._pair, self.url, options["reconnect_wait"], options["reconnect_max"])
        try:
            self._link.start()
        except psycopg.Error as exc:
            raise StoreUnavailable(f"cannot open the trace store `{self.url}`: {str(exc).strip()} "
                                   "(is the server running and the URL right?)") from exc

    # -- connections ---------------------------------------------------------------------
    def _pair(self) -> tuple[Conn, Conn]:
        """Two new connections to the same database this store opened first (or StoreBroken)."""
        psycopg = self._psycopg
        durable = psycopg.connect(**self._params, autocommit=True, prepare_threshold=None)
        try:
            lazy = psycopg.connect(**self._params, autocommit=True, prepare_threshold=None)
        except BaseException:
            durable.close()
            raise
        try:
            lazy.execute("SET synchronous_commit = off")
            if self._info is None:
                self._info = self._prepare(durable)
            else:
                self._same_database(durable)
        except BaseException:
            durable.close()
            lazy.close()
            raise
        return Conn(durable), Conn(lazy)

    def _prepare(self, conn: Any) -> StoreInfo:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
            db = SchemaView(conn)
            info = prepare(db, "DOUBLE PRECISION", "BIGSERIAL", time.time(), f"`{self.url}`")
            if info.created_now:
                text_ = created_text(f"in `{self.url}`", info.store_id)
                db.rows("INSERT INTO alerts (session_id, ts, kind, text) VALUES ('', ?, 'store', ?)",
                        (info.created, text_))
                LOG.warning("pathguard: %s", text_)
        return info

    def _same_database(self, conn: Any) -> None:
        assert self._info is not None
        try:
            rows = conn.execute("SELECT store_id FROM schema_version").fetchall()
        except self._psycopg.Error as exc:
            rows = []
            why = str(exc).strip()
        else:
            why = "its schema_version row changed"
        if [r[0] for r in rows] != [self._info.store_id]:
            raise StoreBroken(f"the trace store `{self.url}` is unusable: after reconnecting, the database "
                              f"is not the one this store opened ({why}): it was emptied, replaced or "
                              "restored from another store. Every call now fails closed; check the server "
                              "and restart the agents.")

    def info(self) -> StoreInfo:
        assert self._info is not None
        return self._info

    # -- running statements ----------------------------------------------------------------
    def _exec(self, key: str, args: Sequence[Any], fetch: str, durable: bool) -> Any:
        """One prepared statement through libpq: rows as texts, or the number of rows changed."""
        conn = self._link.conn(durable)
        name = key.encode()
        values = [None if a is None else a.encode() if type(a) is str
                  else repr(a).encode() if type(a) is float  # text format: a float's repr round-trips
                  else str(a).encode() for a in args]
        for attempt in (0, 1):
            if key not in conn.prepared:
                self._check(conn, self._pg(conn, conn.pg.prepare, name, self._q[key].encode()))
                conn.prepared.add(key)
            result = self._pg(conn, conn.pg.exec_prepared, name, values)
            if result.status in self._ok:
                break
            if attempt == 0 and self._state(result) == "26000":  # the server forgot it (DISCARD ALL)
                conn.prepared.discard(key)
                continue
            self._check(conn, result)
        if fetch == "count":
            return result.command_tuples
        if fetch == "result":
            return result
        if fetch == "one":
            return row_texts(result, 0) if result.ntuples else None
        return [row_texts(result, i) for i in range(result.ntuples)]

    def _pg(self, conn: Conn, call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except self._psycopg.Error as exc:  # libpq could not send or receive at all
            raise Lost(str(exc).strip(), conn) from exc

    def _state(self, result: Any) -> str:
        value = result.error_field(self._sqlstate)
        return "" if value is None else value.decode()

    def _check(self, conn: Conn, result: Any) -> None:
        if result.status in self._ok:
            return
        message = result.error_message.decode(errors="replace").strip()
        state = self._state(result)
        if conn.pg.status != self._conn_ok or state.startswith("08") or state in SHUTDOWN:
            raise Lost(message, conn)
        raise failure(state, message, self.url)

    def _usable(self) -> None:
        if self._link.broken is not None:
            raise self._link.broken
        if self._closed:
            raise StoreError(f"the trace store `{self.url}` was closed: open it again")

    def _attempt(self, work: Callable[[], T], *, retry: bool, write: bool) -> T:
        """`_attempts`, and a StoreBroken it meets stays: no later call may reach a database that
        was emptied or replaced (a new store's fresh tables included)."""
        try:
            return self._attempts(work, retry=retry, write=write)
        except StoreBroken as exc:
            self._link.broken = self._link.broken or exc
            raise self._link.broken from None

    def _attempts(self, work: Callable[[], T], *, retry: bool, write: bool) -> T:
        """Run `work`; if its connection is lost, mark it, and when `retry` allows, wait for the
        reconnection and run it once more. StoreUnavailable says whether a write may have committed."""
        self._usable()
        self._link.ready()  # waits for a reconnection outside the lock
        with self._lock:
            try:
                return work()
            except Lost as lost:
                self._link.lost(lost.conn, str(lost))
                if not retry:
                    raise self._link.down(in_doubt=write) from None
        self._link.ready(in_doubt=write)
        with self._lock:
            try:
                return work()
            except Lost as lost:
                self._link.lost(lost.conn, str(lost))
                raise self._link.down(in_doubt=write) from None
            except StoreUnavailable as exc:  # down again: the first attempt's outcome is still unknown
                raise StoreUnavailable(str(exc), in_doubt=write) from None

    def _call(self, key: str, args: Sequence[Any], fetch: str = "", durable: bool = True) -> Any:
        read = key in READS
        return self._attempt(lambda: self._exec(key, args, fetch, durable), retry=read or key in IDEMPOTENT,
                             write=not read)

    def reserve_append(self, scope: str, allowed: ActionRow, denied: ActionRow, *, durable: bool) -> bool:
        """One statement takes the unit and inserts the row (or answers from the row already stored,
        on a retry); a durable check then waits for the WAL flush (see the module docstring)."""
        yes = action_args(allowed)
        no = variant_args(denied, allowed, yes)
        args = (scope, *yes[:5], yes[5], no[5], yes[6], no[6], yes[7], no[7], *yes[8:])

        def work() -> Any:
            got = self._exec("reserve_append", args, "result", False)
            if durable:
                self._exec("flush", (), "count", True)
            return got

        got = self._attempt(work, retry=True, write=True)
        if got.get_value(0, 2) is not None:  # already there: a retry of a statement that had committed
            stored = row_texts(got, 0)[2:]
            if same_action(stored, yes) or same_action(stored, no):
                return same_action(stored, yes)
            raise action_conflict(yes, self.url)
        if got.get_value(0, 1) != b"t":
            raise self._unknown_scope(scope)
        return bool(got.get_value(0, 0) == b"1")

    def unit(self) -> AbstractContextManager[object]:
        """No grouping: the steps before the action row already commit without an fsync wait."""
        return nullcontext()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._link.close()
