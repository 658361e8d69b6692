"""SQLite trace store, the embedded default: WAL and a busy timeout so several processes
can share one file; one connection per store, serialised by the store's lock, so
threads may share a store.

Every statement commits before it returns, except an out-of-band check's
approval steps and its action row (`unit()`) and a scoped check's reservation
and row (`reserve_append`), which each commit once at their end (BEGIN
IMMEDIATE: the reservation reads then writes, and no other process may slip in
between); either way a decision is in the database (visible to every other
process, surviving a crash of the agent) before `check` returns. `synchronous`
is NORMAL by default: WAL commits reach the disk at the next checkpoint, so an OS
crash or power cut can lose the last commits. Add `?synchronous=full` to the URL
to fsync every commit.

The WAL stays bounded: a checkpointer thread copies it into the database every
CHECKPOINT_SECONDS (PASSIVE: never blocks a writer). Under a steady stream of
commits that never empties it (a reset needs a moment when every frame is
copied), so once a commit finds it past WAL_SOFT the checkpointer follows with
RESTART, which makes writers wait the few milliseconds it takes to finish; a
commit that finds it past WAL_HARD (the checkpointers fell behind) checkpoints
it itself in TRUNCATE mode before returning. `journal_size_limit` shrinks the
file after each reset. Measured (bench_runtime.py): the WAL peaks near 17 MB
under two writers committing flat out (40,000 commits), against 908 MB before.
A long read transaction of another process can still hold a checkpoint back;
nothing this store does can move it.

The file is watched (`sqlite_file.py`): deleted, replaced, overwritten or corrupt
(quick_check at open, and again in the checkpointer every QUICK_CHECK_SECONDS or
50 times as long as the last one took, while the file is at most
QUICK_CHECK_BYTES; the header after every statement and in the checkpointer;
SQLite's own corruption errors) makes the store unusable, with
every later call raising StoreBroken. A store that creates a new database logs a warning and
records a `store` alert, so a trace store deleted between runs does not restart
unnoticed; one whose database is missing while its `-wal`/`-shm` remain refuses
to open (the database was deleted in use).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pathguard.store.base import ActionRow, StoreInfo
from pathguard.store.codec import action_args
from pathguard.store.errors import StoreBroken, StoreError
from pathguard.store.schema import created_text, prepare
from pathguard.store.sql import Q, SQLStore, action_conflict, dialect, same_action
from pathguard.store.sqlite_file import FileWatch, classify, leftovers

SYNC = ("NORMAL", "FULL")
CHECKPOINT_SECONDS = 1.0
CHECKPOINT_GAP = 0.05  # at least this long between two checkpoints of one checkpointer
WAL_SOFT = 4 << 20    # wake the checkpointer
WAL_HARD = 64 << 20   # checkpoint (TRUNCATE) before the commit returns
BUSY_SECONDS = 5.0    # wait for another process's lock at most this long, then StoreUnavailable
QUICK_CHECK_SECONDS = 5.0  # the checkpointer re-reads every page at most this often, and at most
QUICK_CHECK_SHARE = 0.02   # this share of its time (a slow check waits 50 times its duration) ...
QUICK_CHECK_BYTES = 1 << 30  # ... while the database is at most this large
LOG = logging.getLogger("pathguard.store")


def truncate(db: sqlite3.Connection) -> bool:
    """Checkpoint the whole WAL and empty it, waiting for other writers and readers (a
    checkpoint already running elsewhere makes SQLite answer busy at once: ask again); False
    if it could not within BUSY_SECONDS."""
    deadline = time.monotonic() + BUSY_SECONDS
    while db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


class _Lite:
    """The schema module's view of a SQLite connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, args).fetchall()

    def tables(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def columns(self, table: str) -> set[str]:
        return {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}


class SQLiteStore(SQLStore):
    def __init__(self, path: str | Path, url: str, *, wal_soft: int = WAL_SOFT, wal_hard: int = WAL_HARD,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS,
                 quick_check_seconds: float = QUICK_CHECK_SECONDS) -> None:
        super().__init__(dialect(Q, "REAL"))
        self.url = url
        self.path = Path(path)
        self._wal_soft, self._wal_hard, self._period = wal_soft, wal_hard, checkpoint_seconds
        self._quick_every = quick_check_seconds
        query = url.partition("?")[2]
        options = dict(item.partition("=")[::2] for item in query.split("&") if item)
        sync = options.pop("synchronous", "normal").upper()
        if options or sync not in SYNC:
            raise StoreError(f"`{url}`: the only option is synchronous=normal|full")
        left = leftovers(self.path)
        if left:
            names = " and ".join(f"`{p}`" for p in left)
            raise StoreBroken(f"cannot open the trace store `{url}`: `{self.path}` is missing but {names} "
                              "remain: the database was deleted while a process had it open, and its trace "
                              "and budgets are gone. Restore the database file, or remove those files to "
                              "start a new, empty store.")
        self._broken: StoreBroken | None = None
        self._closed = False
        existed = self.path.is_file() and self.path.stat().st_size > 0
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                       timeout=BUSY_SECONDS)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the trace store `{url}`: {exc}") from exc
        try:
            self._info = self._setup(sync, existed)
            self._watch = FileWatch(self.path, url)
        except BaseException as exc:
            self._db.close()
            if isinstance(exc, sqlite3.Error):
                raise type(classify(exc, url, self.path))(
                    f"cannot open the trace store: {classify(exc, url, self.path)}") from exc
            if isinstance(exc, OSError):
                raise StoreError(f"cannot open the trace store `{url}`: {exc}") from exc
            raise
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoints, args=(sync,),
                                              name="pathguard-sqlite-checkpoint", daemon=True)
        self._checkpointer.start()

    def _setup(self, sync: str, existed: bool) -> StoreInfo:
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={sync}")
        db.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the hot path
        db.execute(f"PRAGMA journal_size_limit={self._wal_soft}")
        if existed:
            found = db.execute("PRAGMA quick_check").fetchall()
            if found != [("ok",)]:
                what = "; ".join(str(r[0]) for r in found[:3])
                raise StoreBroken(f"cannot open the trace store `{self.url}`: `{self.path}` is corrupt "
                                  f"(quick_check: {what}). Restore it from a backup or salvage it with "
                                  f"`sqlite3 {self.path} .recover`.")
        db.execute("BEGIN IMMEDIATE")
        try:
            info = prepare(_Lite(db), "REAL", "INTEGER", time.time(), f"`{self.url}`")
            if info.created_now:
                text = created_text(f"at `{self.path}`", info.store_id)
                db.execute("INSERT INTO alerts (session_id, ts, kind, text) VALUES ('', ?, 'store', ?)",
                           (info.created, text))
                LOG.warning("pathguard: %s", text)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return info

    def info(self) -> StoreInfo:
        return self._info

    # -- running statements --------------------------------------------------------------
    def _usable(self) -> None:
        if self._broken is not None:
            raise self._broken
        if self._closed:
            raise StoreError(f"the trace store `{self.url}` was closed: open it again")

    def _fail(self, exc: sqlite3.Error) -> StoreError:
        error = classify(exc, self.url, self.path)
        if isinstance(error, StoreBroken):
            self._broken = error
        return error

    def _verified(self) -> None:
        """After a statement or commit: the file is still ours and sound; keep the WAL bounded."""
        try:
            size = self._watch.check()
        except StoreBroken as exc:
            self._broken = exc
            raise
        if size > self._wal_hard:  # the checkpointers fell behind: this commit waits for a checkpoint
            try:
                truncate(self._db)
            except sqlite3.Error as exc:
                error = self._fail(exc)
                if isinstance(error, StoreBroken):
                    raise error from exc
        elif size > self._wal_soft:
            self._wake.set()

    def _call(self, key: str, args: Sequence[Any], fetch: str = "", durable: bool = True) -> Any:
        with self._lock:
            self._usable()
            try:
                cursor = self._db.execute(self._q[key], args)
                result = (cursor.fetchone() if fetch == "one" else cursor.fetchall() if fetch == "all"
                          else cursor.rowcount)
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc
            if not self._db.in_transaction:
                self._verified()
            return result

    def reserve_append(self, scope: str, allowed: ActionRow, denied: ActionRow, *, durable: bool) -> bool:
        """One transaction (one WAL commit): take a unit of `scope`, then store `allowed`, or
        `denied` when the scope is used up; a row already stored is a retry, answered from it."""
        yes, no = action_args(allowed), action_args(denied)
        with self._lock:
            self._usable()
            db = self._db
            if db.in_transaction:  # inside a unit, which commits or rolls back the lot
                return self._reserve_append(scope, yes, no)
            with self._transaction():
                taken = self._reserve_append(scope, yes, no)
            self._verified()
            return taken

    def _reserve_append(self, scope: str, yes: tuple[Any, ...], no: tuple[Any, ...]) -> bool:
        db = self._db
        try:
            stored = db.execute(self._q["action"], (yes[0], yes[1])).fetchone()
            if stored is None:
                taken = bool(db.execute(self._q["reserve"], (scope,)).rowcount == 1)
                if not taken and db.execute(self._q["scope_used"], (scope,)).fetchone() is None:
                    raise self._unknown_scope(scope)
                db.execute(self._q["append_action"], yes if taken else no)
                return taken
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        if same_action(stored, yes) or same_action(stored, no):
            return same_action(stored, yes)
        raise action_conflict(yes, self.url)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT; ROLLBACK if the block raises (driver errors classified)."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        try:
            yield
        except BaseException:
            if db.in_transaction:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error as exc:
                    self._fail(exc)
            raise
        try:
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            error = self._fail(exc)
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise error from exc

    @contextmanager
    def unit(self) -> Iterator[None]:
        """One transaction (BEGIN IMMEDIATE ... COMMIT) around the block, under the store's lock."""
        with self._lock:
            self._usable()
            with self._transaction():
                yield
            self._verified()

    # -- the checkpointer ----------------------------------------------------------------
    def _checkpoints(self, sync: str) -> None:
        """Checkpoint on a connection of its own every CHECKPOINT_SECONDS, or when a commit finds
        the WAL past WAL_SOFT; re-read the whole file now and then (`_quick_check`)."""
        try:
            db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                 timeout=BUSY_SECONDS)
            db.execute(f"PRAGMA synchronous={sync}")
            db.execute(f"PRAGMA journal_size_limit={self._wal_soft}")
        except sqlite3.Error as exc:
            self._fail(exc)
            return
        due = time.monotonic() + self._quick_every
        try:
            while not self._stop.is_set() and self._broken is None:
                self._wake.wait(self._period)
                self._wake.clear()
                self._checkpoint(db)
                self._stop.wait(CHECKPOINT_GAP)  # leave the checkpoint lock to others in between
                if time.monotonic() >= due and self._broken is None:
                    started = time.monotonic()
                    self._quick_check(db)
                    took = time.monotonic() - started
                    due = started + max(self._quick_every, took / QUICK_CHECK_SHARE)
        finally:
            db.close()

    def _quick_check(self, db: sqlite3.Connection) -> None:
        """Pages the store's own connection serves from its cache can rot on disk unseen: read them
        all again (this connection's cache is reset by every commit of the store's connection)."""
        try:
            if self.path.stat().st_size > QUICK_CHECK_BYTES:
                return
            found = db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.Error as exc:
            self._fail(exc)
            return
        except OSError:
            return  # the file watch reports a missing file
        if found != [("ok",)]:
            what = "; ".join(str(r[0]) for r in found[:3])
            self._broken = self._watch.broken(f"is corrupt (quick_check: {what})")

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        """PASSIVE; past WAL_SOFT also RESTART, so the next writer starts the WAL afresh."""
        try:
            size = self._watch.check()
            if size > self._wal_soft:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                db.execute("PRAGMA wal_checkpoint(RESTART)")
            elif size:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except StoreBroken as exc:
            self._broken = exc
        except sqlite3.Error as exc:
            self._fail(exc)  # broken marks the store; busy and the like wait for the next round

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stop.set()
            self._wake.set()
            self._checkpointer.join()
            self._db.close()
            self._watch.close()
