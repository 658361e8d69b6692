"""What a store failure means to its caller: deny now, and whether waiting can help.

Every failure is a `StoreError` (the runtime denies the check). The subclasses
tell the runtime what to do next:

- `StoreUnavailable`: transient (the server is down or restarting, the file is
  locked, the disk is full). The store heals itself (PostgreSQL reconnects in the
  background); later calls may succeed on the same store object. `in_doubt` says
  a write was sent but its reply was lost: it may have been committed.
- `StoreBroken`: this store object is unusable for good (file deleted, replaced
  or corrupt; the database was emptied or is newer than this code). Every later
  call raises the same error; an operator must act.
- `StoreConflict`: a write collides with a different row already stored under the
  same key (a session id or a `(session_id, seq)` reused): two writers think they
  own one session. Nothing was written; the store stays usable.
- `InvalidRecord`: a value cannot be stored as given (parameters that are not
  JSON, a NUL in a name, a non-finite time). Refused before anything is written.
"""

from __future__ import annotations

import re

from pathguard.errors import PathguardError


class StoreError(PathguardError):
    """The store could not do what was asked; the runtime turns this into deny."""


class StoreUnavailable(StoreError):
    """Transient: retry later on the same store; `in_doubt` when a write may have committed."""

    def __init__(self, message: str, *, in_doubt: bool = False) -> None:
        super().__init__(message)
        self.in_doubt = in_doubt


class StoreBroken(StoreError):
    """Permanent for this store object: every later call raises it again."""


class StoreConflict(StoreError):
    """A different row already exists under this key; nothing was written."""


class InvalidRecord(StoreError):
    """A value that no back end can store faithfully; refused before any write."""


_URL_PASSWORD = re.compile(r"(://[^:/@\s]*):[^@/\s]*@")
_PARAM_PASSWORD = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)


def redact(url: str) -> str:
    """`url` without its password, for messages and logs."""
    return _PARAM_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1:***@", url))
