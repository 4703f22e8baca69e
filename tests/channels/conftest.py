"""Fixtures for the gateway: a fake engine speaking Rasa's REST channel and HTTP API, the real
gateway pointed at it through Settings, the real triage classifier (loaded once per session),
and a real Redis under a unique key prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from gateway_testing import FakeEngine, redis_test_client

from channels.app import create_app
from channels.triage_gate import TriageModel, load_triage_model
from triage.settings import Settings

GatewayFactory = Callable[[Settings], Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
async def fake_engine() -> AsyncIterator[FakeEngine]:
    engine = FakeEngine()
    server = TestServer(engine.app)
    await server.start_server()
    engine.url = str(server.make_url("")).rstrip("/")
    yield engine
    engine.release.set()
    await server.close()


@pytest.fixture
def var_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def make_settings(fake_engine: FakeEngine, var_dir: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "rasa_url": fake_engine.url,
            "action_server_url": f"{fake_engine.url}/webhook",
            "var_dir": var_dir,
            "rasa_timeout_seconds": 0.5,
            "max_message_chars": 200,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def triage_model() -> TriageModel:
    """The gateway's own loader, once: it trains the classifier if the data changed."""
    return load_triage_model()


@pytest.fixture
async def gateway_factory(triage_model: TriageModel) -> AsyncIterator[GatewayFactory]:
    clients: list[TestClient[web.Request, web.Application]] = []

    async def make(settings: Settings) -> TestClient[web.Request, web.Application]:
        client = TestClient(TestServer(create_app(settings, load_model=lambda: triage_model)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def gateway(
    gateway_factory: GatewayFactory, make_settings: Callable[..., Settings]
) -> TestClient[web.Request, web.Application]:
    return await gateway_factory(make_settings())


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A unique key prefix on the real Redis; every key under it is deleted afterwards."""
    async with redis_test_client() as (_client, prefix):
        yield prefix
