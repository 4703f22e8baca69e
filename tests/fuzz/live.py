"""A real gateway on a free port, in a thread with its own event loop, for the fuzz tests.

Schemathesis and Hypothesis drive it synchronously (plain HTTP over the socket) while the
gateway, its fake engine (`FakeEngine`, the Rasa REST channel) and the fake X API run in
that loop; `LiveGateway.run` runs a coroutine there (a WebSocket client, a drain). The
gateway talks to the real Redis under a prefix of its own and to a SQLite database
migrated by Alembic, holding the console test accounts.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from aiohttp import web
from aiohttp.test_utils import TestServer

from channels.app import create_app
from channels.triage_gate import TriageModel
from tests.channels.gateway_testing import TEST_REDIS_URL, FakeEngine
from tests.console.support import PASSWORD, create_accounts
from tests.x.fake_x import OWN_USER_ID, FakeX, start_fake_x
from triage.cases.migrate import upgrade_to_head
from triage.settings import Settings

T = TypeVar("T")
X_SECRET = "fuzz-consumer-secret"
UNLIMITED = "1000000 per minute"
"""The per-address budgets of the fuzz gateway: every request comes from 127.0.0.1."""


def no_model() -> TriageModel:
    """The fuzz tests need no classifier; the gateway runs without it (as it would if the
    model could not be loaded)."""
    raise RuntimeError("no triage classifier in the fuzz tests")


@dataclass
class LiveGateway:
    base_url: str
    settings: Settings
    engine: FakeEngine
    fake_x: FakeX
    app: web.Application
    loop: asyncio.AbstractEventLoop

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``work`` on the gateway's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    @property
    def origin(self) -> str:
        return self.base_url


def redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"Redis not reachable at {TEST_REDIS_URL}")
    return client


def fuzz_settings(
    var_dir: Path, engine_url: str, x_url: str, prefix: str, database_url: str, **extra: Any
) -> Settings:
    values: dict[str, Any] = {
        "rasa_url": engine_url,
        "action_server_url": f"{engine_url}/webhook",
        "var_dir": var_dir,
        "rasa_timeout_seconds": 2.0,
        "redis_url": TEST_REDIS_URL,
        "redis_prefix": prefix,
        "database_url": database_url,
        "x_bearer_token": "fuzz-bearer",
        "x_consumer_key": "fuzz-consumer-key",
        "x_consumer_secret": X_SECRET,
        "x_access_token": "fuzz-access-token",
        "x_access_token_secret": "fuzz-access-secret",
        "x_user_id": OWN_USER_ID,
        "x_api_base": x_url,
        "x_poll": False,
        "ip_limit_rest": UNLIMITED,
        "ip_limit_websocket": UNLIMITED,
        "ip_limit_login": UNLIMITED,
        "ip_limit_other": UNLIMITED,
        "conversation_limit_rest": UNLIMITED,
        "conversation_limit_socket": UNLIMITED,
        "console_login_limit": UNLIMITED,
        **extra,
    }
    return Settings(**values)


@contextmanager
def live_gateway(var_dir: Path, **extra: Any) -> Iterator[LiveGateway]:
    """Start everything; on exit stop it and delete every Redis key under its prefix."""
    sync_redis = redis_or_skip()
    prefix = f"bluelamp-test-{uuid.uuid4().hex}:"
    database_url = f"sqlite+aiosqlite:///{var_dir / 'fuzz.db'}"
    upgrade_to_head(database_url)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fuzz-gateway", daemon=True)
    thread.start()
    servers: list[TestServer] = []
    runner: web.AppRunner | None = None

    async def start() -> LiveGateway:
        nonlocal runner
        await create_accounts(database_url)
        engine = FakeEngine()
        engine_server = TestServer(engine.app, host="127.0.0.1")
        await engine_server.start_server()
        servers.append(engine_server)
        engine.url = str(engine_server.make_url("")).rstrip("/")
        fake_x, x_server = await start_fake_x()
        servers.append(x_server)
        settings = fuzz_settings(var_dir, engine.url, fake_x.url, prefix, database_url, **extra)
        app = create_app(settings, load_model=no_model)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        return LiveGateway(f"http://127.0.0.1:{port}", settings, engine, fake_x, app, loop)

    async def stop() -> None:
        if runner is not None:
            await runner.cleanup()
        for server in servers:
            await server.close()

    try:
        gateway = asyncio.run_coroutine_threadsafe(start(), loop).result(60)
        try:
            yield gateway
        finally:
            gateway.engine.release.set()
            asyncio.run_coroutine_threadsafe(stop(), loop).result(60)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        keys = list(sync_redis.scan_iter(match=f"{prefix}*"))
        if keys:
            sync_redis.delete(*keys)
        sync_redis.close()


__all__ = ["PASSWORD", "X_SECRET", "LiveGateway", "live_gateway"]
