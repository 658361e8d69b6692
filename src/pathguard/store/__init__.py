"""Trace stores: memory, SQLite (the embedded default) and PostgreSQL behind one interface."""

from pathguard.store.base import (
    ActionRow,
    AlertRow,
    ApprovalRow,
    SessionRow,
    SessionTrace,
    Store,
    StoreError,
    open_store,
)

__all__ = ["ActionRow", "AlertRow", "ApprovalRow", "SessionRow", "SessionTrace", "Store", "StoreError",
           "open_store"]
