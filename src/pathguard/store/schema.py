"""Create the schema, or bring an older database up to date, inside the opener's transaction.

Version 1 is the schema of pathguard 0.1 (no `schema_version` table); version 2
adds the session tree root and authenticated approvals. Migration only adds
columns (ALTER TABLE ADD COLUMN, which keeps every row) and fills them in from
what the rows already say: a session's root is found by following `parent` up
(a session whose parent row is missing gets that parent as its root: the
highest ancestor the store knows), and an approval's root is its session's.
A database written by a newer pathguard is refused rather than guessed at.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from importlib import resources
from typing import Any, Protocol

from pathguard.store.base import StoreInfo
from pathguard.store.errors import StoreBroken

LATEST = 2

# version -> the columns it added to existing tables
ADDED: dict[int, tuple[tuple[str, str, str], ...]] = {
    2: (("sessions", "root", "TEXT"),
        ("approvals", "root", "TEXT NOT NULL DEFAULT ''"),
        ("approvals", "signature", "TEXT"),
        ("approvals", "decided_key", "TEXT"),
        ("approvals", "step_token", "TEXT")),
}
# version -> statements that fill the added columns of existing rows
FILLED: dict[int, tuple[str, ...]] = {
    2: ("WITH RECURSIVE tree(session_id, root) AS ("
        " SELECT session_id, COALESCE(parent, session_id) FROM sessions"
        " WHERE parent IS NULL OR parent NOT IN (SELECT session_id FROM sessions)"
        " UNION SELECT s.session_id, t.root FROM sessions s JOIN tree t ON s.parent = t.session_id)"
        " UPDATE sessions SET root = (SELECT min(tree.root) FROM tree"
        " WHERE tree.session_id = sessions.session_id)"
        " WHERE root IS NULL",
        "UPDATE sessions SET root = session_id WHERE root IS NULL",  # parent cycles: corrupt, own root
        "UPDATE approvals SET root = COALESCE((SELECT s.root FROM sessions s "
        "WHERE s.session_id = approvals.session_id), session_id) WHERE root = ''"),
}


def created_text(where: str, store_id: str) -> str:
    """The warning (log line and `store` alert) of a store that had to create its database."""
    return (f"created a new, empty trace store {where} (store id {store_id}); if one was expected there, it "
            "was deleted or moved: earlier traces and budget use are not in this one")


class Database(Protocol):
    """What the migration needs from a connection inside a transaction."""

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def tables(self) -> set[str]: ...
    def columns(self, table: str) -> set[str]: ...


def statements(real: str, serial: str) -> list[str]:
    """The latest schema's statements for one dialect (all `IF NOT EXISTS`)."""
    text = resources.files("pathguard.store").joinpath("schema.sql").read_text(encoding="utf-8")
    body = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    body = body.replace("{real}", real).replace("{serial}", serial)
    return [s.strip() for s in body.split(";") if s.strip()]


def prepare(db: Database, real: str, serial: str, now: float, where: str) -> StoreInfo:
    """Create or migrate the schema; the caller holds the transaction (and any lock) around it."""
    tables = db.tables()
    meta = db.rows("SELECT version, store_id, created FROM schema_version ORDER BY version DESC") \
        if "schema_version" in tables else []
    if meta:
        version, store_id, created = int(meta[0][0]), str(meta[0][1]), float(meta[0][2])
    else:
        version = 1 if "sessions" in tables else 0
        store_id, created = uuid.uuid4().hex, now
        if version:
            first = db.rows("SELECT min(started) FROM sessions")
            created = now if not first or first[0][0] is None else float(first[0][0])
    if version > LATEST:
        raise StoreBroken(f"the trace store {where} was written by a newer pathguard (schema version "
                          f"{version}; this one knows up to {LATEST}): upgrade pathguard to use it")
    if version:
        for step in range(version + 1, LATEST + 1):
            for table, column, declaration in ADDED.get(step, ()):
                if table in tables and column not in db.columns(table):
                    db.rows(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    for statement in statements(real, serial):
        db.rows(statement)
    if version:
        for step in range(version + 1, LATEST + 1):
            for statement in FILLED.get(step, ()):
                db.rows(statement)
    if not meta:
        db.rows("INSERT INTO schema_version (version, store_id, created) VALUES (?, ?, ?)",
                (LATEST, store_id, created))
    elif version < LATEST:
        db.rows("UPDATE schema_version SET version = ?", (LATEST,))
    return StoreInfo(store_id, created, LATEST, created_now=version == 0)
