"""PostgreSQL trace store (psycopg 3): for many agents in many processes sharing
approvals and budget scopes. Autocommit, so each statement is its own durable
transaction; budget reservations are one `UPDATE ... WHERE used < lim`, which
PostgreSQL serialises on the row lock (zero overspend under concurrency).
Writes marked `durable=False` (read-call decisions; reservations and approval
steps that the check's durable action row follows) go through a second
connection with `synchronous_commit = off`: atomic and visible at once, and
they cost no fsync wait. The WAL is one stream, so the durable commit that
follows flushes them too; a read decision alone reaches the disk within the WAL
writer's delay (200 ms by default)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pathguard.store.base import StoreError
from pathguard.store.sql import Q, SQLStore, schema

PG = {key: sql.replace("?", "%s") for key, sql in Q.items()}
LOCK = 7_310_441  # advisory lock id: one process creates the schema at a time


class PostgresStore(SQLStore):
    def __init__(self, url: str) -> None:
        super().__init__(PG)
        self.url = url
        try:
            import psycopg
        except ImportError as exc:
            raise StoreError("the PostgreSQL store needs psycopg: pip install 'pathguard[postgres]'") from exc
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

    def _run(self, sql: str, args: Sequence[Any], fetch: str = "", durable: bool = True) -> Any:
        cursor = (self._db if durable else self._lazy).execute(sql, args)
        if fetch == "one":
            return cursor.fetchone()
        if fetch == "all":
            return cursor.fetchall()
        return cursor.rowcount

    def close(self) -> None:
        self._lazy.close()
        self._db.close()
