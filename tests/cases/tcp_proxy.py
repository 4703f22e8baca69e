"""A small TCP proxy for outage tests: in front of a real server, it can be cut and restored.

``cut()`` drops every open connection and refuses new ones (the server "dies");
``blackhole()`` keeps accepting but never forwards a byte (a hung network: only timeouts
notice); ``restore()`` forwards again on the same port. Loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target_host:target_port`` until told otherwise."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._blackhole = False

    async def start(self) -> int:
        """Listen (on a free port the first time, the same port afterwards)."""
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        if self._blackhole:
            return  # hold the connection open and say nothing
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)
        for task in (
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _drop_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, as when a server process is killed
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()

    async def cut(self) -> None:
        """The server is gone: open connections reset, new ones refused."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        self._drop_all()
        if server is not None:
            await server.wait_closed()

    async def blackhole(self) -> None:
        """The network hangs: open connections dropped, new ones accepted and ignored."""
        self._blackhole = True
        self._drop_all()

    async def restore(self) -> None:
        """Forward again, on the same port."""
        self._blackhole = False
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.cut()
