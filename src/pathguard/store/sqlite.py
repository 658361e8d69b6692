"""SQLite trace store, the embedded default: WAL and a busy timeout so several processes
can share one file.

Every statement commits before it returns, so a decision is in the database
(visible to every other process, surviving a crash of the agent) before `check`
returns. `synchronous` is NORMAL by default: WAL commits reach the disk at the
next checkpoint, so an OS crash or power cut can lose the last commits. Add
`?synchronous=full` to the URL to fsync every commit (about 3 ms per non-read
check on a virtual disk, instead of about 30 us).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pathguard.store.base import StoreError
from pathguard.store.sql import Q, SQLStore, schema

SYNC = ("NORMAL", "FULL")


class SQLiteStore(SQLStore):
    def __init__(self, path: str | Path, url: str) -> None:
        super().__init__(Q)
        self.url = url
        query = url.partition("?")[2]
        options = dict(item.partition("=")[::2] for item in query.split("&") if item)
        sync = options.pop("synchronous", "normal").upper()
        if options or sync not in SYNC:
            raise StoreError(f"`{url}`: the only option is synchronous=normal|full")
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                                       timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={sync}")
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
