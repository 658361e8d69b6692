"""Trace stores: memory, SQLite (the embedded default) and PostgreSQL behind one interface."""

from pathguard.store.base import (
    ActionRow,
    AlertRow,
    ApprovalRow,
    SessionRow,
    SessionTrace,
    Store,
    StoreInfo,
    open_store,
)
from pathguard.store.errors import InvalidRecord, StoreBroken, StoreConflict, StoreError, StoreUnavailable

__all__ = ["ActionRow", "AlertRow", "ApprovalRow", "InvalidRecord", "SessionRow", "SessionTrace", "Store",
           "StoreBroken", "StoreConflict", "StoreError", "StoreInfo", "StoreUnavailable", "open_store"]
