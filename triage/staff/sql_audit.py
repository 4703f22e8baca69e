"""The console's audit log in the SQL database: who viewed, disclosed or changed what.

Entries hold identifiers and codes only. ``reason`` is free text typed by staff, so it is
redacted (emails, phones, postcodes, addresses ...) before it is stored; every field is cut
to its column's length rather than refused, because an audit entry must never be lost to a
long value.

Writes are group-committed: entries recorded while a transaction is being written wait
and go together in the next one, and each `record` returns only once its own entry is
committed. So the console still answers only after its audit entry is stored, but twenty
operators replying at once cost two transactions, not twenty queued on SQLite's one writer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from triage.redact import redact
from triage.staff.models import (
    MAX_ACTOR,
    MAX_CASE_REFERENCE,
    MAX_CONVERSATION_ID,
    MAX_DETAIL,
    MAX_ITEM_ID,
    MAX_REASON,
    StaffAuditRecord,
)
from triage.staff.ports import (
    AuditAction,
    AuditEntry,
    AuditQuery,
    StaffAudit,
    StaffUnavailable,
)
from triage.staff.sql_support import Prepare, SqlAdapter, create_engine

MAX_SEARCH = 500
ERASE_BATCH = 500
"""Audit entries deleted per transaction by retention."""


def _cut(value: str | None, limit: int) -> str | None:
    """Whitespace collapsed and cut to ``limit``; None for nothing."""
    if value is None:
        return None
    text = " ".join(value.split())
    return text[:limit] or None


def _reference(value: str | None) -> str | None:
    cut = _cut(value, MAX_CASE_REFERENCE)
    return cut.upper() if cut else None


def _action(value: str) -> AuditAction:
    try:
        return AuditAction(value)
    except ValueError:
        raise ValueError(f"unknown audit action {value!r}") from None


def _entry(row: StaffAuditRecord) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=AuditAction(row.action),
        conversation_id=row.conversation_id,
        item_id=row.item_id,
        case_reference=row.case_reference,
        reason=row.reason,
        detail=row.detail,
    )


class SqlStaffAudit(SqlAdapter, StaffAudit):
    """`StaffAudit` on SQLAlchemy 2 async; DB failures surface as `StaffUnavailable`."""

    def __init__(self, engine: AsyncEngine, *, prepare: Prepare | None = None) -> None:
        super().__init__(engine, prepare=prepare)
        self._pending: list[tuple[StaffAuditRecord, asyncio.Future[AuditEntry]]] = []
        self._writer: asyncio.Task[None] | None = None

    @classmethod
    def from_url(cls, url: str, *, prepare: Prepare | None = None) -> SqlStaffAudit:
        return cls(create_engine(url), prepare=prepare)

    async def record(self, entry: AuditEntry) -> AuditEntry:
        row = self._row(entry)
        done: asyncio.Future[AuditEntry] = asyncio.get_running_loop().create_future()
        self._pending.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        # Shielded: a caller that gives up still has its entry written with the rest.
        return await asyncio.shield(done)

    async def _write_pending(self) -> None:
        """Commit everything waiting, in as few transactions as arrive during each write."""
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                async with self.writing("record audit") as session:
                    session.add_all([row for row, _ in batch])
            except BaseException as exc:  # the whole batch failed: each caller hears
                failure = exc if isinstance(exc, Exception) else StaffUnavailable("cancelled")
                for _, done in batch:
                    if not done.done():
                        done.set_exception(failure)
                if not isinstance(exc, Exception):
                    raise
            else:
                for row, done in batch:
                    if not done.done():
                        done.set_result(_entry(row))

    def _row(self, entry: AuditEntry) -> StaffAuditRecord:
        action = _action(entry.action)
        actor = _cut(entry.actor, MAX_ACTOR)
        if not actor:
            raise ValueError("an audit entry needs an actor")
        if entry.at.tzinfo is None:
            raise ValueError("an audit entry's time must be timezone-aware")
        reason = _cut(redact(entry.reason), MAX_REASON) if entry.reason else None
        return StaffAuditRecord(
            at=entry.at,
            actor=actor,
            action=action.value,
            kind=action.kind,
            conversation_id=_cut(entry.conversation_id, MAX_CONVERSATION_ID),
            item_id=_cut(entry.item_id, MAX_ITEM_ID),
            case_reference=_reference(entry.case_reference),
            reason=reason,
            detail=_cut(entry.detail, MAX_DETAIL),
        )

    async def search(self, query: AuditQuery) -> list[AuditEntry]:
        statement = select(StaffAuditRecord)
        if query.actor:
            statement = statement.where(StaffAuditRecord.actor == query.actor.strip())
        if query.action is not None:
            statement = statement.where(StaffAuditRecord.action == _action(query.action).value)
        if query.conversation_id:
            statement = statement.where(
                StaffAuditRecord.conversation_id == query.conversation_id.strip()
            )
        if reference := _reference(query.case_reference):
            statement = statement.where(StaffAuditRecord.case_reference == reference)
        if query.since is not None:
            statement = statement.where(StaffAuditRecord.at >= query.since)
        if query.until is not None:
            statement = statement.where(StaffAuditRecord.at <= query.until)
        limit = max(1, min(query.limit, MAX_SEARCH))
        statement = statement.order_by(
            StaffAuditRecord.at.desc(), StaffAuditRecord.id.desc()
        ).limit(limit)
        async with self.reading("search audit") as session:
            return [_entry(row) for row in await session.scalars(statement)]

    async def recorded_before(self, before: datetime, limit: int = 1000) -> list[int]:
        if limit <= 0:
            return []
        statement = (
            select(StaffAuditRecord.id)
            .where(StaffAuditRecord.at < before)
            .order_by(StaffAuditRecord.at, StaffAuditRecord.id)
            .limit(limit)
        )
        async with self.reading("list old audit entries") as session:
            return list(await session.scalars(statement))

    async def erase(self, ids: Sequence[int]) -> int:
        """In transactions of `ERASE_BATCH` rows, so console entries waiting to be written
        (SQLite has one writer) are never held up for long."""
        erased = 0
        wanted = list(ids)
        for start in range(0, len(wanted), ERASE_BATCH):
            batch = wanted[start : start + ERASE_BATCH]
            async with self.writing("erase audit entries") as session:
                result = await session.execute(
                    delete(StaffAuditRecord).where(StaffAuditRecord.id.in_(batch))
                )
                erased += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return erased

    async def aclose(self) -> None:
        """Finish writing what callers are waiting for, then close the engine."""
        if self._writer is not None and not self._writer.done():
            await asyncio.wait([self._writer], timeout=5)
        await super().aclose()
