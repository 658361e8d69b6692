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
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pathguard.store.base import ActionRow, StoreInfo
from pathguard.store.codec import action_args, variant_args
from pathguard.store.errors import (
    StoreBroken,
    StoreConflict,
    StoreError,
    StoreUnavailable,
    redact,
)
from pathguard.store.pg_link import Conn, Link, Lost
from pathguard.store.schema import created_text, prepare
from pathguard.store.sql import ACTION, IDEMPOTENT, READS, Q, SQLStore, action_conflict, dialect, same_action

LOCK = 7_310_441  # advisory lock id: one process creates or migrates the schema at a time
LOG = logging.getLogger("pathguard.store")
T = TypeVar("T")

RESERVE_APPEND = (
    f"WITH prior AS (SELECT {ACTION} FROM actions WHERE session_id = $2::text AND seq = $3::integer), "
    "known AS (SELECT 1 FROM budgets WHERE scope = $1::text), "
    "r AS (UPDATE budgets SET used = used + 1 WHERE scope = $1::text AND used < lim "
    "AND NOT EXISTS (SELECT 1 FROM prior) RETURNING 1), "
    f"ins AS (INSERT INTO actions ({ACTION}) SELECT $2::text, $3::integer, $4::double precision, $5::text, "
    "$6::text, CASE WHEN EXISTS (SELECT 1 FROM r) THEN $7::text ELSE $8::text END, "
    "CASE WHEN EXISTS (SELECT 1 FROM r) THEN $9::text ELSE $10::text END, "
    "CASE WHEN EXISTS (SELECT 1 FROM r) THEN $11::double precision ELSE $12::double precision END, "
    "$13::text, $14::double precision, $15::integer, $16::integer "
    "WHERE NOT EXISTS (SELECT 1 FROM prior) AND EXISTS (SELECT 1 FROM known) RETURNING 1) "
    "SELECT (SELECT count(*) FROM r), EXISTS (SELECT 1 FROM known), prior.* "
    "FROM (SELECT 1) AS one LEFT JOIN prior ON true")
# The smallest transaction that writes WAL (a transactional logical-decoding message, executable
# by every role, ignored unless someone decodes it): its synchronous commit flushes the WAL.
FLUSH = "SELECT pg_logical_emit_message(true, 'pathguard', '')"
SHUTDOWN = frozenset({"57P01", "57P02", "57P03"})  # admin shutdown, crash shutdown, cannot connect now
TRANSIENT = {"40001": "a serialization failure", "40P01": "a deadlock", "55P03": "a lock timeout",
             "57014": "a statement timeout or cancel", "53300": "too many connections",
             "53100": "a full disk", "53200": "the server being out of memory"}
OPTIONS = {"reconnect_wait": 0.1, "reconnect_max": 1.0}
DEFAULTS = {"connect_timeout": "5", "keepalives": "1", "keepalives_idle": "5", "keepalives_interval": "2",
            "keepalives_count": "3", "tcp_user_timeout": "10000"}


def numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...` (no statement has a literal `?`)."""
    parts = sql.split("?")
    return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))


PG = {**{key: numbered(sql) for key, sql in dialect(Q, "DOUBLE PRECISION").items()},
      "reserve_append": RESERVE_APPEND, "flush": FLUSH}


def row_texts(result: Any, i: int) -> tuple[str | None, ...]:
    """Row `i` of a libpq result, as texts (None for NULL)."""
    return tuple(None if v is None else v.decode() for v in map(result.get_value, [i] * result.nfields,
                                                                 range(result.nfields)))


def split_url(url: str) -> tuple[str, dict[str, float]]:
    """The URL without pathguard's own options, and those options."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    options = dict(OPTIONS)
    kept = []
    for name, value in query:
        if name in OPTIONS:
            try:
                options[name] = float(value)
            except ValueError:
                raise StoreError(f"`{redact(url)}`: {name} must be a number of seconds, "
                                 f"not `{value}`") from None
            if options[name] < 0:
                raise StoreError(f"`{redact(url)}`: {name} must not be negative")
        else:
            kept.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(kept))), options


class _Pg:
    """The schema module's view of a psycopg connection inside a transaction."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.conn.execute(sql.replace("?", "%s"), tuple(args) or None)
        return cursor.fetchall() if cursor.description else []

    def tables(self) -> set[str]:
        return {r[0] for r in self.rows("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = current_schema()")}

    def columns(self, table: str) -> set[str]:
        return {r[0] for r in self.rows("SELECT column_name FROM information_schema.columns "
                                        "WHERE table_schema = current_schema() AND table_name = ?", (table,))}


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
        except StoreError:
            raise
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
            db = _Pg(conn)
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
        if state == "23505":
            raise StoreConflict(f"the trace store `{self.url}` refused a duplicate row ({message}); two "
                                "writers share a session (nothing was written)")
        if state in ("42P01", "42703", "3D000"):
            raise StoreBroken(f"the trace store `{self.url}` is unusable: its tables are gone or changed "
                              f"({message}); the database was emptied or replaced while in use. Every call "
                              "now fails closed; restore the database and restart the agents.")
        if state in TRANSIENT:
            raise StoreUnavailable(f"the trace store `{self.url}` is unavailable: {TRANSIENT[state]} "
                                   f"({message}); nothing was written, the call was denied: retry later")
        raise StoreError(f"the trace store `{self.url}` failed: {message} (SQLSTATE {state})")

    def _usable(self) -> None:
        if self._link.broken is not None:
            raise self._link.broken
        if self._closed:
            raise StoreError(f"the trace store `{self.url}` was closed: open it again")

    def _attempt(self, work: Callable[[], T], *, retry: bool, write: bool) -> T:
        """Run `work`; if its connection is lost, mark it, and when `retry` allows, wait for the
        reconnection and run it once more. StoreUnavailable says whether a write may have committed."""
        with self._lock:
            self._usable()
            try:
                return work()
            except Lost as lost:
                self._link.lost(lost.conn, str(lost))
                if not retry:
                    raise self._link.down(in_doubt=write) from None
            try:
                return work()
            except Lost as lost:
                self._link.lost(lost.conn, str(lost))
                raise self._link.down(in_doubt=write) from None
            except StoreUnavailable as exc:  # still reconnecting: the first attempt's outcome is unknown
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
