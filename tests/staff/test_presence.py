"""The presence contract, on memory and on Redis, with a clock moved by hand."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from tests.triage_queue.support import closed_port_url
from triage.staff.ports import OnlineStaff, Presence, Role, StaffUnavailable
from triage.staff.redis_presence import RedisPresence

from .conftest import WINDOW
from .support import Clock


async def test_nobody_is_online_at_first(presence: Presence) -> None:
    assert await presence.online() == []


async def test_heartbeats_list_staff_by_user_name(presence: Presence, clock: Clock) -> None:
    await presence.heartbeat("zoe", "Zoe Ward", Role.OPERATOR)
    clock.advance(5)
    await presence.heartbeat("adam", "Adam Ray", Role.SUPERVISOR)
    assert await presence.online() == [
        OnlineStaff("adam", "Adam Ray", Role.SUPERVISOR, clock.now),
        OnlineStaff("zoe", "Zoe Ward", Role.OPERATOR, clock.now - 5),
    ]


async def test_a_later_heartbeat_updates_last_seen_and_name(
    presence: Presence, clock: Clock
) -> None:
    await presence.heartbeat("zoe", "Zoe Ward", Role.OPERATOR)
    clock.advance(40)
    await presence.heartbeat("zoe", "Zoe Ward-Hill", Role.SUPERVISOR)
    assert await presence.online() == [
        OnlineStaff("zoe", "Zoe Ward-Hill", Role.SUPERVISOR, clock.now)
    ]


async def test_staff_not_heard_from_within_the_window_drop_out(
    presence: Presence, clock: Clock
) -> None:
    await presence.heartbeat("quiet", "Quiet One", Role.OPERATOR)
    clock.advance(30)
    await presence.heartbeat("busy", "Busy One", Role.OPERATOR)
    clock.advance(WINDOW - 30)  # quiet: exactly the window ago, still counts
    assert [s.username for s in await presence.online()] == ["busy", "quiet"]
    clock.advance(1)
    assert [s.username for s in await presence.online()] == ["busy"]
    clock.advance(WINDOW)
    assert await presence.online() == []
    # Once dropped, a heartbeat brings them straight back.
    await presence.heartbeat("quiet", "Quiet One", Role.OPERATOR)
    assert [s.username for s in await presence.online()] == ["quiet"]


async def test_leave_removes_only_that_person(presence: Presence) -> None:
    await presence.heartbeat("a1", "A One", Role.OPERATOR)
    await presence.heartbeat("b2", "B Two", Role.OPERATOR)
    await presence.leave("a1")
    await presence.leave("never-here")
    assert [s.username for s in await presence.online()] == ["b2"]


async def test_redis_presence_is_shared_between_gateways(
    redis: tuple[Redis, str], clock: Clock
) -> None:
    client, prefix = redis
    one = RedisPresence(client, prefix, WINDOW, clock=clock)
    two = RedisPresence(client, prefix, WINDOW, clock=clock)
    await one.heartbeat("op1", "Operator One", Role.OPERATOR)
    assert [s.username for s in await two.online()] == ["op1"]
    await two.leave("op1")
    assert await one.online() == []
    # Stale entries are removed from both keys, not just hidden.
    await one.heartbeat("op2", "Operator Two", Role.OPERATOR)
    clock.advance(WINDOW + 1)
    assert await two.online() == []
    assert await client.hgetall(f"{prefix}staff:presence:info") == {}
    assert await client.zcard(f"{prefix}staff:presence") == 0


async def test_redis_down_is_staff_unavailable(clock: Clock) -> None:
    client = Redis.from_url(closed_port_url(), decode_responses=True, socket_connect_timeout=1)
    presence = RedisPresence(client, "bluelamp-test:", WINDOW, clock=clock)
    try:
        with pytest.raises(StaffUnavailable):
            await presence.heartbeat("op1", "Operator One", Role.OPERATOR)
        with pytest.raises(StaffUnavailable):
            await presence.online()
    finally:
        await client.aclose()
