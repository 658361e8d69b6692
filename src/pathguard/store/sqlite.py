"""SQLite trace store, the embedded default: WAL and a busy timeout so several processes
can share one file.

Every statement commits before it returns, except an out-of-band check's
approval steps and its action row (`unit()`) and a scoped check's reservation
and row (`reserve_append`), which each commit once at their end; either way a decision is
in the database (visible to every other process, surviving a crash of the
agent) before `check` returns. `synchronous` is NORMAL by default: WAL commits
reach the disk at the next checkpoint, so an OS crash or power cut can lose the
last commits. Add `?synchronous=full` to the URL to fsync every commit (about
0.4-4 ms per non-read check on this shared virtual disk, instead of about 70 us).

Measured (bench_runtime.py): the wall-clock tail of a check under machine load is
the scheduler, not the store: the slowest 1% are checks during which the process
was preempted (involuntary context switches in all of them), while their CPU
time stays near 200 us; moving the checkpoints off (or back onto) the hot path
does not change it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pathguard.store.base import ActionRow, StoreError
from pathguard.store.sql import Q, SQLStore, action_args, schema

SYNC = ("NORMAL", "FULL")
CHECKPOINT_SECONDS = 1.0


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
            self._db.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the hot path
            self._db.execute("BEGIN IMMEDIATE")
            for statement in schema("REAL", "INTEGER"):
                self._db.execute(statement)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the trace store `{url}`: {exc}") from exc
        self._stop = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint, args=(str(path), sync),
                                              name="pathguard-sqlite-checkpoint", daemon=True)
        self._checkpointer.start()

    def _checkpoint(self, path: str, sync: str) -> None:
        """Copy the WAL into the database every CHECKPOINT_SECONDS on a connection of its own:
        a PASSIVE checkpoint never blocks a writer, so `check` never waits for its fsync."""
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        db.execute(f"PRAGMA synchronous={sync}")
        try:
            while not self._stop.wait(CHECKPOINT_SECONDS):
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            return  # the next store to open the file checkpoints it; the WAL keeps every commit
        finally:
            db.close()

    def _run(self, key: str, args: Sequence[Any], fetch: str = "", durable: bool = True) -> Any:
        cursor = self._db.execute(self._q[key], args)
        if fetch == "one":
            return cursor.fetchone()
        if fetch == "all":
            return cursor.fetchall()
        return cursor.rowcount

    def reserve_append(self, scope: str, allowed: ActionRow, denied: ActionRow, *, durable: bool) -> bool:
        """One transaction (one WAL commit): take a unit of `scope`, then store `allowed`, or
        `denied` when the scope is used up."""
        db = self._db
        with self._lock:
            try:
                if db.in_transaction:  # inside a unit, which commits or rolls back the lot
                    return self._reserve_append(scope, allowed, denied)
                db.execute("BEGIN IMMEDIATE")
                try:
                    taken = self._reserve_append(scope, allowed, denied)
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
                return taken
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(f"trace store `{self.url}` failed: {type(exc).__name__}: {exc}") from exc

    def _reserve_append(self, scope: str, allowed: ActionRow, denied: ActionRow) -> bool:
        taken = bool(self._db.execute(Q["reserve"], (scope,)).rowcount == 1)
        if not taken and self._db.execute(Q["scope_used"], (scope,)).fetchone() is None:
            raise StoreError(f"unknown budget scope `{scope}`")
        self._db.execute(Q["append_action"], action_args(allowed if taken else denied))
        return taken

    @contextmanager
    def unit(self) -> Iterator[None]:
        """One transaction (BEGIN IMMEDIATE ... COMMIT) around the block, under the store's lock."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(f"trace store `{self.url}` failed: {type(exc).__name__}: {exc}") from exc
            try:
                yield
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise StoreError(f"trace store `{self.url}` failed: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        self._stop.set()
        self._checkpointer.join()
        self._db.close()
