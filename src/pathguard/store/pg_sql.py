"""The PostgreSQL store's statements, URL options and error meanings (`postgres.py` runs them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pathguard.store.errors import StoreBroken, StoreConflict, StoreError, StoreUnavailable, redact
from pathguard.store.sql import ACTION, Q, dialect

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


class SchemaView:
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


def failure(state: str, message: str, url: str) -> StoreError:
    """A statement's error (its connection still up) as the StoreError that says what to do."""
    if state == "23505":
        return StoreConflict(f"the trace store `{url}` refused a duplicate row ({message}); two writers "
                             "share a session (nothing was written)")
    if state in ("42P01", "42703", "3D000"):
        return StoreBroken(f"the trace store `{url}` is unusable: its tables are gone or changed "
                           f"({message}); the database was emptied or replaced while in use. Every call now "
                           "fails closed; restore the database and restart the agents.")
    if state in TRANSIENT:
        return StoreUnavailable(f"the trace store `{url}` is unavailable: {TRANSIENT[state]} ({message}); "
                                "nothing was written, the call was denied: retry later")
    return StoreError(f"the trace store `{url}` failed: {message} (SQLSTATE {state}); the call was denied "
                      "(check the server's log and the role's privileges)")
