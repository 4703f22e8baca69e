"""Both operator queues behave the same: the gateway and console cannot tell them apart."""

from __future__ import annotations

import asyncio

from triage.decisions import Channel, Flag, Priority, RiskFlag
from triage.queue.ports import OperatorQueue, QueueRequest

from .support import T0, Clock

KNIFE = Flag(RiskFlag.WEAPON, "knife")
CHILD = Flag(RiskFlag.VULNERABLE, "my son")


def request(
    conversation_id: str,
    priority: Priority = Priority.P3,
    reason: str = "human_requested",
    summary: str = "wants a person",
    flags: tuple[Flag, ...] = (),
    channel: Channel = Channel.WEBCHAT,
) -> QueueRequest:
    return QueueRequest(conversation_id, channel, priority, reason, summary, flags)


async def waiting_ids(queue: OperatorQueue) -> list[str]:
    return [item.conversation_id for item in await queue.list_waiting()]


async def test_enqueue_returns_a_waiting_item_with_every_field(
    queue: OperatorQueue, clock: Clock
) -> None:
    item = await queue.enqueue(
        request("c1", Priority.P2, "urgent_risk", "[name] has a knife", (KNIFE,), Channel.X)
    )
    assert item.id
    assert (item.conversation_id, item.channel, item.priority) == ("c1", Channel.X, Priority.P2)
    assert (item.reason, item.summary, item.flags) == (
        "urgent_risk",
        "[name] has a knife",
        (KNIFE,),
    )
    assert item.enqueued_at == T0
    assert item.claimed_by is None and item.claimed_at is None and item.waiting
    assert await queue.get(item.id) == item


async def test_order_is_priority_first_then_longest_waiting(
    queue: OperatorQueue, clock: Clock
) -> None:
    await queue.enqueue(request("p3-old", Priority.P3))
    clock.advance(1)
    await queue.enqueue(request("p4", Priority.P4))
    clock.advance(1)
    await queue.enqueue(request("p2", Priority.P2))
    clock.advance(1)
    await queue.enqueue(request("p3-new", Priority.P3))
    clock.advance(1)
    await queue.enqueue(request("p1", Priority.P1))
    assert await waiting_ids(queue) == ["p1", "p2", "p3-old", "p3-new", "p4"]
    taken = [await queue.claim_next("op") for _ in range(5)]
    assert [item.conversation_id for item in taken if item] == [
        "p1",
        "p2",
        "p3-old",
        "p3-new",
        "p4",
    ]
    assert await queue.claim_next("op") is None


async def test_equal_priority_and_time_is_first_come_first_served(queue: OperatorQueue) -> None:
    for name in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"):
        await queue.enqueue(request(name))  # the clock does not move
    assert await waiting_ids(queue) == list("abcdefghijk")


async def test_re_enqueue_never_duplicates_and_raises_priority_keeping_waiting_time(
    queue: OperatorQueue, clock: Clock
) -> None:
    first = await queue.enqueue(request("c1", Priority.P3, "human_requested", "first", (CHILD,)))
    clock.advance(10)
    await queue.enqueue(request("other", Priority.P2))
    clock.advance(10)
    raised = await queue.enqueue(request("c1", Priority.P2, "urgent_risk", "second", (KNIFE,)))
    assert raised.id == first.id
    assert raised.priority is Priority.P2
    assert (raised.reason, raised.summary) == ("urgent_risk", "second")
    assert raised.flags == (CHILD, KNIFE)
    assert raised.enqueued_at == T0  # still waiting since the first request
    assert await waiting_ids(queue) == ["c1", "other"]  # older than "other" at the same priority
    assert len(await queue.list_waiting()) == 2


async def test_re_enqueue_with_lower_priority_keeps_priority_and_reason_but_merges_flags(
    queue: OperatorQueue, clock: Clock
) -> None:
    first = await queue.enqueue(request("c1", Priority.P2, "urgent_risk", "first", (KNIFE,)))
    clock.advance(5)
    again = await queue.enqueue(
        request("c1", Priority.P4, "repeated_fallback", "second", (KNIFE, CHILD))
    )
    assert again.id == first.id
    assert (again.priority, again.reason, again.summary) == (Priority.P2, "urgent_risk", "first")
    assert again.flags == (KNIFE, CHILD)
    assert again.enqueued_at == first.enqueued_at


async def test_re_enqueue_of_a_claimed_conversation_updates_it_and_keeps_it_claimed(
    queue: OperatorQueue,
) -> None:
    first = await queue.enqueue(request("c1", Priority.P3))
    claimed = await queue.claim(first.id, "op-1")
    assert claimed is not None
    again = await queue.enqueue(request("c1", Priority.P1, "emergency"))
    assert again.id == first.id and again.claimed_by == "op-1"
    assert again.priority is Priority.P1
    assert await queue.list_waiting() == []
    assert [item.priority for item in await queue.list_claimed()] == [Priority.P1]


async def test_claim_takes_a_waiting_item_once(queue: OperatorQueue, clock: Clock) -> None:
    item = await queue.enqueue(request("c1"))
    clock.advance(30)
    claimed = await queue.claim(item.id, "op-1")
    assert claimed is not None
    assert (claimed.claimed_by, claimed.claimed_at) == ("op-1", clock.now)
    assert await queue.claim(item.id, "op-2") is None
    assert await queue.claim(item.id, "op-1") is None
    assert await queue.claim("no-such-item", "op-1") is None
    assert await queue.list_waiting() == []
    assert await queue.list_claimed() == [claimed]
    assert await queue.get(item.id) == claimed


