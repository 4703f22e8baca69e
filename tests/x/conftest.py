"""Fixtures for the X channel: the fake X server, the real tweepy client pointed at it, the
real triage classifier, and the real Redis under a unique prefix (skipped locally when it is
not running, a failure under CI=true)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from fake_x import OWN_USER_ID, FakeX, start_fake_x
from x_testing import FakeEngine, Harness, redis_or_skip

from channels.triage_gate import TriageModel, load_triage_model
from triage.settings import Settings


@pytest.fixture(scope="session")
def triage_model() -> TriageModel:
    return load_triage_model()


@pytest.fixture
async def fake_x() -> AsyncIterator[FakeX]:
    fake, server = await start_fake_x()
    yield fake
    await server.close()


@pytest.fixture
async def fake_engine() -> AsyncIterator[FakeEngine]:
    engine = FakeEngine()
    await engine.start()
    yield engine
    await engine.close()


@pytest.fixture
def make_settings(fake_x: FakeX, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "var_dir": tmp_path,
            "x_bearer_token": "test-bearer",
            "x_consumer_key": "test-consumer-key",
            "x_consumer_secret": "test-consumer-secret",
            "x_access_token": "test-access-token",
            "x_access_token_secret": "test-access-secret",
            "x_user_id": OWN_USER_ID,
            "x_api_base": fake_x.url,
            "x_poll_seconds": 0.05,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    async with redis_or_skip() as prefix:
        yield prefix


@pytest.fixture(params=["sqlite", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """``None`` for SQLite under var/, else a unique Redis prefix."""
    if request.param == "sqlite":
        yield None
        return
    async with redis_or_skip() as prefix:
        yield prefix


@pytest.fixture
async def harnesses(
    make_settings: Callable[..., Settings], triage_model: TriageModel, backend: str | None
) -> AsyncIterator[Callable[[], Any]]:
    """Make any number of independent pollers sharing one durable store (two gateways, or
    one gateway before and after a restart)."""
    made: list[Harness] = []

    async def make() -> Harness:
        harness = await Harness.open(make_settings(), triage_model, backend)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        await harness.aclose()
