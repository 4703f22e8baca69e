"""What only the Redis queue must prove: atomic claims across connections, durability,
key prefixes, and a clear error when Redis is down."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from triage.decisions import Channel, Flag, Priority, RiskFlag
from triage.queue.ports import QueueItem, QueueRequest, QueueUnavailable
from triage.queue.redis_queue import RANK_WEIGHT, RedisOperatorQueue

from .support import TEST_REDIS_URL, Clock, closed_port_url

CONNECTIONS = 6
CLAIMERS = 24
ITEMS = 60


def request(conversation_id: str, priority: Priority = Priority.P3) -> QueueRequest:
    return QueueRequest(conversation_id, Channel.WEBCHAT, priority, "human_requested", "summary")


async def test_many_operators_on_many_connections_never_take_the_same_item(
    redis: tuple[Redis, str],
) -> None:
    _, prefix = redis
    queues = [RedisOperatorQueue.from_url(TEST_REDIS_URL, prefix) for _ in range(CONNECTIONS)]
    try:
        await asyncio.gather(*(queues[0].enqueue(request(f"c{n}")) for n in range(ITEMS)))
        start = asyncio.Event()

        async def operator(number: int) -> list[QueueItem]:
            queue = queues[number % CONNECTIONS]
            taken: list[QueueItem] = []
            await start.wait()
            while (item := await queue.claim_next(f"op-{number}")) is not None:
                taken.append(item)
            return taken

        tasks = [asyncio.create_task(operator(n)) for n in range(CLAIMERS)]
        await asyncio.sleep(0)
        start.set()
        results = await asyncio.gather(*tasks)
        taken = [item for batch in results for item in batch]
        ids = Counter(item.id for item in taken)
        assert len(ids) == ITEMS and set(ids.values()) == {1}
        assert sum(1 for batch in results if batch) > 1  # the work really was shared
        claimed = await queues[1].list_claimed()
        assert {item.id: item.claimed_by for item in claimed} == {
            item.id: item.claimed_by for item in taken
        }
        assert await queues[2].list_waiting() == []
    finally:
        for queue in queues:
            await queue.aclose()


async def test_one_item_claimed_from_many_connections_has_exactly_one_winner(
    redis: tuple[Redis, str],
) -> None:
    _, prefix = redis
    queues = [RedisOperatorQueue.from_url(TEST_REDIS_URL, prefix) for _ in range(CONNECTIONS)]
    try:
        for round_number in range(10):
            item = await queues[0].enqueue(request(f"c{round_number}"))
            results = await asyncio.gather(
                *(queues[n % CONNECTIONS].claim(item.id, f"op-{n}") for n in range(CLAIMERS))
            )
            winners = [result for result in results if result is not None]
            assert len(winners) == 1
            stored = await queues[3].get(item.id)
            assert stored is not None and stored.claimed_by == winners[0].claimed_by
    finally:
        for queue in queues:
            await queue.aclose()


async def test_items_survive_a_restart(redis: tuple[Redis, str]) -> None:
    _, prefix = redis
    clock = Clock()
    before = RedisOperatorQueue.from_url(TEST_REDIS_URL, prefix, clock=clock)
    flag = Flag(RiskFlag.VULNERABLE, "my gran")
    waiting = await before.enqueue(
        QueueRequest("c1", Channel.X, Priority.P2, "urgent_risk", "[name] fell", (flag,))
    )
    clock.advance(5)
    held = await before.enqueue(request("c2", Priority.P1))
    held = await before.claim(held.id, "op-1")  # type: ignore[assignment]
    await before.aclose()

    after = RedisOperatorQueue.from_url(TEST_REDIS_URL, prefix, clock=clock)
    try:
        assert await after.list_waiting() == [waiting]
        assert await after.list_claimed() == [held]
        again = await after.enqueue(request("c1", Priority.P4))
        assert again.id == waiting.id  # still one item per conversation after the restart
        assert await after.claim_next("op-2") == await after.get(waiting.id)
        fresh = await after.enqueue(request("c3"))
        assert fresh.id not in {waiting.id, held.id}  # ids keep counting across restarts
    finally:
        await after.aclose()


async def test_prefixes_keep_deployments_apart(redis: tuple[Redis, str]) -> None:
    client, prefix = redis
    one = RedisOperatorQueue(client, f"{prefix}one:")
    two = RedisOperatorQueue(client, f"{prefix}two:")
    await one.enqueue(request("c1"))
    assert await two.list_waiting() == []
    assert await two.claim_next("op") is None
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    assert keys and all(key.startswith(f"{prefix}one:") for key in keys)


async def waiting_scores(client: Redis, prefix: str) -> dict[str, float]:
    pairs: list[tuple[str, float]] = await client.zrange(  # type: ignore[assignment]
        f"{prefix}queue:waiting", 0, -1, withscores=True
    )
    return dict(pairs)


async def test_scores_order_by_rank_then_enqueue_time_exactly(
    redis: tuple[Redis, str],
) -> None:
    client, prefix = redis
    clock = Clock()
    queue = RedisOperatorQueue(client, prefix, clock=clock)
    p4 = await queue.enqueue(request("p4", Priority.P4))
    clock.advance(0.001)
    p4_later = await queue.enqueue(request("p4-later", Priority.P4))
    scores = await waiting_scores(client, prefix)
    t0_ms = int(p4.enqueued_at.timestamp() * 1000)
    assert scores[p4.id] == 4 * RANK_WEIGHT + t0_ms  # exact, no rounding at P4
    assert scores[p4_later.id] == scores[p4.id] + 1  # one millisecond apart, still distinct
    raised = await queue.enqueue(request("p4", Priority.P1))
    scores = await waiting_scores(client, prefix)
    assert scores[raised.id] == 1 * RANK_WEIGHT + t0_ms


async def test_items_written_by_a_client_without_decoding_read_back(
    redis: tuple[Redis, str],
) -> None:
    _, prefix = redis
    raw_client = Redis.from_url(TEST_REDIS_URL)  # bytes responses
    queue = RedisOperatorQueue(raw_client, prefix)
    try:
        item = await queue.enqueue(request("c1"))
        assert await queue.list_waiting() == [item]
        assert await queue.claim_next("op") == await queue.get(item.id)
    finally:
        await raw_client.aclose()


async def test_items_stored_before_link_and_author_existed_read_back_with_none(
    redis: tuple[Redis, str],
) -> None:
    client, prefix = redis
    queue = RedisOperatorQueue(client, prefix)
    item = await queue.enqueue(request("c1"))
    key = f"{prefix}queue:item:{item.id}"
    # Unset fields are not written at all, so this hash is exactly what the version before
    # link/author stored: reading and updating it proves those items still work.
    assert set(await client.hkeys(key)) == {
        "id",
        "conversation_id",
        "channel",
        "priority",
        "rank",
        "reason",
        "summary",
        "flags",
        "enqueued_ms",
        "enqueued_at",
    }
    stored = await queue.get(item.id)
    assert stored is not None and (stored.link, stored.author) == (None, None)
    assert stored == item
    updated = await queue.enqueue(
        QueueRequest("c1", Channel.X, Priority.P2, "urgent_risk", "", (), "https://x.com/1", "@a")
    )
    assert (updated.id, updated.link, updated.author) == (item.id, "https://x.com/1", "@a")
    assert await client.hget(key, "link") == "https://x.com/1"
    claimed = await queue.claim_next("op")
    assert claimed is not None and claimed.link == "https://x.com/1"


Operation = Callable[[RedisOperatorQueue], Awaitable[Any]]
OPERATIONS: dict[str, Operation] = {
    "enqueue": lambda q: q.enqueue(request("c1")),
    "claim_next": lambda q: q.claim_next("op"),
    "claim": lambda q: q.claim("q000000000001", "op"),
    "release": lambda q: q.release("q000000000001", "op"),
    "complete": lambda q: q.complete("q000000000001", "op"),
    "list_waiting": lambda q: q.list_waiting(),
    "list_claimed": lambda q: q.list_claimed(),
    "get": lambda q: q.get("q000000000001"),
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
async def test_an_unreachable_redis_raises_queue_unavailable_quickly(name: str) -> None:
    queue = RedisOperatorQueue.from_url(closed_port_url(), "bluelamp-test:")
    started = time.monotonic()
    try:
        with pytest.raises(QueueUnavailable, match=name) as caught:
            await OPERATIONS[name](queue)
    finally:
        await queue.aclose()
    assert time.monotonic() - started < 5
    assert caught.value.__cause__ is not None  # the Redis error is kept for the logs
