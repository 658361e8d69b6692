"""The proxy's stdin/stdout as event-loop pipes, for the SDK's `stdio_server`.

The SDK reads stdin and writes stdout through worker threads (three thread
hand-offs per request and response); on a busy machine each hand-off can wait
for a core, which is most of what a proxy adds to a call. Here the same
descriptors are read and written by the event loop itself, and the SDK still
does all of the MCP: `stdio_server(stdin, stdout)` frames, parses and
validates every message; this module only moves the bytes. As the SDK does,
fd 0 and fd 1 are pointed at /dev/null and stderr while serving, so stray
output of libraries cannot corrupt the wire. Where stdin or stdout is not a
pipe, socket or terminal (a regular file), the SDK's own transport is used.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


class LineReader:
    """`async for line in reader`: decoded lines of the wire, as `stdio_server` reads them."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream

    def __aiter__(self) -> LineReader:
        return self

    async def __anext__(self) -> str:
        try:
            line = await self.stream.readline()
        except ValueError:  # longer than the limit: the reader dropped it; the SDK logs a parse error
            return "\n"
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


class LineWriter:
    """`await writer.write(text)` then `await writer.flush()`, as `stdio_server` writes."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer

    async def write(self, text: str) -> None:
        self.writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self.writer.drain()


def _pollable(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


@asynccontextmanager
async def native_stdio() -> AsyncIterator[tuple[Any, Any] | None]:
    """(stdin, stdout) for `stdio_server`, or None where the event loop cannot poll them (then the
    SDK's own threaded transport is used)."""
    if sys.platform == "win32" or not (_pollable(0) and _pollable(1)):
        yield None
        return
    loop = asyncio.get_running_loop()
    saved_in, saved_out = os.dup(0), os.dup(1)
    wire_in, wire_out = os.fdopen(os.dup(0), "rb", buffering=0), os.fdopen(os.dup(1), "wb", buffering=0)
    transports: list[asyncio.BaseTransport] = []
    try:
        reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
        try:
            read_transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                             wire_in)
            transports.append(read_transport)
            write_transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin,
                                                                      wire_out)
            transports.append(write_transport)
        except OSError:  # e.g. /dev/null, which epoll refuses
            wire_in.close()
            wire_out.close()
            yield None
            return
        writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
        sys.stdout.flush()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)   # library code reading stdin gets EOF, and its prints go to stderr,
        os.dup2(2, 1)      # never onto the wire
        os.close(null)
        yield LineReader(reader), LineWriter(writer)
    finally:
        for transport in reversed(transports):
            transport.close()
        os.dup2(saved_in, 0)
        os.dup2(saved_out, 1)
        os.close(saved_in)
        os.close(saved_out)
