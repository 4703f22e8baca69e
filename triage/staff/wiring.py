"""The one place that builds the staff adapters from settings.

- accounts and the audit log: the SQL database of ``settings.effective_database_url``; the
  demo's SQLite file is migrated on first use (as the case store is), other databases by
  deployment (``alembic -c triage/cases/alembic.ini upgrade head``);
- sessions and presence: Redis when the caller has a client (``REDIS_URL`` set), else kept
  in the process, which is right only for a single gateway (`make demo`).

Nothing here connects; adapters connect on first use.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from triage.cases.migrate import upgrade_to_head
from triage.settings import Settings
from triage.staff.ports import AccountStore, Presence, SessionStore, StaffAudit
from triage.staff.presence import MemoryPresence
from triage.staff.redis_presence import RedisPresence
from triage.staff.redis_sessions import RedisSessionStore
from triage.staff.sessions import MemorySessionStore
from triage.staff.sql_accounts import SqlAccountStore
from triage.staff.sql_audit import SqlStaffAudit
from triage.staff.sql_support import Prepare


def sqlite_path(url: str) -> Path | None:
    """As `triage.cases.wiring.sqlite_path`, without importing that module's HTTP and Redis
    clients (the staff command starts quicker)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_migration(settings: Settings) -> Prepare | None:
    """For the demo's SQLite file: create its folder and migrate it on first use."""
    url = settings.effective_database_url
    path = sqlite_path(url)
    if path is None:
        return None
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)

    async def migrate() -> None:
        try:
            await asyncio.to_thread(upgrade_to_head, url)
        except Exception:  # alembic raises the driver's errors
            # Another process (gateway, action server, worker) was migrating the same file
            # at the same moment; by now it has finished and this run finds nothing to do.
            await asyncio.sleep(0.5)
            await asyncio.to_thread(upgrade_to_head, url)

    return migrate


def build_account_store(settings: Settings) -> AccountStore:
    return SqlAccountStore.from_url(
        settings.effective_database_url, prepare=_sqlite_migration(settings)
    )


def build_staff_audit(settings: Settings) -> StaffAudit:
    return SqlStaffAudit.from_url(
        settings.effective_database_url, prepare=_sqlite_migration(settings)
    )


def redis_prefix(settings: Settings) -> str:
    """The gateway's key prefix (as `channels.app` chooses it: tests give their own)."""
    return settings.extra.get("redis_key_prefix") or settings.redis_prefix


def build_session_store(settings: Settings, redis: Redis | None) -> SessionStore:
    idle = settings.console_idle_seconds
    most = settings.console_session_hours * 3600
    if redis is not None:
        return RedisSessionStore(redis, redis_prefix(settings), idle, most)
    return MemorySessionStore(idle, most)


def build_presence(settings: Settings, redis: Redis | None) -> Presence:
    if redis is not None:
        return RedisPresence(redis, redis_prefix(settings), settings.presence_seconds)
    return MemoryPresence(settings.presence_seconds)
