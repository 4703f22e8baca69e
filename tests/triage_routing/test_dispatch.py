"""The back office carries out a plan: alert at once, queue, record; an outage in one step
does not stop the others and is reported, not raised."""

from __future__ import annotations

import asyncio
from pathlib import Path

from triage_queue.support import closed_port, closed_port_url

from triage.audit.memory import InMemoryDecisionLog
from triage.audit.sql_log import SqlDecisionLog
from triage.decisions import Category, Channel, Contact, Decision, Flag, Priority, RiskFlag
from triage.queue.alerts import InMemoryAlertBus
from triage.queue.memory import InMemoryOperatorQueue
from triage.queue.redis_alerts import RedisAlertBus
from triage.queue.redis_queue import RedisOperatorQueue
from triage.routing import RouteContext, route
from triage.routing.dispatch import BackOffice

PHONE = "07700 900123"
KNIFE = Flag(RiskFlag.WEAPON, "knife")
EMERGENCY = Decision(Category.EMERGENCY, Priority.P1, 0.9, flags=(KNIFE,))
URGENT = Decision(Category.CRIME_REPORT, Priority.P2, 0.8, flags=(KNIFE,))
ROUTINE = Decision(Category.ENQUIRY, Priority.P3, 0.95)


def contact(text: str = f"he has a knife, call me on {PHONE}") -> Contact:
    return Contact(id="m1", text=text, channel=Channel.WEBCHAT, conversation_id="conv-1")


def in_memory() -> BackOffice:
    return BackOffice(InMemoryOperatorQueue(), InMemoryAlertBus(), InMemoryDecisionLog(), "v7")


async def test_emergency_alerts_queues_at_p1_and_records_all_redacted() -> None:
    office = in_memory()
    async with office.alerts.subscribe() as alerts:
        done = await office.dispatch(contact(), EMERGENCY, route(EMERGENCY, RouteContext()))
        async with asyncio.timeout(1):
            alert = await anext(alerts)
    assert done.failures == ()
    assert done.alert_receivers == 1
    assert (alert.conversation_id, alert.priority, alert.flags) == ("conv-1", Priority.P1, (KNIFE,))
    assert alert.summary == "he has a knife, call me on [phone]"
    item = done.queue_item
    assert item is not None and (item.priority, item.reason) == (Priority.P1, "emergency")
    assert item.summary == alert.summary and item.flags == (KNIFE,)
    assert await office.queue.list_waiting() == [item]  # kept even though only one console saw it
    assert done.entry is not None and done.entry.model_version == "v7"
    assert PHONE not in done.entry.redacted_text
    assert await office.decisions.recent() == [done.entry]


async def test_emergency_is_queued_even_when_nobody_listens() -> None:
    office = in_memory()
    done = await office.dispatch(contact(), EMERGENCY, route(EMERGENCY, RouteContext()))
    assert done.alert_receivers == 0
    assert [i.priority for i in await office.queue.list_waiting()] == [Priority.P1]


async def test_urgent_is_queued_without_an_alert() -> None:
    office = in_memory()
    async with office.alerts.subscribe():
        done = await office.dispatch(contact(), URGENT, route(URGENT, RouteContext()))
    assert done.alert_receivers is None
    assert done.queue_item is not None and done.queue_item.priority is Priority.P2
    assert done.queue_item.reason == "urgent_risk"


async def test_routine_message_is_only_recorded() -> None:
    office = in_memory()
    done = await office.dispatch(contact("opening hours?"), ROUTINE, route(ROUTINE, RouteContext()))
    assert (done.alert_receivers, done.queue_item, done.failures) == (None, None, ())
    assert await office.queue.list_waiting() == []
    assert [e.redacted_text for e in await office.decisions.recent()] == ["opening hours?"]


async def test_a_public_post_is_queued_under_its_own_id() -> None:
    office = in_memory()
    post = Contact(id="x:99", text="help, knife", channel=Channel.X, public=True)
    plan = route(EMERGENCY, RouteContext(channel=Channel.X, public=True))
    done = await office.dispatch(post, EMERGENCY, plan)
    assert done.queue_item is not None and done.queue_item.conversation_id == "x:99"
    assert done.queue_item.channel is Channel.X


async def test_link_and_author_go_on_the_alert_and_the_item() -> None:
    office = in_memory()
    post = Contact(id="x:7", text="help, knife", channel=Channel.X, public=True)
    plan = route(EMERGENCY, RouteContext(channel=Channel.X, public=True))
    link = "https://x.com/i/web/status/7"
    async with office.alerts.subscribe() as alerts:
        done = await office.dispatch(post, EMERGENCY, plan, link=link, author="@jo_b")
        async with asyncio.timeout(1):
            alert = await anext(alerts)
    assert (alert.link, alert.author) == (link, "@jo_b")
    assert done.queue_item is not None
    assert (done.queue_item.link, done.queue_item.author) == (link, "@jo_b")


async def test_web_chat_has_no_link_or_author() -> None:
    office = in_memory()
    async with office.alerts.subscribe() as alerts:
        done = await office.dispatch(contact(), EMERGENCY, route(EMERGENCY, RouteContext()))
        async with asyncio.timeout(1):
            alert = await anext(alerts)
    assert (alert.link, alert.author) == (None, None)
    assert done.queue_item is not None
    assert (done.queue_item.link, done.queue_item.author) == (None, None)


async def test_redis_down_still_records_and_reports_what_failed(tmp_path: Path) -> None:
    url = closed_port_url()
    decisions = SqlDecisionLog.from_url(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    await decisions.create_schema()
    office = BackOffice(
        RedisOperatorQueue.from_url(url), RedisAlertBus.from_url(url), decisions, "v7"
    )
    try:
        done = await office.dispatch(contact(), EMERGENCY, route(EMERGENCY, RouteContext()))
        assert done.failures == ("alert_operators", "queue_for_operator")
        assert done.queue_item is None and done.alert_receivers is None
        assert done.entry is not None
        assert await decisions.recent() == [done.entry]
    finally:
        await office.aclose()


async def test_database_down_still_alerts_and_queues() -> None:
    down = f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/test"
    office = BackOffice(
        InMemoryOperatorQueue(), InMemoryAlertBus(), SqlDecisionLog.from_url(down), "v7"
    )
    try:
        async with office.alerts.subscribe() as alerts:
            done = await office.dispatch(contact(), EMERGENCY, route(EMERGENCY, RouteContext()))
            async with asyncio.timeout(1):
                assert (await anext(alerts)).priority is Priority.P1
        assert done.failures == ("record",)
        assert done.queue_item is not None and done.entry is None
    finally:
        await office.aclose()
