"""The conversation store's retention methods, the same on both adapters: activity index,
atomic erasure that spares a conversation active again, and indexing older data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from channels.memory_store import MemoryConversationStore
from channels.redis_store import RedisConversationStore
from channels.store import ConversationStore, Footprint
from tests.triage_queue.support import Clock, redis_prefix

from .support import NOW, days_ago, said


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[ConversationStore]:
    clock = Clock(NOW)
    if request.param == "memory":
        yield MemoryConversationStore(clock=clock)
        return
    async with redis_prefix() as (client, prefix):
        yield RedisConversationStore(client, prefix, clock=clock)


async def test_quiet_conversations_are_listed_quietest_first(store: ConversationStore) -> None:
    await store.append("old", said("hello", days_ago(40)))
    await store.append("older", said("hi", days_ago(50)))
    await store.append("recent", said("hey", days_ago(2)))
    await store.append("revived", said("first", days_ago(45)))
    await store.append("revived", said("back again", days_ago(1)))
    assert await store.list_inactive(days_ago(30)) == ["older", "old"]
    assert await store.list_inactive(days_ago(30), limit=1) == ["older"]
    assert await store.list_inactive(days_ago(60)) == []


async def test_every_write_counts_as_activity(store: ConversationStore) -> None:
    """Seen ids, channel, mode and resume flag move the last activity to the clock's now."""
    for name in ("seen", "channel", "mode", "resume"):
        await store.append(name, said("hello", days_ago(40)))
    await store.claim_message_id("seen", "m9")
    await store.remember_channel("channel", "webchat")
    await store.set_mode("mode", "human")
    await store.mark_resume_pending("resume")
    assert await store.list_inactive(days_ago(30)) == []
    assert (await store.footprint("mode")).last_activity == NOW


async def test_an_older_entry_never_moves_activity_back(store: ConversationStore) -> None:
    await store.append("c1", said("new", days_ago(1)))
    await store.append("c1", said("replayed old", days_ago(40)))
    assert await store.list_inactive(days_ago(30)) == []


async def test_erase_removes_everything_and_says_how_much(store: ConversationStore) -> None:
    await store.append("c1", said("my bike was stolen", days_ago(40)))
    await store.append("c1", said("sorry to hear that", days_ago(40), author="bot"))
    await store.claim_message_id("c1", "m1")
    await store.remember_channel("c1", "webchat")
    await store.set_mode("c1", "human")
    await store.mark_resume_pending("c1")
    await store.append("c2", said("other person", days_ago(40)))

    erased = await store.erase("c1")

    assert erased == Footprint(2, 1, True, True, True, NOW)
    assert await store.footprint("c1") == Footprint()
    assert await store.transcript("c1") == []
    assert await store.channel_of("c1") is None
    assert await store.get_mode("c1") == "bot"
    assert not await store.take_resume_pending("c1")
    assert await store.claim_message_id("c1", "m1")  # forgotten, so new again
    assert [e.text for e in await store.transcript("c2")] == ["other person"]


async def test_erase_if_quiet_spares_a_conversation_active_again(
    store: ConversationStore,
) -> None:
    """Listed as quiet, then the person writes: the erasure must not take the new message."""
    await store.append("c1", said("hello", days_ago(40)))
    assert await store.list_inactive(days_ago(30)) == ["c1"]
    await store.append("c1", said("are you there?", NOW))

    assert await store.erase("c1", inactive_before=days_ago(30)) is None
    assert [e.text for e in await store.transcript("c1")] == ["hello", "are you there?"]

    await store.append("c2", said("hello", days_ago(40)))
    erased = await store.erase("c2", inactive_before=days_ago(30))
    assert erased is not None and erased.transcript_entries == 1
    assert await store.list_inactive(days_ago(30)) == []


async def test_erasing_an_unknown_conversation_erases_nothing(store: ConversationStore) -> None:
    erased = await store.erase("nobody")
    assert erased is not None and erased.empty


async def test_seen_ids_are_exported_sorted(store: ConversationStore) -> None:
    for message_id in ("m2", "m1", "m3"):
        await store.claim_message_id("c1", message_id)
    assert await store.seen_message_ids("c1") == ["m1", "m2", "m3"]


async def test_redis_erasure_leaves_no_key_behind() -> None:
    async with redis_prefix() as (client, prefix):
        store = RedisConversationStore(client, prefix, clock=Clock(NOW))
        await store.append("x:post:1", said("hello", days_ago(40)))
        await store.claim_message_id("x:post:1", "m1")
        await store.set_mode("x:post:1", "human")
        await store.erase("x:post:1")
        assert [key async for key in client.scan_iter(match=f"{prefix}*")] == []


async def test_conversations_stored_before_the_index_are_indexed_by_last_entry() -> None:
    async with redis_prefix() as (client, prefix):
        store = RedisConversationStore(client, prefix, clock=Clock(NOW))
        old = said("written by an older gateway", days_ago(40)).to_json()
        await client.rpush(f"{prefix}conv:x:post:7:transcript", json.dumps(old))
        await client.sadd(f"{prefix}conv:seen-only:seen", "m1")
        await store.append("indexed", said("hi", days_ago(35)))

        assert await store.index_unlisted() == 2
        assert await store.index_unlisted() == 0  # already there
        assert await store.list_inactive(days_ago(30)) == ["x:post:7", "indexed"]
        assert (await store.footprint("seen-only")).last_activity == NOW
