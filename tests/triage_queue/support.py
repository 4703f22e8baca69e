"""Test support for the queue and alerts: a real Redis under a unique prefix, a settable clock.

Redis tests skip, with the reason, when Redis cannot be reached on a developer's machine;
under CI (CI=true) they fail instead. BLUELAMP_TEST_REDIS_URL points them elsewhere.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

TEST_REDIS_URL = os.environ.get("BLUELAMP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def unique_prefix() -> str:
    return f"bluelamp-test-{uuid.uuid4().hex}:"


async def require_redis(client: Redis) -> None:
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required under CI: not reachable at {TEST_REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {TEST_REDIS_URL}: {exc}")


@asynccontextmanager
async def redis_prefix() -> AsyncIterator[tuple[Redis, str]]:
    """A connected client and a prefix of its own; every key under the prefix is deleted after."""
    prefix = unique_prefix()
    client = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    await require_redis(client)
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def closed_port_url() -> str:
    """A Redis URL nothing listens on."""
    return f"redis://127.0.0.1:{closed_port()}/0"
