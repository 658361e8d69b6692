"""SQLite trace store, the embedded default: WAL, synchronous=FULL (a decision is on
disk before `check` returns), a busy timeout so several processes can share one file."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pathguard.store.base import StoreError
from pathguard.store.sql import Q, SQLStore, schema


class SQLiteStore(SQLStore):
    def __init__(self, path: str | Path, url: str) -> None:
        super().__init__(Q)
        self.url = url
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                                       timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("BEGIN IMMEDIATE")
            for statement in schema("REAL", "INTEGER"):
                self._db.execute(statement)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the trace store `{url}`: {exc}") from exc

    def _run(self, sql: str, args: Sequence[Any], fetch: str = "") -> Any:
        cursor = self._db.execute(sql, args)
        if fetch == "one":
            return cursor.fetchone()
        if fetch == "all":
            return cursor.fetchall()
        return cursor.rowcount

    def close(self) -> None:
        self._db.close()
