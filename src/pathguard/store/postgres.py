"""PostgreSQL trace store (psycopg 3): for many agents in many processes sharing
approvals and budget scopes. Autocommit, so each statement is its own durable
transaction; budget reservations are one `UPDATE ... WHERE used < lim`, which
PostgreSQL serialises on the row lock (zero overspend under concurrency)."""

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
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
                for statement in schema("DOUBLE PRECISION", "BIGSERIAL"):
                    self._db.execute(statement)  # type: ignore[arg-type]
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the trace store `{url}`: {exc}") from exc

    def _run(self, sql: str, args: Sequence[Any], fetch: str = "") -> Any:
        cursor = self._db.execute(sql, args)  # type: ignore[arg-type]
        if fetch == "one":
            return cursor.fetchone()
        if fetch == "all":
            return cursor.fetchall()
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()
