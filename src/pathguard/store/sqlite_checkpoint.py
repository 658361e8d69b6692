"""The SQLite store's checkpointer: a thread that keeps the WAL bounded and re-reads the file.

It checkpoints on a connection of its own every `period` seconds, or as soon as a
commit finds the WAL past `wal_soft` (`wake`): PASSIVE, which never blocks a
writer, then, past `wal_soft`, RESTART, which makes writers wait the few
milliseconds it takes to finish, so the next writer starts the WAL afresh (under
a steady stream of commits PASSIVE alone never empties it). Every `quick_every`
seconds, or 50 times as long as the last one took, it runs `quick_check`, which
reads every page from disk: pages the store's own connection serves from its
cache can rot on disk unseen. What it finds wrong it reports through `broke`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pathguard.store.errors import StoreBroken, StoreError
from pathguard.store.sqlite_file import FileWatch

CHECKPOINT_SECONDS = 1.0
CHECKPOINT_GAP = 0.05  # at least this long between two checkpoints of one checkpointer
WAL_SOFT = 4 << 20    # wake the checkpointer
WAL_HARD = 64 << 20   # checkpoint (TRUNCATE) before the commit returns
BUSY_SECONDS = 5.0    # wait for another process's lock at most this long, then StoreUnavailable
QUICK_CHECK_SECONDS = 5.0  # the checkpointer re-reads every page at most this often, and at most
QUICK_CHECK_SHARE = 0.02   # this share of its time (a slow check waits 50 times its duration) ...
QUICK_CHECK_BYTES = 1 << 30  # ... while the database is at most this large


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


class Checkpointer:
    def __init__(self, path: Path, sync: str, watch: FileWatch, failed: Callable[[sqlite3.Error], StoreError],
                 broke: Callable[[StoreBroken], None], *, store_id: str, wal_soft: int, wal_hard: int,
                 period: float, quick_every: float) -> None:
        self.path, self.sync, self.watch, self.store_id = path, sync, watch, store_id
        self.failed, self.broke = failed, broke
        self.wal_soft, self.wal_hard, self.period, self.quick_every = wal_soft, wal_hard, period, quick_every
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._broken = False
        self._thread = threading.Thread(target=self._run, name="pathguard-sqlite-checkpoint", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def _report(self, exc: StoreBroken) -> None:
        self._broken = True
        self.broke(exc)

    def _run(self) -> None:
        try:
            db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                 timeout=BUSY_SECONDS)
            db.execute(f"PRAGMA synchronous={self.sync}")
            db.execute(f"PRAGMA journal_size_limit={self.wal_soft}")
        except sqlite3.Error as exc:
            self.failed(exc)
            return
        due = time.monotonic() + self.quick_every
        try:
            while not self._stop.is_set() and not self._broken:
                self._wake.wait(self.period)
                self._wake.clear()
                self._checkpoint(db)
                self._stop.wait(CHECKPOINT_GAP)  # leave the checkpoint lock to others in between
                if time.monotonic() >= due and not self._broken:
                    started = time.monotonic()
                    self._quick_check(db)
                    took = time.monotonic() - started
                    due = started + max(self.quick_every, took / QUICK_CHECK_SHARE)
        finally:
            db.close()

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        try:
            size = self.watch.check()
            found = db.execute("SELECT store_id FROM schema_version").fetchall()
            if found != [(self.store_id,)]:
                self._report(self.watch.broken("holds another trace store now (schema_version changed)"))
                return
            if size > self.wal_soft:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                db.execute("PRAGMA wal_checkpoint(RESTART)")
            elif size:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except StoreBroken as exc:
            self._report(exc)
        except sqlite3.Error as exc:  # a broken file breaks the store; busy waits for the next round
            self._broken = isinstance(self.failed(exc), StoreBroken)

    def _quick_check(self, db: sqlite3.Connection) -> None:
        try:
            if self.path.stat().st_size > QUICK_CHECK_BYTES:
                return
            found = db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.Error as exc:
            self._broken = isinstance(self.failed(exc), StoreBroken)
            return
        except OSError:
            return  # the file watch reports a missing file
        if found != [("ok",)]:
            what = "; ".join(str(r[0]) for r in found[:3])
            self._report(self.watch.broken(f"is corrupt (quick_check: {what})"))
