"""The decision log in the case store's database (SQLite for the demo, PostgreSQL otherwise)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Self

from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from triage.audit.ports import DecisionEntry, DecisionLog, DecisionRef, redacted_entry
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

    async def recorded_before(self, before: datetime, limit: int = 1000) -> list[DecisionRef]:
        if limit <= 0:
            return []
        row = TriageDecisionRecord
        query = (
            select(row.id, row.conversation_id, row.created_at)
            .where(row.created_at < before)
            .order_by(row.created_at, row.id)
            .limit(limit)
        )
        async with await self._session() as session:
            result = await session.execute(query)
            return [DecisionRef(i, c, at) for i, c, at in result.all()]

    async def erase(self, ids: Sequence[int]) -> int:
        if not ids:
            return 0
        statement = delete(TriageDecisionRecord).where(TriageDecisionRecord.id.in_(list(ids)))
        async with await self._session() as session, session.begin():
            result = await session.execute(statement)
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def for_conversation(
        self, conversation_id: str, limit: int = 1000
    ) -> list[DecisionEntry]:
        if limit <= 0:
            return []
        query = (
            select(TriageDecisionRecord)
            .where(TriageDecisionRecord.conversation_id == conversation_id)
            .order_by(TriageDecisionRecord.created_at, TriageDecisionRecord.id)
            .limit(limit)
        )
        async with await self._session() as session:
            return [_entry(row) for row in await session.scalars(query)]

    async def aclose(self) -> None:
        await self.engine.dispose()
