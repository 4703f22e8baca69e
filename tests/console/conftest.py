"""Fixtures: the real gateway (console included) on a real Redis under a prefix of its own
and a SQLite database migrated by Alembic with staff accounts made by the real account
store (once per module: hashing is slow), in front of a fake Rasa engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from channels.app import create_app
from channels.triage_gate import TriageModel
from tests.cases.support import run_blocking
from tests.triage_queue.support import TEST_REDIS_URL, redis_prefix
from triage.cases.migrate import upgrade_to_head
from triage.settings import Settings

from .support import FakeRasa, StaffClient, create_accounts

GatewayFactory = Callable[[Settings], Awaitable[TestServer]]
StaffFactory = Callable[..., Awaitable[StaffClient]]


def no_model() -> TriageModel:
    """The console does not need the classifier; the gateway runs without it."""
    raise RuntimeError("no triage classifier in the console tests")


async def prepare_database(url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, url)
    await create_accounts(url)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("console") / "console.db"
    url = f"sqlite+aiosqlite:///{path}"
    run_blocking(prepare_database(url))
    return url


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    engine = FakeRasa()
    server = TestServer(engine.app)
    await server.start_server()
    engine.url = str(server.make_url("")).rstrip("/")
    yield engine
    await server.close()


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async with redis_prefix() as (_client, key_prefix):
        yield key_prefix


@pytest.fixture
def make_settings(
    fake_rasa: FakeRasa, prefix: str, database_url: str, tmp_path: Path
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "rasa_url": fake_rasa.url,
            "action_server_url": f"{fake_rasa.url}/webhook",
            "var_dir": tmp_path,
            "rasa_timeout_seconds": 2.0,
            "redis_url": TEST_REDIS_URL,
            "redis_prefix": prefix,
            "database_url": database_url,
            "max_message_chars": 500,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
async def gateway_factory() -> AsyncIterator[GatewayFactory]:
    servers: list[TestServer] = []

    async def make(settings: Settings) -> TestServer:
        server = TestServer(create_app(settings, load_model=no_model))
        await server.start_server()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.close()


@pytest.fixture
async def gateway(
    gateway_factory: GatewayFactory, make_settings: Callable[..., Settings]
) -> TestServer:
    return await gateway_factory(make_settings())


@pytest.fixture
async def staff(gateway: TestServer) -> AsyncIterator[StaffFactory]:
    """``await staff("op1")``: a browser of that member of staff, signed in (or not, with
    ``sign_in=False``)."""
    clients: list[StaffClient] = []

    async def make(username: str | None = None, *, sign_in: bool = True) -> StaffClient:
        client = StaffClient(gateway.make_url(""))
        clients.append(client)
        if username and sign_in:
            resp = await client.login(username)
            assert resp.status == 200, await resp.text()
        return client

    yield make
    for client in clients:
        await client.close()
