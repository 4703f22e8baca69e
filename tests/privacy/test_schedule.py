"""The gateway's scheduled pass: of several gateways sharing Redis, one runs each pass."""

from __future__ import annotations

import asyncio

import pytest

from channels.privacy.schedule import RetentionSchedule
from triage.staff.ports import AuditAction, AuditQuery

from .support import World, days_ago, said


async def test_one_gateway_of_several_runs_the_pass(world: World) -> None:
    await world.store.append("old", said("hello", days_ago(40)))
    gateways = [
        RetentionSchedule(world.retention(), 3600, redis=world.redis, prefix=world.prefix)
        for _ in range(3)
    ]

    results = await asyncio.gather(*(g.tick() for g in gateways))

    ran = [r for r in results if r is not None]
    assert len(ran) == 1
    assert [c.conversation_id for c in ran[0].conversations] == ["old"]
    assert len(await world.audit.search(AuditQuery(action=AuditAction.ERASURE))) == 1
    ttl = await world.redis.ttl(gateways[0].lock_key)
    assert 0 < ttl <= 3600  # held until the next interval, then anyone may run it


async def test_without_redis_the_single_gateway_always_runs(world: World) -> None:
    schedule = RetentionSchedule(world.retention(), 3600)
    assert await schedule.tick() is not None
    assert await schedule.tick() is not None


async def test_the_loop_stops_when_asked(world: World) -> None:
    schedule = RetentionSchedule(world.retention(), 3600)
    stop = asyncio.Event()
    stop.set()
    await schedule.run(stop, first_delay=3600)  # returns at once, without a pass
    assert await world.audit.search(AuditQuery()) == []


def test_a_zero_interval_is_refused(world: World) -> None:
    with pytest.raises(ValueError):
        RetentionSchedule(world.retention(), 0)
