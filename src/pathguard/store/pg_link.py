"""The PostgreSQL store's two connections, and how they come back after the server went away.

A store talks to its server through a pair: `durable` (synchronous commit) and
`lazy` (`synchronous_commit = off`). When either fails at the connection level
(server restarted or crashed, network cut), the pair is dropped at once and a
background thread reconnects with exponential backoff (from BACKOFF_FIRST up to
`backoff_max` seconds), runs the store's check on the new pair (same database as
before) and installs it; its statements are prepared again on first use. A
call made while the pair is down waits at most `wait` seconds for it, then raises
StoreUnavailable: no call ever blocks on a connection attempt, however long the
server takes to answer one.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from pathguard.store.errors import StoreBroken, StoreUnavailable

BACKOFF_FIRST = 0.05


class Conn:
    """One psycopg connection and the names of the statements prepared on it."""

    __slots__ = ("conn", "pg", "prepared")

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.pg = conn.pgconn
        self.prepared: set[str] = set()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # it is being thrown away, maybe already dead
            self.conn.close()


class Lost(Exception):  # an internal signal, never leaves the store
    """`conn` failed: the statement's outcome is unknown."""

    def __init__(self, message: str, conn: Conn) -> None:
        super().__init__(message)
        self.conn = conn


class Link:
    def __init__(self, connect: Callable[[], tuple[Conn, Conn]], where: str, wait: float,
                 backoff_max: float) -> None:
        self._connect = connect  # makes and checks a new pair, or raises
        self.where = where
        self.wait = wait
        self.backoff_max = backoff_max
        self._pair: tuple[Conn, Conn] | None = None
        self._up = threading.Event()
        self._guard = threading.Lock()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self.broken: StoreBroken | None = None
        self._error = ""
        self._since = 0.0
        self.reconnects = 0

    def start(self) -> None:
        """The first pair, made by the caller's thread (errors go to the caller)."""
        self._install(self._connect())

    def _install(self, pair: tuple[Conn, Conn]) -> None:
        with self._guard:
            self._pair = pair
            self._up.set()

    def conn(self, durable: bool) -> Conn:
        """The connection to use now; waits up to `wait` seconds for a reconnection in progress."""
        pair = self._pair
        if pair is None:
            self._up.wait(self.wait)
            if self.broken is not None:
                raise self.broken
            pair = self._pair
            if pair is None:
                raise self.down()
        return pair[0] if durable else pair[1]

    def down(self, *, in_doubt: bool = False) -> StoreUnavailable:
        doubt = (" The write may have been committed before the connection failed; repeating it is safe."
                 if in_doubt else "")
        return StoreUnavailable(
            f"the trace store `{self.where}` is unavailable: the connection failed "
            f"{time.monotonic() - self._since:.1f} s ago ({self._error}) and is being re-established in the "
            f"background (attempts at most {self.backoff_max:g} s apart); the call was denied: retry later, "
            f"and check that the server is running.{doubt}", in_doubt=in_doubt)

    def lost(self, failed: Conn, why: str) -> None:
        """`failed` broke: drop its pair (unless already replaced) and start reconnecting."""
        with self._guard:
            pair = self._pair
            if pair is None or failed not in pair:
                return
            self._pair = None
            self._up.clear()
            self._since = time.monotonic()
            self._error = why
            for conn in pair:
                conn.close()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._reconnect, name="pathguard-pg-reconnect",
                                                daemon=True)
                self._thread.start()

    def _reconnect(self) -> None:
        delay = BACKOFF_FIRST
        while not self._closing.is_set():
            try:
                pair = self._connect()
            except StoreBroken as exc:
                self.broken = exc
                self._up.set()  # wake the waiters: they raise it
                return
            except Exception as exc:  # server still down: note why, wait, try again
                self._error = f"{type(exc).__name__}: {str(exc).strip()}"
            else:
                if self._closing.is_set():
                    for conn in pair:
                        conn.close()
                    return
                self.reconnects += 1
                self._install(pair)
                return
            self._closing.wait(delay)
            delay = min(delay * 2, self.backoff_max)

    def close(self) -> None:
        self._closing.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=30)
        with self._guard:
            pair, self._pair = self._pair, None
            self._up.clear()
        for conn in pair or ():
            conn.close()
