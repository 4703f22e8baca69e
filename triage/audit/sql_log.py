"""The decision log in the case store's database (SQLite for the demo, PostgreSQL otherwise)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Self

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from triage.audit.ports import DecisionEntry, DecisionLog, redacted_entry
from triage.cases.models import Base, TriageDecisionRecord
from triage.cases.sql_store import _sqlite_pragmas
from triage.decisions import Category, Channel, Contact, Decision, Flag, Priority, RiskFlag
from triage.routing.plan import RoutePlan


def _entry(row: TriageDecisionRecord) -> DecisionEntry:
    return DecisionEntry(
        id=row.id,
        contact_id=row.contact_id,
        conversation_id=row.conversation_id,
        channel=Channel(row.channel),
        category=Category(row.category),
        priority=Priority(row.priority),
        confidence=row.confidence,
        flags=tuple(Flag(RiskFlag(f["flag"]), f["evidence"]) for f in row.flags),
        reasons=tuple(row.reasons),
        route_actions=tuple(row.route_actions),
        model_version=row.model_version,
        redacted_text=row.redacted_text,
        created_at=row.created_at,
    )


class SqlDecisionLog(DecisionLog):
    """Rows in ``triage_decisions`` via SQLAlchemy asyncio."""

    def __init__(
        self, engine: AsyncEngine, *, prepare: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """``prepare`` runs once before first use (e.g. migrating the demo's SQLite file)."""
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._prepare = prepare
        self._prepare_lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Self:
        engine = create_async_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return cls(engine, **kwargs)

    async def create_schema(self) -> None:
        """Create the tables directly (tests); real deployments use Alembic."""
        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

    async def _session(self) -> AsyncSession:
        if self._prepare is not None:
            async with self._prepare_lock:
                if self._prepare is not None:
                    await self._prepare()
                    self._prepare = None
        return self._sessions()

    async def record(
        self, contact: Contact, decision: Decision, plan: RoutePlan, model_version: str
    ) -> DecisionEntry:
        entry = redacted_entry(contact, decision, plan, model_version)
        row = TriageDecisionRecord(
            contact_id=entry.contact_id,
            conversation_id=entry.conversation_id,
            channel=entry.channel.value,
            category=entry.category.value,
            priority=entry.priority.value,
            confidence=entry.confidence,
            flags=[flag.as_dict() for flag in entry.flags],
            reasons=list(entry.reasons),
            route_actions=list(entry.route_actions),
            model_version=entry.model_version,
            redacted_text=entry.redacted_text,
            created_at=entry.created_at,
        )
        async with await self._session() as session, session.begin():
            session.add(row)
            await session.flush()
            return replace(entry, id=row.id)

    async def recent(self, limit: int = 50) -> list[DecisionEntry]:
        if limit <= 0:
            return []
        query = (
            select(TriageDecisionRecord)
            .order_by(TriageDecisionRecord.created_at.desc(), TriageDecisionRecord.id.desc())
            .limit(limit)
        )
        async with await self._session() as session:
            return [_entry(row) for row in await session.scalars(query)]

    async def aclose(self) -> None:
        await self.engine.dispose()
