"""The retention pass over real Redis and SQL: only what is past its period goes, a dry run
changes nothing, every erasure is in the audit log without content, and a second pass is a
no-op. Cases keep their own rules and are not touched."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from channels.privacy.retention import ACTOR, Periods
from channels.x.state import RedisXState
from tests.cases.support import report
from triage.cases.models import ContactLog, HandoffRequestRecord, TriageDecisionRecord
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueRequest
from triage.staff.ports import AuditAction, AuditQuery

from .support import NOW, World, add_rows, contact_log, days_ago, decision, handoff, said

SECRETS = (
    "my bike was stolen from Station Road",
    "Jo Bloggs 07700 900123",
    "fraud on my card",
    "please call me back",
    "decision text",
    "summary text",
)


async def count(engine: AsyncEngine, model: type) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(model))).scalar() or 0
        )


async def seed(world: World) -> str:
    """Old and recent data of every kind; returns the old conversation's case reference."""
    store, queue, clock = world.store, world.queue, world.clock
    # Conversation "old": quiet 40 days, with an open queue item and a case.
    clock.now = days_ago(40)
    await store.append("old", said(SECRETS[0], days_ago(40)))
    await store.append("old", said(SECRETS[1], days_ago(40)))
    await store.remember_channel("old", "webchat")
    await store.claim_message_id("old", "m1")
    old_item = await queue.enqueue(
        QueueRequest("old", Channel.WEBCHAT, Priority.P3, "requested", SECRETS[5])
    )
    stale = await queue.enqueue(
        QueueRequest("stale", Channel.X, Priority.P2, "requested", SECRETS[5])
    )
    clock.now = days_ago(1)
    fresh = await queue.enqueue(
        QueueRequest("recent", Channel.WEBCHAT, Priority.P1, "emergency", "fresh")
    )
    clock.now = NOW
    assert old_item.id != stale.id != fresh.id
    # Conversation "recent": active yesterday.
    await store.append("recent", said("hello again", days_ago(1)))
    # Decisions, contact records and handoff requests, old and recent.
    await add_rows(
        world.engine,
        decision("old", SECRETS[4], days_ago(100)),
        decision("old", SECRETS[4], days_ago(95)),
        decision(None, SECRETS[4], days_ago(120)),
        decision("old", "recent decision", days_ago(10)),
        contact_log("old", SECRETS[2], days_ago(100)),
        contact_log("recent", "recent contact", days_ago(5)),
        handoff("old", SECRETS[3], days_ago(40)),
        handoff("recent", "recent handoff", days_ago(5)),
    )
    receipt = await world.cases.submit(report(conversation_id="old"))
    return receipt.reference


async def test_dry_run_reports_what_would_go_and_changes_nothing(world: World) -> None:
    await seed(world)
    redis_before = await world.redis_snapshot()

    result = await world.retention().run(dry_run=True)

    assert result.dry_run
    assert [c.conversation_id for c in result.conversations] == ["old"]
    assert result.conversations[0].footprint.transcript_entries == 2
    assert result.conversations[0].queue_item is not None
    assert {i.conversation_id for i in result.queue_items} == {"old", "stale"}
    assert result.rows_in("triage_decisions") == 3
    assert result.rows_in("contact_logs") == 1
    assert result.rows_in("handoff_requests") == 1
    assert await world.redis_snapshot() == redis_before
    assert await count(world.engine, TriageDecisionRecord) == 4
    assert await count(world.engine, ContactLog) == 2
    assert await count(world.engine, HandoffRequestRecord) == 2
    assert await world.audit.search(AuditQuery()) == []


