"""Fixtures: session and presence stores in memory and in Redis (a prefix per test), and the
SQL account store and audit log on SQLite (a tmp file) and PostgreSQL (a schema per test).

Redis and PostgreSQL tests skip with the reason when the server is unreachable on a
developer's machine, and fail under CI=true (see the support modules they come from).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.cases.support import (
    DATABASES,
    postgres_schema_engine,
)
from tests.triage_queue.support import redis_prefix
from triage.staff.ports import Presence, SessionStore
from triage.staff.presence import MemoryPresence
from triage.staff.redis_presence import RedisPresence
from triage.staff.redis_sessions import RedisSessionStore
from triage.staff.sessions import MemorySessionStore
from triage.staff.sql_accounts import SqlAccountStore
from triage.staff.sql_audit import SqlStaffAudit
from triage.staff.sql_support import create_engine

from .support import Clock, quick_hasher

IDLE = 900.0
MAX = 12 * 3600.0
WINDOW = 60.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def redis() -> AsyncIterator[tuple[Redis, str]]:
    """A real Redis client and a key prefix of this test's own (deleted afterwards)."""
    async with redis_prefix() as pair:
        yield pair


@pytest.fixture(params=["memory", "redis"])
async def sessions(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[SessionStore]:
    if request.param == "memory":
        yield MemorySessionStore(IDLE, MAX, clock=clock)
        return
    async with redis_prefix() as (client, prefix):
        yield RedisSessionStore(client, prefix, IDLE, MAX, clock=clock)


@pytest.fixture(params=["memory", "redis"])
async def presence(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[Presence]:
    if request.param == "memory":
        yield MemoryPresence(WINDOW, clock=clock)
        return
    async with redis_prefix() as (client, prefix):
        yield RedisPresence(client, prefix, WINDOW, clock=clock)


async def _engine(
    request: pytest.FixtureRequest, tmp_path: Path, stack: AsyncExitStack
) -> AsyncEngine:
    if request.param == "sqlite":
        return create_engine(f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}")
    url = request.getfixturevalue("postgres_url")
    return await stack.enter_async_context(postgres_schema_engine(url))


@pytest.fixture(params=DATABASES)
async def accounts(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[SqlAccountStore]:
    """An account store with empty tables, on each database in turn."""
    async with AsyncExitStack() as stack:
        store = SqlAccountStore(await _engine(request, tmp_path, stack), hasher=quick_hasher())
        stack.push_async_callback(store.aclose)
        await store.create_schema()
        yield store


@pytest.fixture(params=DATABASES)
async def audit(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlStaffAudit]:
    """An audit log with an empty table, on each database in turn."""
    async with AsyncExitStack() as stack:
        log = SqlStaffAudit(await _engine(request, tmp_path, stack))
        stack.push_async_callback(log.aclose)
        await log.create_schema()
        yield log
