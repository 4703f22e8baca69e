"""The buffered decision log: ``record`` only queues; one background task writes a batch per
transaction; reads and a clean shutdown flush first; a failed write is retried, not lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from triage.audit.buffered import BufferedSqlDecisionLog
from triage.cases.models import TriageDecisionRecord
from triage.decisions import Category, Channel, Contact, Decision, Priority
from triage.routing import RouteContext, route

ROUTINE = Decision(Category.ENQUIRY, Priority.P3, 0.95)
PLAN = route(ROUTINE, RouteContext())
PHONE = "07700 900123"


def contact(n: int) -> Contact:
    return Contact(f"m{n}", f"opening hours? call {PHONE}", Channel.WEBCHAT, conversation_id="c1")


async def stored(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(TriageDecisionRecord))
    return int(count or 0)


async def until(check: Callable[[], Any], timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.01)


def count_commits(engine: AsyncEngine) -> list[int]:
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _conn: commits.append(1))
    return commits


async def with_schema(engine: AsyncEngine, **kwargs: Any) -> BufferedSqlDecisionLog:
    log = BufferedSqlDecisionLog(engine, **kwargs)
    await log.create_schema()
    return log


async def test_a_batch_is_written_when_full_in_one_transaction(sql_engine: AsyncEngine) -> None:
    log = await with_schema(sql_engine, flush_interval=60, batch_size=100)
    commits = count_commits(sql_engine)
    try:
        for n in range(99):
            entry = await log.record(contact(n), ROUTINE, PLAN, "v1")
        assert entry.id == 0  # not written yet
        await asyncio.sleep(0.1)
        assert (log.pending, await stored(sql_engine), commits) == (99, 0, [])
        await log.record(contact(99), ROUTINE, PLAN, "v1")  # the 100th: written at once
        await until(lambda: asyncio.sleep(0, log.pending == 0))
        assert (await stored(sql_engine), len(commits)) == (100, 1)
    finally:
        await log.aclose()


async def test_a_backlog_is_written_a_batch_per_transaction(sql_engine: AsyncEngine) -> None:
    log = await with_schema(sql_engine, flush_interval=60, batch_size=100)
    commits = count_commits(sql_engine)
    try:
        for n in range(250):  # no await suspends here, so the writer sees all 250 at once
            await log.record(contact(n), ROUTINE, PLAN, "v1")
        await until(lambda: asyncio.sleep(0, log.pending == 0))
        assert (await stored(sql_engine), len(commits)) == (250, 3)
        newest = await log.recent(250)
        assert [e.contact_id for e in newest] == [f"m{n}" for n in reversed(range(250))]
    finally:
        await log.aclose()


async def test_a_part_batch_is_written_after_the_interval(sql_engine: AsyncEngine) -> None:
    log = await with_schema(sql_engine, flush_interval=0.05)
    try:
        await log.record(contact(1), ROUTINE, PLAN, "v1")
        await until(lambda: stored(sql_engine))
        assert log.pending == 0
    finally:
        await log.aclose()


async def test_recent_sees_decisions_not_yet_written(sql_engine: AsyncEngine) -> None:
    log = await with_schema(sql_engine, flush_interval=60)
    try:
        for n in range(3):
            await log.record(contact(n), ROUTINE, PLAN, "v1")
        assert log.pending == 3
        recent = await log.recent()
        assert [e.contact_id for e in recent] == ["m2", "m1", "m0"]
        assert all(e.id > 0 for e in recent)
        assert PHONE not in recent[0].redacted_text
        assert log.pending == 0
    finally:
        await log.aclose()


async def test_close_writes_what_is_queued(sql_engine: AsyncEngine) -> None:
    log = await with_schema(sql_engine, flush_interval=60)
    for n in range(5):
        await log.record(contact(n), ROUTINE, PLAN, "v1")
    await log.aclose()
    assert await stored(sql_engine) == 5


async def test_a_failed_write_keeps_its_rows_for_the_next_attempt(sql_engine: AsyncEngine) -> None:
    log = BufferedSqlDecisionLog(sql_engine, flush_interval=0.02)  # no table yet: writes fail
    try:
        with structlog.testing.capture_logs() as logs:
            for n in range(3):
                await log.record(contact(n), ROUTINE, PLAN, "v1")
            await until(
                lambda: asyncio.sleep(0, any(e["event"] == "decision_flush_failed" for e in logs))
            )
        assert log.pending == 3
        assert PHONE not in repr(logs) and "opening hours" not in repr(logs)
        await log.create_schema()  # the database is back
        await until(lambda: asyncio.sleep(0, log.pending == 0), timeout=5)
        assert [e.contact_id for e in await log.recent()] == ["m2", "m1", "m0"]
    finally:
        await log.aclose()


async def test_a_full_buffer_drops_new_decisions_and_says_how_many(
    sql_engine: AsyncEngine,
) -> None:
    log = BufferedSqlDecisionLog(sql_engine, flush_interval=60, max_buffered=2)
    try:
        with structlog.testing.capture_logs() as logs:
            for n in range(3):
                await log.record(contact(n), ROUTINE, PLAN, "v1")
        assert (log.pending, log.dropped) == (2, 1)
        [full] = [e for e in logs if e["event"] == "decision_buffer_full"]
        assert full["dropped"] == 1
        assert PHONE not in repr(logs) and "opening hours" not in repr(logs)
        await log.create_schema()
        assert [e.contact_id for e in await log.recent()] == ["m1", "m0"]
    finally:
        await log.aclose()


async def test_a_decision_recorded_after_close_is_written_directly(
    sql_engine: AsyncEngine,
) -> None:
    log = await with_schema(sql_engine, flush_interval=60)
    await log.aclose()
    entry = await log.record(contact(1), ROUTINE, PLAN, "v1")
    assert entry.id > 0 and log.pending == 0
    await log.aclose()
    assert await stored(sql_engine) == 1
