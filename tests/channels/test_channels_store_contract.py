"""Both conversation stores must behave the same: the gateway cannot tell them apart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from gateway_testing import redis_test_client

from channels.memory_store import MemoryConversationStore
from channels.redis_store import RedisConversationStore
from channels.store import Button, ConversationStore, TranscriptEntry


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[ConversationStore]:
    if request.param == "memory":
        yield MemoryConversationStore()
        return
    async with redis_test_client() as (client, prefix):
        yield RedisConversationStore(client, prefix=prefix)


async def test_mode_defaults_to_bot_and_can_be_changed(store: ConversationStore) -> None:
    assert await store.get_mode("c1") == "bot"
    await store.set_mode("c1", "human")
    assert await store.get_mode("c1") == "human"
    assert await store.get_mode("c2") == "bot"
    await store.set_mode("c1", "bot")
    assert await store.get_mode("c1") == "bot"


async def test_unknown_mode_is_rejected(store: ConversationStore) -> None:
    with pytest.raises(ValueError):
        await store.set_mode("c1", "robot")  # type: ignore[arg-type]
    assert await store.get_mode("c1") == "bot"


async def test_transcript_is_ordered_and_round_trips_every_field(store: ConversationStore) -> None:
    first = TranscriptEntry(
        direction="in", author="person", text="my bike was stolen £350 🚲", message_id="m1"
    )
    second = TranscriptEntry(
        direction="out",
        author="bot",
        text="Shall I send this report?",
        buttons=(Button("Yes, send it", "/affirm"), Button("Cancel", "/stop")),
    )
    third = TranscriptEntry(
        direction="in", author="person", text="/affirm", message_id="m2", label="Yes, send it"
    )
    for entry in (first, second, third):
        await store.append("c1", entry)
    assert await store.transcript("c1") == [first, second, third]
    assert await store.transcript("other") == []
    assert await store.transcript("c1", last=2) == [second, third]
    assert await store.transcript("c1", last=10) == [first, second, third]
    assert await store.transcript("c1", last=0) == []


async def test_transcripts_are_kept_per_conversation(store: ConversationStore) -> None:
    await store.append("a", TranscriptEntry(direction="in", author="person", text="for a"))
    await store.append("b", TranscriptEntry(direction="in", author="person", text="for b"))
    assert [e.text for e in await store.transcript("a")] == ["for a"]
    assert [e.text for e in await store.transcript("b")] == ["for b"]


async def test_message_id_is_claimed_once_per_conversation(store: ConversationStore) -> None:
    assert await store.claim_message_id("c1", "m1") is True
    assert await store.claim_message_id("c1", "m1") is False
    assert await store.claim_message_id("c2", "m1") is True


async def test_concurrent_claims_let_exactly_one_win(store: ConversationStore) -> None:
    results = await asyncio.gather(*(store.claim_message_id("c1", "m1") for _ in range(20)))
    assert results.count(True) == 1


async def test_resume_pending_is_taken_once_per_mark(store: ConversationStore) -> None:
    assert not await store.take_resume_pending("c1")
    await store.mark_resume_pending("c1")
    await store.mark_resume_pending("c1")  # marking twice still means one resume
    taken = await asyncio.gather(*(store.take_resume_pending("c1") for _ in range(5)))
    assert sorted(taken) == [False] * 4 + [True]
    assert not await store.take_resume_pending("c2")
