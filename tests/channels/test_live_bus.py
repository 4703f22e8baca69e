"""The live bus contract, for the in-process bus and for Redis pub/sub (real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from gateway_testing import TEST_REDIS_URL, TcpProxy, redis_test_client

from channels.live.memory import MemoryLiveBus
from channels.live.ports import LiveBus, LiveEvent
from channels.live.redis_bus import RedisLiveBus
from triage.queue.redis_client import redis_client

BusFactory = Callable[[], Awaitable[LiveBus]]


@pytest.fixture(params=["memory", "redis"])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[BusFactory]:
    """Buses that share one backend (two gateways on one Redis; one process in memory)."""
    buses: list[LiveBus] = []
    if request.param == "memory":
        shared = MemoryLiveBus()

        async def memory() -> LiveBus:
            return shared

        yield memory
        await shared.aclose()
        return
    async with redis_test_client() as (_client, prefix):

        async def redis() -> LiveBus:
            bus = RedisLiveBus(redis_client(TEST_REDIS_URL), prefix, owns_client=True)
            buses.append(bus)
            return bus

        yield redis
        for bus in buses:
            await bus.aclose()


def message(cid: str, n: int, origin: str | None = None) -> LiveEvent:
    return LiveEvent(cid, "message", {"text": f"m{n}", "n": n}, origin=origin)


async def take(events: AsyncIterator[LiveEvent], count: int) -> list[LiveEvent]:
    got: list[LiveEvent] = []
    async with asyncio.timeout(5):
        async for event in events:
            got.append(event)
            if len(got) == count:
                return got
    return got


async def nothing_more(events: AsyncIterator[LiveEvent], seconds: float = 0.3) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await anext(events)
    except TimeoutError:
        return True
    return False


async def test_events_arrive_in_order_with_their_fields(make_bus: BusFactory) -> None:
    bus = await make_bus()
    async with bus.subscribe("c-1") as events:
        for n in range(20):
            await bus.publish(message("c-1", n, origin="sock-1" if n == 0 else None))
        got = await take(events, 20)
    assert [e.data["n"] for e in got] == list(range(20))
    assert got[0] == LiveEvent("c-1", "message", {"text": "m0", "n": 0}, origin="sock-1")


async def test_every_subscriber_gets_every_event(make_bus: BusFactory) -> None:
    bus = await make_bus()
    async with bus.subscribe("c-1") as first, bus.subscribe("c-1") as second:
        await bus.publish(LiveEvent("c-1", "typing", {"author": "operator", "active": True}))
        await bus.publish(LiveEvent("c-1", "mode", {"mode": "human", "by": "op1"}))
        a, b = await take(first, 2), await take(second, 2)
    assert a == b
    assert [e.kind for e in a] == ["typing", "mode"]


async def test_one_conversation_or_all(make_bus: BusFactory) -> None:
    bus = await make_bus()
    async with bus.subscribe("c-1") as one, bus.subscribe(None) as every:
        await bus.publish(message("c-2", 1))
        await bus.publish(message("c-1", 2))
        await bus.publish(message("c-3", 3))
        all_events = await take(every, 3)
        only = await take(one, 1)
        assert await nothing_more(one)
        assert await nothing_more(every)  # once each, though both subscriptions match c-1
    assert [(e.conversation_id, e.data["n"]) for e in all_events] == [
        ("c-2", 1),
        ("c-1", 2),
        ("c-3", 3),
    ]
    assert [(e.conversation_id, e.data["n"]) for e in only] == [("c-1", 2)]


async def test_closed_subscription_stops_and_others_continue(make_bus: BusFactory) -> None:
    bus = await make_bus()
    async with bus.subscribe("c-1") as kept:
        async with bus.subscribe("c-1") as gone:
            await bus.publish(message("c-1", 1))
            assert [e.data["n"] for e in await take(gone, 1)] == [1]
        await bus.publish(message("c-1", 2))
        assert [e.data["n"] for e in await take(kept, 2)] == [1, 2]
    # Subscribing again after everyone left works.
    async with bus.subscribe("c-1") as again:
        await bus.publish(message("c-1", 3))
        assert [e.data["n"] for e in await take(again, 1)] == [3]


async def test_two_gateways_share_events(make_bus: BusFactory) -> None:
    """A widget on one gateway hears what an operator's gateway published, and vice versa."""
    gateway_a, gateway_b = await make_bus(), await make_bus()
    async with gateway_a.subscribe("c-9") as on_a, gateway_b.subscribe(None) as on_b:
        await gateway_b.publish(message("c-9", 1))
        await gateway_a.publish(message("c-9", 2))
        assert [e.data["n"] for e in await take(on_a, 2)] == [1, 2]
        assert [e.data["n"] for e in await take(on_b, 2)] == [1, 2]


async def test_redis_channels_are_under_the_prefix() -> None:
    async with redis_test_client() as (client, prefix):
        bus = RedisLiveBus(client, prefix)
        pubsub: Any = client.pubsub()
        await pubsub.psubscribe(f"{prefix}live:*")
        await bus.publish(message("c-5", 5))
        async with asyncio.timeout(5):
            while (msg := await pubsub.get_message(timeout=1.0)) is None or msg[
                "type"
            ] != "pmessage":
                pass
        await pubsub.aclose()
        await bus.aclose()
    assert msg["channel"] == f"{prefix}live:c-5"
    assert '"kind":"message"' in msg["data"]


async def test_redis_outage_publish_is_quiet_and_subscriptions_recover() -> None:
    async with redis_test_client() as (_client, prefix):
        proxy = TcpProxy(TEST_REDIS_URL)
        await proxy.start()
        bus = RedisLiveBus(redis_client(proxy.url), prefix, owns_client=True)
        direct = RedisLiveBus(redis_client(TEST_REDIS_URL), prefix, owns_client=True)
        try:
            async with bus.subscribe("c-1") as events:
                await direct.publish(message("c-1", 1))
                assert [e.data["n"] for e in await take(events, 1)] == [1]
                await proxy.stop()
                await bus.publish(message("c-1", 2))  # logged, not raised
                await proxy.start()
                # The reader reconnects and subscribes again; keep publishing until heard.
                async with asyncio.timeout(15):
                    while True:
                        await direct.publish(message("c-1", 3))
                        try:
                            async with asyncio.timeout(0.5):
                                event = await anext(events)
                        except TimeoutError:
                            continue
                        break
                assert event.data["n"] == 3
        finally:
            await bus.aclose()
            await direct.aclose()
            await proxy.stop()
