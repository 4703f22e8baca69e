"""The wait notice: an estimate from the real queue and the staff signed in (real Redis), or
"no one is available" with the alternatives, outside hours, or when a store is down."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from gateway_testing import (
    TEST_REDIS_URL,
    Client,
    FakeEngine,
    frames_until,
    free_port,
    redis_test_client,
)
from redis.asyncio import Redis

from channels import messages
from channels.keys import console_key, store_key
from channels.waiting import WaitNotice, estimate_minutes, items_ahead, live_chat_open
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueRequest
from triage.queue.redis_client import redis_client
from triage.queue.redis_queue import RedisOperatorQueue
from triage.settings import Settings
from triage.staff.ports import Role
from triage.staff.redis_presence import RedisPresence

OPEN_ALL_DAY = Settings(live_chat_open_hour=0, live_chat_close_hour=24)
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ALTERNATIVES = ("999", "101", messages.REPORT_ONLINE_URL)
Factory = Callable[[Settings], Awaitable[Client]]


@dataclass
class Stores:
    redis: Redis
    queue: RedisOperatorQueue
    presence: RedisPresence


@pytest.fixture
async def stores() -> AsyncIterator[Stores]:
    async with redis_test_client() as (client, prefix):
        yield Stores(
            client,
            RedisOperatorQueue(client, prefix),
            RedisPresence(client, prefix, window_seconds=60),
        )


def notice(stores: Stores, settings: Settings = OPEN_ALL_DAY) -> WaitNotice:
    return WaitNotice(stores.queue, lambda: stores.presence, settings, clock=lambda: NOON)


async def queue(stores: Stores, conversation_id: str, priority: Priority) -> None:
    await stores.queue.enqueue(
        QueueRequest(conversation_id, Channel.WEBCHAT, priority, "human_requested")
    )


def has_alternatives(text: str) -> bool:
    return all(part in text for part in ALTERNATIVES)


async def test_nobody_signed_in_says_so_with_the_alternatives(stores: Stores) -> None:
    await queue(stores, "web-1", Priority.P3)
    text = await notice(stores).text("web-1", Priority.P3)
    assert text == messages.nobody_available("Northshire Police")
    assert "No one" in text and has_alternatives(text)


async def test_two_operators_and_a_queue_ahead_give_an_estimate(stores: Stores) -> None:
    await stores.presence.heartbeat("op1", "Op One", Role.OPERATOR)
    await stores.presence.heartbeat("op2", "Op Two", Role.OPERATOR)
    for n in range(3):
        await queue(stores, f"web-ahead-{n}", Priority.P3)
    await queue(stores, "web-urgent", Priority.P2)  # more urgent: ahead too
    await queue(stores, "web-1", Priority.P3)
    await queue(stores, "web-later", Priority.P3)  # came after: not ahead
    await queue(stores, "web-routine", Priority.P4)  # less urgent: not ahead
    estimate = await notice(stores).estimate("web-1", Priority.P3)
    assert estimate is not None
    assert (estimate.online, estimate.ahead, estimate.busy) == (2, 4, 0)
    # Two free operators take two of the four; three more chats of 8 minutes shared by two.
    assert estimate.minutes == 15
    text = await notice(stores).text("web-1", Priority.P3)
    assert "in about 15 minutes" in text and has_alternatives(text)


async def test_nobody_ahead_and_someone_free_is_a_short_wait(stores: Stores) -> None:
    await stores.presence.heartbeat("op1", "Op One", Role.OPERATOR)
    await stores.presence.heartbeat("sup", "Sup", Role.SUPERVISOR)
    text = await notice(stores).text("web-1", Priority.P3)  # not queued yet: nothing ahead
    assert "in less than 5 minutes" in text and has_alternatives(text)


async def test_busy_operators_lengthen_the_wait(stores: Stores) -> None:
    await stores.presence.heartbeat("op1", "Op One", Role.OPERATOR)
    await queue(stores, "web-taken", Priority.P3)
    assert await stores.queue.claim_next("op1") is not None
    await queue(stores, "web-1", Priority.P3)
    estimate = await notice(stores).estimate("web-1", Priority.P3)
    assert estimate is not None and (estimate.ahead, estimate.busy) == (0, 1)
    assert estimate.minutes == 10  # one 8-minute chat to finish first


async def test_outside_hours_says_when_the_chat_is_open(stores: Stores) -> None:
    await stores.presence.heartbeat("op1", "Op One", Role.OPERATOR)
    settings = Settings(live_chat_open_hour=8, live_chat_close_hour=24)
    early = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 05:00 in London (GMT in November)
    text = await WaitNotice(
        stores.queue, lambda: stores.presence, settings, clock=lambda: early
    ).text("web-1", Priority.P3)
    assert "from 08:00 to midnight" in text and has_alternatives(text)


async def test_redis_down_still_gives_the_alternatives() -> None:
    dead = redis_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        wait = WaitNotice(
            RedisOperatorQueue(dead, "x:"),
            lambda: RedisPresence(dead, "x:", 60),
            OPEN_ALL_DAY,
            clock=lambda: NOON,
        )
        text = await wait.text("web-1", Priority.P3)
        clause = await wait.clause("web-1", Priority.P3)
    finally:
        await dead.aclose()
    assert text == messages.wait_unknown() and has_alternatives(text)
    assert clause == ""  # the engine-down message gives the alternatives itself


async def test_queue_down_with_staff_online_still_gives_the_alternatives(stores: Stores) -> None:
    await stores.presence.heartbeat("op1", "Op One", Role.OPERATOR)
    dead = redis_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        wait = WaitNotice(
            RedisOperatorQueue(dead, "x:"),
            lambda: stores.presence,
            OPEN_ALL_DAY,
            clock=lambda: NOON,
        )
        assert await wait.text("web-1", Priority.P3) == messages.wait_unknown()
    finally:
        await dead.aclose()


async def test_no_console_means_nobody_is_signed_in(stores: Stores) -> None:
    wait = WaitNotice(stores.queue, lambda: None, OPEN_ALL_DAY, clock=lambda: NOON)
    assert "No one" in await wait.text("web-1", Priority.P3)


def test_hours_in_the_force_time_zone() -> None:
    settings = Settings(live_chat_open_hour=8, live_chat_close_hour=24)
    summer_7_30_utc = datetime(2026, 7, 1, 7, 30, tzinfo=UTC)  # 08:30 BST
    winter_7_30_utc = datetime(2026, 1, 1, 7, 30, tzinfo=UTC)  # 07:30 GMT
    assert live_chat_open(settings, summer_7_30_utc)
    assert not live_chat_open(settings, winter_7_30_utc)
    overnight = Settings(live_chat_open_hour=20, live_chat_close_hour=6)
    assert live_chat_open(overnight, datetime(2026, 1, 1, 23, 0, tzinfo=UTC))
    assert not live_chat_open(overnight, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))


def test_estimate_arithmetic() -> None:
    assert estimate_minutes(online=3, ahead=2, busy=0, handling_seconds=480) == 0
    assert estimate_minutes(online=1, ahead=0, busy=1, handling_seconds=480) == 10
    assert estimate_minutes(online=2, ahead=5, busy=2, handling_seconds=480) == 25
    assert items_ahead([], "web-1", Priority.P1) == 0


# --- through the gateway: the bot asks for staff, the person hears how long ---------------
JOINING = "I have asked a member of our team to join this chat."
HANDOFF = {"custom": {"bluelamp": {"handoff": {"reason": "human_requested", "priority": "P3"}}}}


async def handoff_frames(client: Client) -> list[dict[str, Any]]:
    async with client.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_json({"type": "message", "id": "m1", "text": "can I talk to a person"})
        frames = await frames_until(ws, lambda f: f["type"] == "bot")
        frames += await frames_until(ws, lambda f: f["type"] == "bot")
    return [f for f in frames if f["type"] == "bot"]


async def test_gateway_tells_the_wait_after_the_bots_handoff_message(
    gateway_factory: Factory, make_settings: Callable[..., Settings], fake_engine: FakeEngine
) -> None:
    fake_engine.answer = [{"text": JOINING}, HANDOFF]
    client = await gateway_factory(make_settings(live_chat_open_hour=0, live_chat_close_hour=24))
    presence = client.app[console_key].presence
    await presence.heartbeat("op1", "Op One", Role.OPERATOR)
    await presence.heartbeat("op2", "Op Two", Role.OPERATOR)
    joining, notice = await handoff_frames(client)
    assert (joining["author"], joining["text"]) == ("bot", JOINING)
    assert notice["author"] == "system"
    assert notice["text"] == messages.wait_estimate(0)
    assert "in less than 5 minutes" in notice["text"]
    transcript = await client.app[store_key].transcript("web-1")
    assert [e.author for e in transcript] == ["person", "bot", "system"]


async def test_gateway_with_nobody_signed_in_gives_the_alternatives(
    gateway_factory: Factory, make_settings: Callable[..., Settings], fake_engine: FakeEngine
) -> None:
    fake_engine.answer = [{"text": JOINING}, HANDOFF]
    client = await gateway_factory(make_settings(live_chat_open_hour=0, live_chat_close_hour=24))
    _joining, notice = await handoff_frames(client)
    assert notice["text"] == messages.nobody_available("Northshire Police")


async def test_engine_down_says_the_wait_in_the_same_message(
    gateway_factory: Factory, make_settings: Callable[..., Settings], redis_prefix: str
) -> None:
    """Two operators signed in on another gateway (Redis presence) and one chat ahead."""
    settings = make_settings(
        rasa_url=f"http://127.0.0.1:{free_port()}",
        redis_url=TEST_REDIS_URL,
        redis_prefix=redis_prefix,
        live_chat_open_hour=0,
        live_chat_close_hour=24,
    )
    client = await gateway_factory(settings)
    other = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    try:
        presence = RedisPresence(other, redis_prefix, 60)
        await presence.heartbeat("op1", "Op One", Role.OPERATOR)
        await presence.heartbeat("op2", "Op Two", Role.OPERATOR)
    finally:
        await other.aclose()
    resp = await client.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "help"})
    [reply] = await resp.json()
    assert reply["text"] == messages.engine_unavailable(
        "Northshire Police",
        "A member of our contact centre team should join this chat in less than 5 minutes.",
    )
    assert has_alternatives(reply["text"])
