"""What the SQL staff adapters share: their engine, a once-only prepare step, and one place
that turns database failures into `StaffUnavailable`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from triage.sqlite_wal import enable_wal
from triage.staff.models import StaffBase
from triage.staff.ports import StaffUnavailable

CONNECT_TIMEOUT_SECONDS = 5
SQLITE_BUSY_TIMEOUT_MS = 10_000
_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)

Prepare = Callable[[], Awaitable[None]]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; the busy timeout makes writers queue."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    enable_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(url: str, *, pool_size: int = 5) -> AsyncEngine:
    """An engine for ``url``: quick connect timeout on PostgreSQL, WAL on SQLite."""
    args: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql+asyncpg"):
        args["connect_args"] = {"timeout": CONNECT_TIMEOUT_SECONDS}
        args["pool_size"] = pool_size
    engine = _create_async_engine(url, **args)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


@asynccontextmanager
async def unavailable_on_error(operation: str) -> AsyncIterator[None]:
    """Database failures become `StaffUnavailable` (the console answers 503 and does nothing
    it could not record); refusals (IntegrityError) pass through for the caller to explain."""
    try:
        yield
    except IntegrityError:
        raise
    except _UNAVAILABLE as exc:
        raise StaffUnavailable(f"staff store unavailable during {operation}") from exc
    except DBAPIError as exc:
        raise StaffUnavailable(f"staff store failed during {operation}") from exc


class SqlAdapter:
    """An engine, its session factory and an optional step run once before first use."""

    def __init__(self, engine: AsyncEngine, *, prepare: Prepare | None = None) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._prepare = prepare
        self._prepared = prepare is None
        self._prepare_lock = asyncio.Lock()

    async def create_schema(self) -> None:
        """Create the staff tables directly (tests); deployments use Alembic."""
        async with self.engine.begin() as connection:
            await connection.run_sync(StaffBase.metadata.create_all)

    async def _session(self) -> AsyncSession:
        if not self._prepared:
            async with self._prepare_lock:
                if not self._prepared and self._prepare is not None:
                    await self._prepare()
                    self._prepared = True
        return self._sessions()

    @asynccontextmanager
    async def reading(self, operation: str) -> AsyncIterator[AsyncSession]:
        """A session for reads; failures to reach the database become `StaffUnavailable`."""
        async with unavailable_on_error(operation), await self._session() as session:
            yield session

    @asynccontextmanager
    async def writing(self, operation: str) -> AsyncIterator[AsyncSession]:
        """A session in a transaction committed on leaving; as `reading` for failures."""
        async with (
            unavailable_on_error(operation),
            await self._session() as session,
            session.begin(),
        ):
            yield session

    async def aclose(self) -> None:
        await self.engine.dispose()
