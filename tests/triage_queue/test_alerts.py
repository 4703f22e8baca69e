"""Alerts reach every subscriber at once; the Redis bus works across connections."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from triage.decisions import Channel, Flag, Priority, RiskFlag
from triage.queue.alerts import Alert, AlertBus
from triage.queue.ports import QueueUnavailable
from triage.queue.redis_alerts import RedisAlertBus

from .support import TEST_REDIS_URL, closed_port_url

WAIT = 3.0


def alert(conversation_id: str = "c1") -> Alert:
    return Alert(
        conversation_id=conversation_id,
        channel=Channel.WEBCHAT,
        priority=Priority.P1,
        summary="man with a [weapon] outside [address]",
        flags=(Flag(RiskFlag.WEAPON, "knife"), Flag(RiskFlag.IN_PROGRESS, "right now")),
        created_at=datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC),
    )


def test_alert_json_round_trip_and_shape() -> None:
    original = alert()
    payload = json.loads(original.to_json())
    assert set(payload) == {
        "id",
        "conversation_id",
        "channel",
        "priority",
        "flags",
        "summary",
        "created_at",
        "link",
        "author",
    }
    assert (payload["link"], payload["author"]) == (None, None)
    assert payload["flags"] == [
        {"flag": "weapon", "evidence": "knife"},
        {"flag": "in_progress", "evidence": "right now"},
    ]
    assert Alert.from_json(original.to_json()) == original
    assert alert().id != alert().id  # each alert has its own id


def social_alert() -> Alert:
    return replace(alert("x:post:1"), link="https://x.com/i/web/status/1", author="@jo_b")


def test_link_and_author_round_trip() -> None:
    original = social_alert()
    payload = json.loads(original.to_json())
    assert (payload["link"], payload["author"]) == ("https://x.com/i/web/status/1", "@jo_b")
    assert Alert.from_json(original.to_json()) == original


def test_payload_without_link_and_author_still_reads() -> None:
    """An alert published by a gateway that predates the two fields."""
    old = alert()
    payload = json.loads(old.to_json())
    del payload["link"], payload["author"]
    read = Alert.from_json(json.dumps(payload))
    assert (read.link, read.author) == (None, None)
    assert read == old


async def test_link_and_author_reach_subscribers(bus: AlertBus) -> None:
    async with bus.subscribe() as alerts:
        sent = social_alert()
        await bus.publish(sent)
        async with asyncio.timeout(WAIT):
            received = await anext(alerts)
    assert received == sent
    assert (received.link, received.author) == ("https://x.com/i/web/status/1", "@jo_b")


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "{}",
        '{"id": "x"}',
        json.dumps({**json.loads(alert().to_json()), "priority": "P9"}),
    ],
)
def test_malformed_payloads_are_refused(raw: str) -> None:
    with pytest.raises((ValueError, KeyError)):
        Alert.from_json(raw)


async def test_every_subscriber_receives_each_alert(bus: AlertBus) -> None:
    async with bus.subscribe() as first, bus.subscribe() as second:
        sent = alert()
        assert await bus.publish(sent) == 2
        async with asyncio.timeout(WAIT):
            assert await anext(first) == sent
            assert await anext(second) == sent


async def test_alerts_arrive_in_order(bus: AlertBus) -> None:
    async with bus.subscribe() as alerts:
        sent = [alert(f"c{n}") for n in range(20)]
        for item in sent:
            await bus.publish(item)
        async with asyncio.timeout(WAIT):
            received = [await anext(alerts) for _ in sent]
    assert received == sent


async def test_publish_with_nobody_listening_is_not_an_error(bus: AlertBus) -> None:
    assert await bus.publish(alert()) == 0


async def test_a_closed_subscription_stops_receiving(bus: AlertBus) -> None:
    subscription = bus.subscribe()
    await subscription.start()
    await subscription.aclose()
    assert await bus.publish(alert()) == 0


async def test_plain_async_for_subscribes_on_first_iteration(bus: AlertBus) -> None:
    received: list[Alert] = []

    async def listen() -> None:
        async for item in bus.subscribe():
            received.append(item)
            return

    task = asyncio.create_task(listen())
    sent = alert()
    async with asyncio.timeout(WAIT):
        while await bus.publish(sent) == 0:  # until the listener is subscribed
            await asyncio.sleep(0.01)
        await task
    assert received == [sent]


async def test_a_subscriber_on_another_connection_receives_the_alert(
    redis: tuple[Redis, str],
) -> None:
    _, prefix = redis
    publisher = RedisAlertBus.from_url(TEST_REDIS_URL, prefix)
    listener = RedisAlertBus.from_url(TEST_REDIS_URL, prefix)
    try:
        async with listener.subscribe() as alerts:
            sent = alert()
            assert await publisher.publish(sent) == 1
            async with asyncio.timeout(WAIT):
                assert await anext(alerts) == sent
    finally:
        await publisher.aclose()
        await listener.aclose()


async def test_redis_payload_is_json_on_the_prefixed_channel(redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    raw = client.pubsub()
    await raw.subscribe(f"{prefix}alerts")
    try:
        sent = alert()
        await RedisAlertBus(client, prefix).publish(sent)
        async with asyncio.timeout(WAIT):
            while (message := await raw.get_message(ignore_subscribe_messages=True)) is None:
                await asyncio.sleep(0.01)
        payload = json.loads(message["data"])
        assert payload["id"] == sent.id
        assert payload["priority"] == "P1"
        assert payload["conversation_id"] == "c1"
        assert payload["created_at"] == "2026-03-01T12:00:00.123000+00:00"
    finally:
        await raw.aclose()


async def test_malformed_messages_on_the_channel_are_skipped(redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    bus = RedisAlertBus(client, prefix)
    async with bus.subscribe() as alerts:
        await client.publish(f"{prefix}alerts", "not an alert")
        sent = alert()
        await bus.publish(sent)
        async with asyncio.timeout(WAIT):
            assert await anext(alerts) == sent


async def test_an_unreachable_redis_raises_queue_unavailable() -> None:
    bus = RedisAlertBus.from_url(closed_port_url(), "bluelamp-test:")
    started = time.monotonic()
    try:
        with pytest.raises(QueueUnavailable, match="publish"):
            await bus.publish(alert())
        with pytest.raises(QueueUnavailable, match="subscribe"):
            async with bus.subscribe():
                pass
    finally:
        await bus.aclose()
    assert time.monotonic() - started < 10
