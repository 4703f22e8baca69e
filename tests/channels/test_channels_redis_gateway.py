"""With Settings.redis_url the gateway keeps conversations and the operator queue in Redis,
shared by every gateway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway_testing import TEST_REDIS_URL, frames_until, free_port, settle
from redis.asyncio import Redis

from channels.keys import back_office_key, store_key
from channels.redis_store import RedisConversationStore
from triage.settings import Settings

Factory = Callable[[Settings], Any]


async def test_second_gateway_sees_the_first_ones_transcript_and_queue(
    gateway_factory: Factory, make_settings: Callable[..., Settings], redis_prefix: str
) -> None:
    settings = make_settings(
        redis_url=TEST_REDIS_URL,
        redis_prefix=redis_prefix,
        rasa_url=f"http://127.0.0.1:{free_port()}",
    )
    first = await gateway_factory(settings)
    second = await gateway_factory(settings)
    assert isinstance(first.app[store_key], RedisConversationStore)

    resp = await first.post("/webhooks/rest/webhook", json={"sender": "s1", "message": "help"})
    assert resp.status == 200

    async with second.ws_connect("/ws?conversation=s1") as ws:
        await ws.send_json({"type": "history"})
        [frame] = await frames_until(ws, lambda f: f["type"] == "history")
    assert [m["author"] for m in frame["messages"]] == ["person", "system"]

    await settle(first)
    [item] = await second.app[back_office_key].queue.list_waiting()
    assert (item.conversation_id, item.reason) == ("s1", "engine_unavailable")

    raw = Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    try:
        assert await raw.zcard(f"{redis_prefix}queue:waiting") == 1
        assert await raw.llen(f"{redis_prefix}conv:s1:transcript") == 2
    finally:
        await raw.aclose()
