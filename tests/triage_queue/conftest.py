"""Fixtures: each queue and alert bus adapter in turn, on a settable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from triage.queue.alerts import AlertBus, InMemoryAlertBus
from triage.queue.memory import InMemoryOperatorQueue
from triage.queue.ports import OperatorQueue
from triage.queue.redis_alerts import RedisAlertBus
from triage.queue.redis_queue import RedisOperatorQueue

from .support import Clock, redis_prefix


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    """A real Redis client and a key prefix of this test's own (deleted afterwards)."""
    async with redis_prefix() as pair:
        yield pair


@pytest.fixture(params=["memory", "redis"])
async def queue(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[OperatorQueue]:
    if request.param == "memory":
        yield InMemoryOperatorQueue(clock=clock)
        return
    async with redis_prefix() as (client, prefix):
        yield RedisOperatorQueue(client, prefix, clock=clock)


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[AlertBus]:
    if request.param == "memory":
        yield InMemoryAlertBus()
        return
    async with redis_prefix() as (client, prefix):
        yield RedisAlertBus(client, prefix)
