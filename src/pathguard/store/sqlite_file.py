"""Is the SQLite file under a running store still the one it opened, and still sound?

SQLite keeps writing to a database file that was deleted (the open descriptor
outlives the name) and keeps serving pages it cached from a file that was
overwritten; neither is an error to it. So the store checks for itself, after
every statement and in its checkpointer: the path and its `-wal` must still name
the same inodes (`stat`, about a microsecond each), and the header's fixed
fields must still read as a WAL database of the page size found at open. Any
SQLite error that means the file is gone, unreadable or corrupt does the same.
What is found makes the store `StoreBroken` for good: deny everything, say why.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from pathguard.store.errors import StoreBroken, StoreError, StoreUnavailable

MAGIC = b"SQLite format 3\x00"
FIXED = b"\x02\x02"        # bytes 18-19: file format write/read version 2 = WAL
FRACTIONS = b"\x40\x20\x20"  # bytes 21-23: payload fractions, fixed by the file format
# SQLite primary result codes (the low byte of an extended code)
BROKEN = {8: "the file is read-only or was moved", 10: "disk I/O error", 11: "the file is corrupt",
          14: "the file cannot be opened", 26: "the file is not a database"}
TRANSIENT = {5: "the database is busy (another process holds a lock)", 6: "a table is locked",
             13: "the disk is full", 15: "the lock protocol failed"}


def _restore(path: Path) -> str:
    return (f"Every call now fails closed. Restore `{path}` from a backup (or salvage it with "
            f"`sqlite3 {path} .recover`) and restart the agents; to start afresh instead, stop every "
            "agent and move the file away: a new store records that it was created empty.")


def page_size(header: bytes) -> int:
    size = int.from_bytes(header[16:18], "big")
    return 65536 if size == 1 else size


def header_problem(header: bytes, expected_page: int) -> str | None:
    """What is wrong with the first 100 bytes of the file, or None."""
    if len(header) < 100:
        return f"the file is {len(header)} bytes long, shorter than a database header"
    if header[:16] != MAGIC:
        return "the file no longer starts with the SQLite header"
    if page_size(header) != expected_page:
        return f"the header's page size changed from {expected_page} to {page_size(header)}"
    if header[18:20] != FIXED or header[21:24] != FRACTIONS:
        return "the header's fixed fields were overwritten"
    return None


class FileWatch:
    """The identity and header of one database file, captured at open."""

    def __init__(self, path: Path, url: str) -> None:
        self.path = path
        self.wal = Path(f"{path}-wal")
        self.url = url
        self._fd = os.open(path, os.O_RDONLY)
        self.db_id = self._identity(self.path)
        self.wal_id = self._identity(self.wal)
        self.page = page_size(os.pread(self._fd, 100, 0))
        problem = header_problem(os.pread(self._fd, 100, 0), self.page)
        if problem:
            raise self.broken(f"is corrupt: {problem}")

    @staticmethod
    def _identity(path: Path) -> tuple[int, int] | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return st.st_dev, st.st_ino

    def check(self) -> int:
        """Raise StoreBroken if the files were deleted, replaced or overwritten; else the WAL's size."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise self.broken("was deleted while in use") from None
        if (st.st_dev, st.st_ino) != self.db_id:
            raise self.broken("was replaced by another file while in use")
        try:
            wal = os.stat(self.wal)
        except FileNotFoundError:
            raise self.broken(f"lost its write-ahead log `{self.wal}` while in use (deleted)") from None
        if self.wal_id is not None and (wal.st_dev, wal.st_ino) != self.wal_id:
            raise self.broken(f"had its write-ahead log `{self.wal}` replaced while in use")
        self.wal_id = (wal.st_dev, wal.st_ino)
        problem = header_problem(os.pread(self._fd, 100, 0), self.page)
        if problem:
            raise self.broken(f"is corrupt: {problem}")
        return wal.st_size

    def broken(self, what: str) -> StoreBroken:
        when = time.strftime("%Y-%m-%d %H:%M:%S")
        return StoreBroken(f"the trace store `{self.url}` is unusable: its database file `{self.path}` "
                           f"{what} (noticed {when}); decisions written since may be lost. "
                           f"{_restore(self.path)}")

    def close(self) -> None:
        os.close(self._fd)


def classify(exc: sqlite3.Error, url: str, path: Path) -> StoreError:
    """A driver error as the StoreError that says what the caller can do about it."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    detail = f"{type(exc).__name__}: {exc}"
    if primary in BROKEN or type(exc) is sqlite3.DatabaseError:
        reason = BROKEN.get(primary or 11, "the file is corrupt")
        return StoreBroken(f"the trace store `{url}` is unusable: {reason} ({detail}). {_restore(path)}")
    if primary in TRANSIENT:
        return StoreUnavailable(f"the trace store `{url}` is unavailable: {TRANSIENT[primary]} ({detail}); "
                                "the call was denied, retry later")
    return StoreError(f"the trace store `{url}` failed: {detail}")


def leftovers(path: Path) -> list[Path]:
    """The `-wal`/`-shm` files of a database whose own file is missing: it was deleted in use."""
    if path.exists():
        return []
    return [p for p in (Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