async def test_release_hands_back_with_the_original_waiting_time(
    queue: OperatorQueue, clock: Clock
) -> None:
    older = await queue.enqueue(request("older"))
    clock.advance(1)
    await queue.enqueue(request("newer"))
    taken = await queue.claim_next("op-1")
    assert taken is not None and taken.id == older.id
    clock.advance(60)
    assert await queue.release(older.id, "op-2") is None  # only the holder may release
    released = await queue.release(older.id, "op-1")
    assert released is not None
    assert released.waiting and released.claimed_at is None
    assert released.enqueued_at == older.enqueued_at
    assert await waiting_ids(queue) == ["older", "newer"]
    assert await queue.list_claimed() == []
    assert await queue.release(older.id, "op-1") is None  # not claimed any more


async def test_complete_closes_the_item_and_frees_the_conversation(
    queue: OperatorQueue, clock: Clock
) -> None:
    item = await queue.enqueue(request("c1", Priority.P2))
    assert not await queue.complete(item.id, "op-1")  # waiting, not held by anyone
    await queue.claim(item.id, "op-1")
    assert not await queue.complete(item.id, "op-2")
    assert await queue.complete(item.id, "op-1")
    assert await queue.get(item.id) is None
    assert await queue.list_claimed() == []
    assert not await queue.complete(item.id, "op-1")
    clock.advance(100)
    again = await queue.enqueue(request("c1", Priority.P3))
    assert again.id != item.id
    assert again.enqueued_at == clock.now and again.priority is Priority.P3


async def test_list_waiting_respects_limit(queue: OperatorQueue, clock: Clock) -> None:
    for n in range(5):
        await queue.enqueue(request(f"c{n}"))
        clock.advance(1)
    assert [i.conversation_id for i in await queue.list_waiting(limit=2)] == ["c0", "c1"]
    assert await queue.list_waiting(limit=0) == []


async def test_list_claimed_is_longest_held_first(queue: OperatorQueue, clock: Clock) -> None:
    a = await queue.enqueue(request("a", Priority.P1))
    b = await queue.enqueue(request("b", Priority.P4))
    await queue.claim(b.id, "op-b")
    clock.advance(1)
    await queue.claim(a.id, "op-a")
    assert [(i.conversation_id, i.claimed_by) for i in await queue.list_claimed()] == [
        ("b", "op-b"),
        ("a", "op-a"),
    ]


async def test_concurrent_claims_of_one_item_let_exactly_one_operator_win(
    queue: OperatorQueue,
) -> None:
    item = await queue.enqueue(request("c1"))
    results = await asyncio.gather(*(queue.claim(item.id, f"op-{n}") for n in range(25)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert (await queue.get(item.id)) == winners[0]


async def test_summary_and_flags_round_trip_unicode(queue: OperatorQueue) -> None:
    flag = Flag(RiskFlag.HATE, '“abuse” — 😡 / \\ "quoted"')
    item = await queue.enqueue(request("c1", summary='Ça va? 🚲 £350 "x"', flags=(flag,)))
    stored = await queue.get(item.id)
    assert stored is not None
    assert stored.summary == 'Ça va? 🚲 £350 "x"'
    assert stored.flags == (flag,)


LINK = "https://x.com/i/web/status/1900000000001"


async def test_link_and_author_are_stored_and_default_to_none(queue: OperatorQueue) -> None:
    social = await queue.enqueue(
        QueueRequest("x:post:1", Channel.X, Priority.P1, "emergency", "s", (), LINK, "@jo_b")
    )
    chat = await queue.enqueue(request("c1"))
    assert (social.link, social.author) == (LINK, "@jo_b")
    assert (chat.link, chat.author) == (None, None)
    assert await queue.get(social.id) == social
    assert await queue.get(chat.id) == chat
    claimed = await queue.claim_next("op")
    assert claimed is not None and (claimed.link, claimed.author) == (LINK, "@jo_b")
    released = await queue.release(social.id, "op")
    assert released is not None and (released.link, released.author) == (LINK, "@jo_b")
    assert [(i.link, i.author) for i in await queue.list_waiting()] == [
        (LINK, "@jo_b"),
        (None, None),
    ]
    wire = social.as_json()
    assert (wire["link"], wire["author"]) == (LINK, "@jo_b")
    assert (chat.as_json()["link"], chat.as_json()["author"]) == (None, None)


async def test_re_enqueue_fills_a_missing_link_and_author_but_keeps_the_first(
    queue: OperatorQueue,
) -> None:
    first = await queue.enqueue(request("c1", Priority.P3))
    filled = await queue.enqueue(
        QueueRequest("c1", Channel.X, Priority.P4, "repeated_fallback", "", (), LINK, "@jo_b")
    )
    assert filled.id == first.id and (filled.link, filled.author) == (LINK, "@jo_b")
    again = await queue.enqueue(
        QueueRequest("c1", Channel.X, Priority.P1, "emergency", "", (), "https://other", "@x")
    )
    assert again.priority is Priority.P1 and (again.link, again.author) == (LINK, "@jo_b")
    plain = await queue.enqueue(request("c1", Priority.P1))  # without: nothing is cleared
    assert (plain.link, plain.author) == (LINK, "@jo_b")
    assert await queue.get(first.id) == plain
