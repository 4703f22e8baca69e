"""Helpers for the gateway tests (imported by name: tests/channels has no __init__.py, so that
it cannot shadow the `channels` package)."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, web
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from yarl import URL

from channels.keys import service_key

TEST_REDIS_URL = os.environ.get("BLUELAMP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@asynccontextmanager
async def redis_test_client() -> AsyncIterator[tuple[Redis, str]]:
    prefix = f"bluelamp-test-{uuid.uuid4().hex}:"
    client = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    try:
        await client.ping()
    except Exception:
        await client.aclose()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required under CI: not reachable at {TEST_REDIS_URL}")
        pytest.skip(f"Redis not reachable at {TEST_REDIS_URL}")
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


class FakeEngine:
    """Speaks `/webhooks/rest/webhook`, `/status`, `/version` and (as the action server) `/health`.

    `behaviour`: "ok", "slow" (holds the reply until the test ends) or "error" (HTTP 500).
    `answer`: when set, the REST-channel items to reply with (recipient_id is added), e.g. a
    `{"custom": ...}` payload an action sent; otherwise an echo and a question with buttons.
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.behaviour = "ok"
        self.answer: list[dict[str, Any]] | None = None
        self.status_code = 200
        self.action_status = 200
        self.release = asyncio.Event()
        self.url = ""
        self.app = web.Application()
        self.app.router.add_post("/webhooks/rest/webhook", self.webhook)
        self.app.router.add_get("/status", self.status)
        self.app.router.add_get("/version", self.version)
        self.app.router.add_get("/health", self.health)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        if self.behaviour == "error":
            return web.Response(status=500, text="boom")
        if self.behaviour == "slow":
            await self.release.wait()
        sender = body["sender"]
        if self.answer is not None:
            return web.json_response([{"recipient_id": sender, **item} for item in self.answer])
        return web.json_response(
            [
                {"recipient_id": sender, "text": f"Echo: {body['message']}"},
                {
                    "recipient_id": sender,
                    "text": "Shall I send this report?",
                    "buttons": [
                        {"title": "Yes, send it", "payload": "/affirm"},
                        {"title": "Cancel", "payload": "/stop"},
                    ],
                },
            ]
        )

    async def status(self, request: web.Request) -> web.Response:
        if self.status_code != 200:
            return web.json_response({"error": "no"}, status=self.status_code)
        return web.json_response({"model_file": "models/x.tar.gz", "model_id": "x"})

    async def version(self, request: web.Request) -> web.Response:
        return web.json_response({"version": "3.6.21"})

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"}, status=self.action_status)


def free_port() -> int:
    """A port nothing listens on, for "engine down"."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


Client = TestClient[web.Request, web.Application]


async def frames_until(
    ws: ClientWebSocketResponse, done: Callable[[dict[str, Any]], bool], timeout: float = 3.0
) -> list[dict[str, Any]]:
    """Every JSON frame received up to and including the first one `done` accepts."""
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while True:
            frame = await ws.receive_json()
            frames.append(frame)
            if done(frame):
                return frames


async def settle(client: Client) -> None:
    """Wait for the back-office work (alerts, queue items, decision records) of every message
    so far: the gateway does it in the background so that replies never wait for it."""
    await client.app[service_key].gate.drain(timeout=10)


class TcpProxy:
    """A local port forwarded to Redis: `stop()` is an outage, `start()` the recovery (on the
    same port, so the gateway's clients reconnect by themselves)."""

    def __init__(self, target_url: str) -> None:
        target = URL(target_url)
        self._target = (target.host or "127.0.0.1", target.port or 6379)
        self._db = target.path
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}{self._db}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in tuple(self._writers):
                writer.transport.abort()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()
                self._writers.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def no_frame_within(ws: ClientWebSocketResponse, seconds: float) -> bool:
    """True when nothing arrives for `seconds` (the bot stayed quiet)."""
    try:
        async with asyncio.timeout(seconds):
            await ws.receive()
    except TimeoutError:
        return True
    return False
