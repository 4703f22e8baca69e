"""The queue's and the decision log's retention methods on every adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.cases.support import postgres_schema_engine
from tests.triage_queue.support import Clock, redis_prefix
from triage.audit.buffered import BufferedSqlDecisionLog
from triage.audit.memory import InMemoryDecisionLog
from triage.audit.ports import DecisionLog
from triage.audit.sql_log import SqlDecisionLog
from triage.decisions import Category, Channel, Contact, Decision, Priority
from triage.queue.memory import InMemoryOperatorQueue
from triage.queue.ports import OperatorQueue, QueueRequest
from triage.queue.redis_queue import RedisOperatorQueue
from triage.routing.plan import RoutePlan

from .support import NOW, days_ago


@pytest.fixture(params=["memory", "redis"])
async def queue_and_clock(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[OperatorQueue, Clock]]:
    clock = Clock(days_ago(40))
    if request.param == "memory":
        yield InMemoryOperatorQueue(clock=clock), clock
        return
    async with redis_prefix() as (client, prefix):
        yield RedisOperatorQueue(client, prefix, clock=clock), clock


def ask(conversation_id: str, priority: Priority = Priority.P3) -> QueueRequest:
    return QueueRequest(conversation_id, Channel.WEBCHAT, priority, "requested", "summary")


async def test_old_open_items_are_found_and_removed_waiting_or_claimed(
    queue_and_clock: tuple[OperatorQueue, Clock],
) -> None:
    queue, clock = queue_and_clock
    waiting = await queue.enqueue(ask("old-waiting"))
    claimed = await queue.enqueue(ask("old-claimed", Priority.P1))
    await queue.claim(claimed.id, "op1")
    clock.now = NOW
    fresh = await queue.enqueue(ask("fresh"))

    old = await queue.list_enqueued_before(days_ago(30))
    assert [i.id for i in old] == [waiting.id, claimed.id]  # oldest first, not by priority

    removed = await queue.remove(claimed.id)
    assert removed is not None and removed.claimed_by == "op1"
    assert await queue.remove(claimed.id) is None
    assert await queue.get(claimed.id) is None
    assert await queue.item_for("old-claimed") is None
    assert await queue.list_claimed() == []
    await queue.remove(waiting.id)
    assert [i.id for i in await queue.list_waiting()] == [fresh.id]
    assert (await queue.item_for("fresh")) == fresh
    assert await queue.list_enqueued_before(days_ago(30)) == []
    # The conversation can be queued again afterwards, as a new item.
    again = await queue.enqueue(ask("old-waiting"))
    assert again.id != waiting.id


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        "buffered-sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
async def decision_log(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DecisionLog]:
    if request.param == "memory":
        yield InMemoryDecisionLog()
        return
    if request.param.endswith("sqlite"):
        kind = BufferedSqlDecisionLog if request.param.startswith("buffered") else SqlDecisionLog
        log = kind.from_url(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
        await log.create_schema()
        yield log
        await log.aclose()
        return
    async with postgres_schema_engine(request.getfixturevalue("postgres_url")) as engine:
        sql = SqlDecisionLog(engine)
        await sql.create_schema()
        yield sql


async def test_decisions_by_conversation_and_by_age(decision_log: DecisionLog) -> None:
    decision = Decision(Category.CRIME_REPORT, Priority.P3, 0.8)
    plan = RoutePlan(())
    for n, conversation in enumerate(["c1", "c2", "c1", None]):
        contact = Contact(f"m{n}", f"message {n} call 07700 900123", conversation_id=conversation)
        await decision_log.record(contact, decision, plan, "v1")

    mine = await decision_log.for_conversation("c1")
    assert [e.contact_id for e in mine] == ["m0", "m2"]
    assert "07700 900123" not in mine[0].redacted_text  # stored redacted, exported as stored

    everything = await decision_log.recorded_before(NOW.replace(year=2100))
    assert [r.conversation_id for r in everything] == ["c1", "c2", "c1", None]
    assert await decision_log.recorded_before(days_ago(3650)) == []

    assert await decision_log.erase([everything[0].id, everything[3].id]) == 2
    assert await decision_log.erase([everything[0].id]) == 0
    assert [e.contact_id for e in await decision_log.for_conversation("c1")] == ["m2"]
    left = await decision_log.recorded_before(NOW.replace(year=2100))
    assert [replace(r, created_at=NOW) for r in left] == [
        replace(everything[1], created_at=NOW),
        replace(everything[2], created_at=NOW),
    ]
