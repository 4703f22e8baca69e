"""The builders pick adapters from settings; the demo's SQLite file is migrated on first use."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from triage.settings import Settings
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery, Role, StaffAccount
from triage.staff.presence import MemoryPresence
from triage.staff.redis_presence import RedisPresence
from triage.staff.redis_sessions import RedisSessionStore
from triage.staff.sessions import MemorySessionStore
from triage.staff.wiring import (
    build_account_store,
    build_presence,
    build_session_store,
    build_staff_audit,
    sqlite_path,
)

from .support import GOOD_PASSWORD

SETTINGS = Settings(console_idle_seconds=300, console_session_hours=8, presence_seconds=45)


def test_without_redis_sessions_and_presence_stay_in_process() -> None:
    sessions = build_session_store(SETTINGS, None)
    presence = build_presence(SETTINGS, None)
    assert isinstance(sessions, MemorySessionStore)
    assert (sessions.idle_seconds, sessions.max_seconds) == (300, 8 * 3600)
    assert isinstance(presence, MemoryPresence)
    assert presence.window_seconds == 45


async def test_with_redis_they_are_shared_under_the_prefix(redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    settings = Settings(redis_prefix=prefix, console_idle_seconds=300, presence_seconds=45)
    sessions = build_session_store(settings, client)
    presence = build_presence(settings, client)
    assert isinstance(sessions, RedisSessionStore)
    assert isinstance(presence, RedisPresence)
    assert sessions.idle_seconds == 300 and presence.window_seconds == 45
    await sessions.create(StaffAccount("alice", "Alice", Role.OPERATOR))
    await presence.heartbeat("alice", "Alice", Role.OPERATOR)
    keys = {key.removeprefix(prefix) async for key in client.scan_iter(match=f"{prefix}*")}
    [session_key] = [key for key in keys if key.startswith("staff:session:")]
    assert keys - {session_key} == {
        "staff:user-sessions:alice",
        "staff:presence",
        "staff:presence:info",
    }
    assert len(session_key.removeprefix("staff:session:")) == 64  # a sha256 digest


async def test_the_demo_database_is_migrated_on_first_use(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")
    accounts = build_account_store(settings)
    audit = build_staff_audit(settings)
    try:
        await accounts.create("alice", "Alice", Role.OPERATOR, GOOD_PASSWORD)
        stored = await audit.record(AuditEntry(actor="alice", action=AuditAction.SIGN_IN))
        assert await audit.search(AuditQuery()) == [stored]
    finally:
        await audit.aclose()
        await accounts.aclose()
    path = sqlite_path(settings.effective_database_url)
    assert path == tmp_path / "var" / "bluelamp.db" and path.exists()
    engine = create_async_engine(settings.effective_database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert version is not None and int(version) >= 5
    assert {"staff_accounts", "staff_audit", "cases"} <= tables


async def test_a_test_prefix_given_to_the_gateway_is_used_too(redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    settings = Settings(redis_prefix="bluelamp:", extra={"redis_key_prefix": prefix})
    sessions = build_session_store(settings, client)
    await sessions.create(StaffAccount("bob", "Bob", Role.OPERATOR))
    assert [key async for key in client.scan_iter(match=f"{prefix}staff:session:*")]


def test_only_sqlite_files_count_as_demo_databases() -> None:
    assert sqlite_path("sqlite+aiosqlite:////tmp/x/bluelamp.db") == Path("/tmp/x/bluelamp.db")
    assert sqlite_path("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_path("postgresql+asyncpg://postgres@127.0.0.1/test") is None
