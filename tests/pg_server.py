"""A throwaway PostgreSQL server for the tests and benchmarks: initdb + pg_ctl on a
free local port in a temporary directory, stopped and removed afterwards.

initdb refuses to run as root, so as root the binaries run as the `postgres`
system user (runuser) and the directory is handed to it. Missing binaries are
an error with the fix in the message, never a silent skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresMissing(RuntimeError):
    pass


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if candidates:
        return Path(candidates[-1]).parent
    raise PostgresMissing("PostgreSQL server binaries (initdb, pg_ctl) not found: install them "
                          "(apt-get install postgresql) or put them on PATH")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """`with PostgresServer() as url:` a running server reachable at `url`; `halt()` and
    `launch()` stop and start it again on the same data and port (for the recovery tests)."""

    def __init__(self, fsync: bool = True, max_connections: int = 200) -> None:
        self.bindir = _bindir()
        self.fsync = fsync
        self.max_connections = max_connections
        self.root = Path(tempfile.mkdtemp(prefix="pathguard-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self.launch()
        return self.url

    def launch(self) -> None:
        """Start the server on its data directory (after `halt`, or the first time)."""
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections={self.max_connections} "
                   f"-c fsync={'on' if self.fsync else 'off'} -c shared_buffers=64MB")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w",
                  "-t", "60", "start")

    def halt(self, mode: str = "fast") -> None:
        """Stop the server, keeping its data: `fast` (clean), `immediate` (like a crash)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> str:
        try:
            return self.start()
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


TABLES = "sessions, actions, alerts, approvals, budgets"


def empty_postgres(url: str) -> None:
    """Every table of the trace store emptied (kept, with the store's identity)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        exists = db.execute("SELECT to_regclass('sessions') IS NOT NULL").fetchone()
        if exists and exists[0]:
            db.execute(f"TRUNCATE {TABLES} RESTART IDENTITY")
