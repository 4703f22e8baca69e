"""`channels.engine_turns`: one engine call at a time per conversation, across gateways.

Real Redis under a throwaway prefix (tests/triage_queue/support.py); two `EngineTurns` on
two clients stand for two gateways.
"""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from triage_queue.support import TEST_REDIS_URL, closed_port_url, redis_prefix

from channels.engine import EngineUnavailable
from channels.engine_turns import EngineTurns


async def test_two_gateways_never_hold_one_conversations_turn_together() -> None:
    async with redis_prefix() as (client, prefix):
        other = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
        gateways = [EngineTurns(client, prefix, 5.0), EngineTurns(other, prefix, 5.0)]
        timeline: list[str] = []

        async def call(n: int) -> None:
            async with gateways[n % 2].turn("conv-1", wait_seconds=5.0):
                timeline.append(f"in-{n}")
                await asyncio.sleep(0.05)
                timeline.append(f"out-{n}")

        try:
            await asyncio.gather(*(call(n) for n in range(6)))
        finally:
            await other.aclose()
        # Every call's "out" comes straight after its "in": no two overlapped.
        assert [e.split("-")[0] for e in timeline] == ["in", "out"] * 6
        assert all(timeline[i][3:] == timeline[i + 1][4:] for i in range(0, 12, 2))
        assert await client.exists(gateways[0].key("conv-1")) == 0  # released


async def test_other_conversations_are_not_held_up() -> None:
    async with redis_prefix() as (client, prefix):
        turns = EngineTurns(client, prefix, 5.0)
        async with (
            turns.turn("conv-a", wait_seconds=1.0),
            asyncio.timeout(0.5),
            turns.turn("conv-b", wait_seconds=0.1),
        ):
            pass


async def test_a_turn_held_too_long_makes_the_engine_unavailable_for_the_next() -> None:
    async with redis_prefix() as (client, prefix):
        turns = EngineTurns(client, prefix, 5.0)
        async with turns.turn("conv-1", wait_seconds=1.0):
            with pytest.raises(EngineUnavailable):
                async with turns.turn("conv-1", wait_seconds=0.2):
                    pass
        async with turns.turn("conv-1", wait_seconds=0.2):  # free again once released
            pass


async def test_a_dead_gateways_turn_expires_and_is_not_released_by_another() -> None:
    async with redis_prefix() as (client, prefix):
        dead = EngineTurns(client, prefix, 0.2)  # holds for 200 ms, never releases
        await client.set(dead.key("conv-1"), "dead-gateway", px=200)
        live = EngineTurns(client, prefix, 5.0)
        async with live.turn("conv-1", wait_seconds=2.0):
            token = await client.get(live.key("conv-1"))
            assert token != "dead-gateway"
            await client.set(live.key("conv-1"), "someone-else")  # as if it had expired
        assert await client.get(live.key("conv-1")) == "someone-else"  # not deleted


async def test_without_redis_the_call_goes_ahead() -> None:
    client = Redis.from_url(closed_port_url(), decode_responses=True, socket_connect_timeout=0.5)
    try:
        turns = EngineTurns(client, "bluelamp-test-none:", 5.0)
        ran = False
        async with turns.turn("conv-1", wait_seconds=0.5):
            ran = True
        assert ran
    finally:
        await client.aclose()
