"""The session store contract, on memory and on Redis, with a clock moved by hand."""

from __future__ import annotations

import hashlib

import pytest
from redis.asyncio import Redis

from tests.triage_queue.support import closed_port_url
from triage.staff.ports import Role, SessionStore, StaffAccount, StaffUnavailable
from triage.staff.redis_sessions import RedisSessionStore

from .conftest import IDLE, MAX
from .support import Clock

ALICE = StaffAccount("alice", "Alice Smith", Role.SUPERVISOR)
BOB = StaffAccount("bob", "Bob Jones", Role.OPERATOR)


async def test_create_gives_a_session_that_touch_finds(
    sessions: SessionStore, clock: Clock
) -> None:
    created = await sessions.create(ALICE)
    assert (created.username, created.display_name, created.role) == (
        "alice",
        "Alice Smith",
        Role.SUPERVISOR,
    )
    assert created.created_at == created.last_seen == clock.now
    assert created.is_supervisor
    clock.advance(30)
    found = await sessions.touch(created.id)
    assert found is not None
    assert found.id == created.id
    assert found.csrf_token == created.csrf_token
    assert found.role is Role.SUPERVISOR
    assert found.created_at == created.created_at
    assert found.last_seen == clock.now


async def test_ids_and_csrf_tokens_are_long_random_and_distinct(sessions: SessionStore) -> None:
    made = [await sessions.create(BOB) for _ in range(20)]
    tokens = [s.id for s in made] + [s.csrf_token for s in made]
    assert len(set(tokens)) == len(tokens)
    # token_urlsafe(32): 32 random bytes, 43 URL-safe characters.
    assert all(len(token) >= 43 for token in tokens)
    assert all(
        set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for token in tokens
    )


async def test_unknown_and_guessed_ids_find_nothing(sessions: SessionStore) -> None:
    real = await sessions.create(ALICE)
    assert await sessions.touch("") is None
    assert await sessions.touch("not-a-session") is None
    assert await sessions.touch(real.id[:-1]) is None
    assert await sessions.touch(real.csrf_token) is None  # the CSRF token is not a key
    assert await sessions.touch("x" * 5000) is None
    assert await sessions.touch(real.id) is not None


async def test_touch_restarts_the_idle_timer(sessions: SessionStore, clock: Clock) -> None:
    session = await sessions.create(ALICE)
    for _ in range(5):
        clock.advance(IDLE - 1)
        assert await sessions.touch(session.id) is not None
    # Five idle periods have passed in all, but never one without a request.
    clock.advance(IDLE - 1)
    assert await sessions.touch(session.id) is not None


async def test_a_session_idle_too_long_ends_for_good(sessions: SessionStore, clock: Clock) -> None:
    session = await sessions.create(ALICE)
    clock.advance(IDLE)
    assert await sessions.touch(session.id) is None
    clock.now -= IDLE  # even if asked again at a time it would have been valid: it was deleted
    assert await sessions.touch(session.id) is None


async def test_a_busy_session_still_ends_at_its_absolute_lifetime(
    sessions: SessionStore, clock: Clock
) -> None:
    session = await sessions.create(BOB)
    while clock.now + IDLE / 2 < session.created_at + MAX:
        clock.advance(IDLE / 2)
        assert await sessions.touch(session.id) is not None
    clock.now = session.created_at + MAX
    assert await sessions.touch(session.id) is None


async def test_delete_ends_one_session(sessions: SessionStore) -> None:
    first = await sessions.create(ALICE)
    second = await sessions.create(ALICE)
    await sessions.delete(first.id)
    await sessions.delete(first.id)  # twice is harmless
    await sessions.delete("never-existed")
    assert await sessions.touch(first.id) is None
    assert await sessions.touch(second.id) is not None


async def test_delete_for_ends_every_session_of_one_account(sessions: SessionStore) -> None:
    alice = [await sessions.create(ALICE) for _ in range(3)]
    bob = await sessions.create(BOB)
    await sessions.delete(alice[0].id)
    assert await sessions.delete_for("alice") == 2
    assert [await sessions.touch(s.id) for s in alice] == [None, None, None]
    assert await sessions.touch(bob.id) is not None
    assert await sessions.delete_for("alice") == 0
    assert await sessions.delete_for("nobody") == 0
    again = await sessions.create(ALICE)  # signing in again afterwards works
    assert await sessions.touch(again.id) is not None


# --- Redis specifics ----------------------------------------------------------------------


async def test_redis_keeps_only_a_digest_of_the_session_id(
    redis: tuple[Redis, str], clock: Clock
) -> None:
    client, prefix = redis
    store = RedisSessionStore(client, prefix, IDLE, MAX, clock=clock)
    session = await store.create(ALICE)
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    dump = " ".join(keys)
    for key in keys:
        if await client.type(key) == "hash":
            dump += " ".join((await client.hgetall(key)).values())
        elif await client.type(key) == "set":
            dump += " ".join(await client.smembers(key))
    assert session.id not in dump
    assert hashlib.sha256(session.id.encode()).hexdigest() in dump


async def test_redis_session_key_expires_after_the_idle_time(
    redis: tuple[Redis, str], clock: Clock
) -> None:
    client, prefix = redis
    store = RedisSessionStore(client, prefix, IDLE, MAX, clock=clock)
    session = await store.create(ALICE)
    key = f"{prefix}staff:session:{hashlib.sha256(session.id.encode()).hexdigest()}"
    assert 0 < await client.pttl(key) <= IDLE * 1000
    # Near the end of its lifetime the key lives only until the absolute limit.
    clock.advance(MAX - 60)
    await client.hset(key, "last_seen", repr(clock.now))  # as if touched all along
    assert await store.touch(session.id) is not None
    assert 0 < await client.pttl(key) <= 60_000


async def test_redis_session_shared_between_two_gateways(
    redis: tuple[Redis, str], clock: Clock
) -> None:
    client, prefix = redis
    one = RedisSessionStore(client, prefix, IDLE, MAX, clock=clock)
    two = RedisSessionStore(client, prefix, IDLE, MAX, clock=clock)
    session = await one.create(BOB)
    assert await two.touch(session.id) == session
    assert await two.delete_for("bob") == 1
    assert await one.touch(session.id) is None


async def test_redis_down_is_staff_unavailable(clock: Clock) -> None:
    client = Redis.from_url(closed_port_url(), decode_responses=True, socket_connect_timeout=1)
    store = RedisSessionStore(client, "bluelamp-test:", IDLE, MAX, clock=clock)
    try:
        with pytest.raises(StaffUnavailable):
            await store.create(ALICE)
        with pytest.raises(StaffUnavailable):
            await store.touch("some-session-id")
        with pytest.raises(StaffUnavailable):
            await store.delete_for("alice")
    finally:
        await client.aclose()
