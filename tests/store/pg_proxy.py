"""A TCP proxy in front of the test server that can lose one reply: armed with a statement name,
it forwards the next request that binds that prepared statement, lets the server run (and commit)
it, then cuts the connection instead of passing the answer back."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class ReplyCutter:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed: bytes | None = None
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, statement: str) -> None:
        """Lose the reply of the next execution of prepared statement `statement`."""
        self.armed = statement.encode() + b"\x00"

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            cut = threading.Event()
            threading.Thread(target=self._up, args=(client, server, cut), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, cut), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, cut: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                # Bind: 'B', length (4 bytes), portal name (empty: one NUL), statement name
                bind = self.armed is not None and data[:1] == b"B" and data[6:].startswith(self.armed)
                if bind:
                    self.armed = None
                    cut.set()  # from now on nothing flows back to the client
                server.sendall(data)
                if bind:
                    time.sleep(0.3)  # the server executes and commits
                    self.cuts += 1
                    break
        for s in (client, server):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _down(self, server: socket.socket, client: socket.socket, cut: threading.Event) -> None:
        with contextlib.suppress(OSError):
            while data := server.recv(65536):
                if cut.is_set():
                    continue
                client.sendall(data)

    def close(self) -> None:
        self._closed = True
        self.listener.close()
