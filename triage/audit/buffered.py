"""The SQL decision log with writes batched off the request path.

``record`` redacts the decision and queues it in memory; one background task writes what is
queued in one multi-row insert per batch, every ``flush_interval`` seconds or as soon as
``batch_size`` rows are waiting, whichever comes first. ``recent`` and ``aclose`` flush first,
so reads see every recorded decision and a clean shutdown loses none. A failed write keeps
its rows for the next attempt; only when ``max_buffered`` rows are waiting (the database has
been down a while) are new decisions dropped, and that is logged by count, never by content.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from itertools import islice
from typing import Any

import structlog
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from triage.audit.ports import DecisionEntry, DecisionRef, redacted_entry
from triage.audit.sql_log import SqlDecisionLog
from triage.cases.models import TriageDecisionRecord
from triage.decisions import Contact, Decision
from triage.routing.plan import RoutePlan

log = structlog.get_logger(__name__)

FLUSH_INTERVAL = 0.1
BATCH_SIZE = 100
MAX_BUFFERED = 10_000
MAX_RETRY_DELAY = 5.0


def _row(entry: DecisionEntry) -> dict[str, Any]:
    return {
        "contact_id": entry.contact_id,
        "conversation_id": entry.conversation_id,
        "channel": entry.channel.value,
        "category": entry.category.value,
        "priority": entry.priority.value,
        "confidence": entry.confidence,
        "flags": [flag.as_dict() for flag in entry.flags],
        "reasons": list(entry.reasons),
        "route_actions": list(entry.route_actions),
        "model_version": entry.model_version,
        "redacted_text": entry.redacted_text,
        "created_at": entry.created_at,
    }


class BufferedSqlDecisionLog(SqlDecisionLog):
    """`SqlDecisionLog` whose ``record`` only queues; entries it returns have ``id`` 0 (the
    database assigns ids when the batch is written; ``recent`` returns them with their ids)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        prepare: Callable[[], Awaitable[None]] | None = None,
        flush_interval: float = FLUSH_INTERVAL,
        batch_size: int = BATCH_SIZE,
        max_buffered: int = MAX_BUFFERED,
    ) -> None:
        super().__init__(engine, prepare=prepare)
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.max_buffered = max_buffered
        self._pending: deque[DecisionEntry] = deque()
        self._has_rows = asyncio.Event()
        self._batch_full = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.dropped = 0

    @property
    def pending(self) -> int:
        """Decisions recorded but not yet written."""
        return len(self._pending)

    async def record(
        self, contact: Contact, decision: Decision, plan: RoutePlan, model_version: str
    ) -> DecisionEntry:
        if self._closed:  # late work after shutdown began: write it directly
            return await super().record(contact, decision, plan, model_version)
        entry = redacted_entry(contact, decision, plan, model_version)
        if len(self._pending) >= self.max_buffered:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 100 == 0:
                log.error("decision_buffer_full", dropped=self.dropped, pending=len(self._pending))
            return entry
        self._pending.append(entry)
        self._has_rows.set()
        if len(self._pending) >= self.batch_size:
            self._batch_full.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="decision-log-flusher")
        return entry

    async def flush(self) -> None:
        """Write every queued decision, a batch per transaction; on failure the rows not yet
        written stay queued and the error is raised."""
        async with self._flush_lock:
            while self._pending:
                batch = list(islice(self._pending, self.batch_size))
                async with await self._session() as session, session.begin():
                    await session.execute(insert(TriageDecisionRecord), [_row(e) for e in batch])
                for _ in batch:  # only this lock's holder removes rows, from the left
                    self._pending.popleft()
            self._has_rows.clear()
            self._batch_full.clear()

    async def _run(self) -> None:
        failures = 0
        while True:
            await self._has_rows.wait()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.flush_interval):
                    await self._batch_full.wait()
            try:
                await self.flush()
            except Exception as exc:  # the driver's own errors too; the rows are kept
                failures += 1
                log.warning(
                    "decision_flush_failed",
                    error=type(exc).__name__,
                    pending=len(self._pending),
                    failures=failures,
                )
                await asyncio.sleep(min(self.flush_interval * 2**failures, MAX_RETRY_DELAY))
            else:
                failures = 0

    async def recent(self, limit: int = 50) -> list[DecisionEntry]:
        await self.flush()
        return await super().recent(limit)

    async def recorded_before(self, before: datetime, limit: int = 1000) -> list[DecisionRef]:
        await self.flush()
        return await super().recorded_before(before, limit)

    async def for_conversation(
        self, conversation_id: str, limit: int = 1000
    ) -> list[DecisionEntry]:
        await self.flush()
        return await super().for_conversation(conversation_id, limit)

    async def aclose(self) -> None:
        """Stop the background task (never mid-write), write what is queued, then close."""
        self._closed = True
        task, self._task = self._task, None
        try:
            if task is not None:
                async with self._flush_lock:
                    task.cancel()
                await asyncio.wait({task})
            try:
                await self.flush()
            except Exception as exc:
                log.error(
                    "decision_flush_on_close_failed",
                    error=type(exc).__name__,
                    lost=len(self._pending),
                )
        finally:
            await super().aclose()
