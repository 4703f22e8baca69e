"""Supervisors reassign queue items: both queues behave the same, and a reassign never
duplicates an item or loses its waiting time."""

from __future__ import annotations

import asyncio

from triage.decisions import Priority
from triage.queue.ports import OperatorQueue

from .support import T0, Clock
from .test_queue_contract import request, waiting_ids


async def test_reassign_a_waiting_item_gives_it_to_the_operator(
    queue: OperatorQueue, clock: Clock
) -> None:
    await queue.enqueue(request("first"))
    item = await queue.enqueue(request("second"))
    clock.advance(45)
    moved = await queue.reassign(item.id, "op-2")
    assert moved is not None
    assert (moved.claimed_by, moved.claimed_at) == ("op-2", clock.now)
    assert moved.enqueued_at == T0
    assert await waiting_ids(queue) == ["first"]
    assert await queue.list_claimed() == [moved]
    assert await queue.get(item.id) == moved


async def test_reassign_a_claimed_item_changes_the_holder_only(
    queue: OperatorQueue, clock: Clock
) -> None:
    item = await queue.enqueue(request("c1", Priority.P2))
    await queue.claim(item.id, "op-1")
    clock.advance(60)
    moved = await queue.reassign(item.id, "op-2")
    assert moved is not None
    assert moved.claimed_by == "op-2" and moved.claimed_at == clock.now
    assert (moved.enqueued_at, moved.priority) == (item.enqueued_at, Priority.P2)
    assert await queue.list_waiting() == []
    assert [i.claimed_by for i in await queue.list_claimed()] == ["op-2"]
    # The old holder has lost it; the new one can release it with its waiting time.
    assert await queue.release(item.id, "op-1") is None
    assert not await queue.complete(item.id, "op-1")
    released = await queue.release(item.id, "op-2")
    assert released is not None and released.enqueued_at == T0
    assert await waiting_ids(queue) == ["c1"]


async def test_reassign_of_a_gone_item_is_none_and_changes_nothing(
    queue: OperatorQueue,
) -> None:
    item = await queue.enqueue(request("c1"))
    await queue.claim(item.id, "op-1")
    assert await queue.complete(item.id, "op-1")
    assert await queue.reassign(item.id, "op-2") is None
    assert await queue.reassign("q-unknown", "op-2") is None
    assert await queue.get(item.id) is None
    assert await queue.list_claimed() == []
    assert await queue.list_waiting() == []


async def test_reassign_racing_claims_leaves_exactly_one_holder(queue: OperatorQueue) -> None:
    item = await queue.enqueue(request("c1"))
    results = await asyncio.gather(
        queue.reassign(item.id, "op-sup"), *(queue.claim(item.id, f"op-{n}") for n in range(10))
    )
    assert results[0] is not None  # a reassign always takes effect on an open item
    current = await queue.get(item.id)
    assert current is not None and current.claimed_by is not None
    assert len(await queue.list_claimed()) == 1
    assert await queue.list_waiting() == []
