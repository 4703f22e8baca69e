"""What the fault suite (tests/faults) found, pinned down without the real stack: an engine
that answers with nothing, a resend whose first write half failed, and alerts and queue items
that meet a Redis outage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway_testing import Client, FakeEngine, free_port, settle
from test_channels_rest import assert_fallback_and_queued, post

from channels.keys import back_office_key, service_key
from triage.decisions import Priority
from triage.queue.alerts import Alert
from triage.queue.ports import QueueItem, QueueRequest, QueueUnavailable
from triage.settings import Settings

Factory = Callable[[Settings], Any]
P1_TEXT = "there is a man with a knife outside my house right now"


async def test_an_empty_engine_reply_gives_advice_and_queues_for_staff(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    """Rasa answers 200 and nothing when a custom action fails (the action server is down)."""
    fake_engine.answer = []
    status, replies = await post(gateway, {"sender": "s1", "message": "please help"})
    assert status == 200
    await assert_fallback_and_queued(gateway, "s1", replies)


async def test_a_resend_whose_first_write_half_failed_is_taken(gateway: Client) -> None:
    """The id was claimed but the store died before the append: the resend is not a duplicate."""
    service = gateway.app[service_key]
    assert await service.store.claim_message_id("c1", "m1")  # the first try got this far
    assert await service.record_inbound("c1", "webchat", "m1", "hello")
    assert not await service.record_inbound("c1", "webchat", "m1", "hello")  # a real resend
    entries = await service.store.transcript("c1")
    assert [(e.message_id, e.text) for e in entries] == [("m1", "hello")]


async def test_alert_and_queue_item_are_retried_after_an_outage(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    """A P1 whose alert and queue item meet a queue outage still reaches staff, and a
    conversation queued because the engine is down is queued once the queue is back."""
    client = await gateway_factory(make_settings(rasa_url=f"http://127.0.0.1:{free_port()}"))
    office = client.app[back_office_key]
    publish, enqueue = office.alerts.publish, office.queue.enqueue
    failures = {"alert": 2, "enqueue": 3}

    async def flaky_publish(alert: Alert) -> int:
        if failures["alert"]:
            failures["alert"] -= 1
            raise QueueUnavailable("Redis unavailable during publish alert")
        receivers: int = await publish(alert)
        return receivers

    async def flaky_enqueue(request: QueueRequest) -> QueueItem:
        if failures["enqueue"]:
            failures["enqueue"] -= 1
            raise QueueUnavailable("Redis unavailable during enqueue")
        return await enqueue(request)

    office.alerts.publish = flaky_publish  # type: ignore[method-assign]
    office.queue.enqueue = flaky_enqueue  # type: ignore[method-assign]
    async with office.alerts.subscribe() as alerts:
        status, _ = await post(client, {"sender": "p1", "message": P1_TEXT})
        assert status == 200
        status, _ = await post(client, {"sender": "p3", "message": "please help"})
        assert status == 200
        await settle(client)
        alert = await alerts.__anext__()
    assert (alert.conversation_id, alert.priority) == ("p1", Priority.P1)
    waiting = {item.conversation_id: item for item in await office.queue.list_waiting()}
    assert set(waiting) == {"p1", "p3"}
    assert waiting["p1"].priority is Priority.P1
    assert waiting["p3"].reason == "engine_unavailable"
    assert failures == {"alert": 0, "enqueue": 0}