async def test_retention_erases_only_what_is_past_its_period(world: World) -> None:
    reference = await seed(world)

    result = await world.retention().run()

    assert [c.conversation_id for c in result.conversations] == ["old"]
    assert await world.store.transcript("old") == []
    assert (await world.store.footprint("old")).empty
    assert await world.queue.item_for("old") is None
    assert await world.queue.item_for("stale") is None
    fresh = await world.queue.item_for("recent")
    assert fresh is not None and fresh.priority is Priority.P1
    assert [e.text for e in await world.store.transcript("recent")] == ["hello again"]

    assert [d.redacted_text for d in await world.decisions.for_conversation("old")] == [
        "recent decision"
    ]
    assert await count(world.engine, TriageDecisionRecord) == 1
    assert [r["summary"] for r in await world.records.rows_for("contact_logs", "old")] == []
    assert len(await world.records.rows_for("contact_logs", "recent")) == 1
    assert await world.records.rows_for("handoff_requests", "old") == []
    assert len(await world.records.rows_for("handoff_requests", "recent")) == 1

    # The case reported in the erased conversation keeps its own rules: untouched.
    case = await world.cases.get_case(reference)
    assert case is not None and case.reporter_name == "Jo Bloggs"


async def test_every_erasure_is_audited_with_ids_and_counts_only(world: World) -> None:
    await seed(world)
    await world.retention().run()

    entries = await world.audit.search(AuditQuery(action=AuditAction.ERASURE))
    assert entries and all(e.actor == ACTOR for e in entries)
    assert all(e.action.kind == "erasure" for e in entries)
    by_detail = {(e.conversation_id, (e.detail or "").split(":")[0].split("=")[0]) for e in entries}
    assert ("old", "conversation erased") in by_detail
    assert ("stale", "queue item erased") in by_detail
    assert ("old", "triage_decisions") in by_detail
    assert (None, "triage_decisions") in by_detail
    assert ("old", "contact_logs") in by_detail
    assert ("old", "handoff_requests") in by_detail
    conversation = next(e for e in entries if (e.detail or "").startswith("conversation"))
    assert "transcript=2" in (conversation.detail or "")
    assert conversation.item_id is not None
    decisions = next(
        e for e in entries if e.conversation_id == "old" and "decisions" in (e.detail or "")
    )
    assert decisions.detail == "triage_decisions=2"
    for entry in entries:
        stored = " ".join(str(v) for v in asdict(entry).values())
        for secret in (*SECRETS, "07700", "Bloggs", "Station Road"):
            assert secret not in stored, (secret, entry)


async def test_a_second_pass_is_a_no_op(world: World) -> None:
    await seed(world)
    await world.retention().run()
    audited = await world.audit.search(AuditQuery())
    redis_after = await world.redis_snapshot()

    again = await world.retention().run()

    assert again.nothing and not again.skipped
    assert await world.audit.search(AuditQuery()) == audited
    assert await world.redis_snapshot() == redis_after


async def test_periods_are_configurable(world: World) -> None:
    await seed(world)
    generous = Periods(conversation_days=60, queue_days=60, decision_days=365)
    assert (await world.retention(generous).run()).nothing
    strict = Periods(conversation_days=1, queue_days=1, decision_days=1)
    world.clock.now = NOW + timedelta(hours=1)  # "recent" is now just over a day quiet
    result = await world.retention(strict).run()
    assert {c.conversation_id for c in result.conversations} == {"old", "recent"}
    assert result.rows_in("triage_decisions") == 4
    assert await world.queue.list_waiting() == []


async def test_an_x_dm_conversation_loses_the_account_id_it_is_answered_on(
    world: World,
) -> None:
    state = RedisXState(world.redis, world.prefix)
    await state.mark("dmpeer:1234-5678", "5678")  # what the X intake keeps for operator replies
    await state.mark("dmpeer:9999-1111", "1111")
    await world.store.append("x-dm-1234-5678", said("hello", days_ago(40)))
    await world.store.append("x-dm-9999-1111", said("hello", days_ago(1)))
    job = world.retention()
    job.x_state = state

    result = await job.run()

    [erased] = result.conversations
    assert (erased.conversation_id, erased.x_dm_peer) == ("x-dm-1234-5678", True)
    assert await state.get("dmpeer:1234-5678") is None
    assert await state.get("dmpeer:9999-1111") == "1111"
    [entry] = await world.audit.search(AuditQuery(action=AuditAction.ERASURE))
    assert "x_dm_peer=1" in (entry.detail or "") and "5678" not in (entry.detail or "")
