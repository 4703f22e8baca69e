"""The web chat socket: ack, typing, replies, history, resends, limits and engine failures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
import structlog
from gateway_testing import (
    TEST_REDIS_URL,
    Client,
    FakeEngine,
    TcpProxy,
    frames_until,
    free_port,
    no_frame_within,
    settle,
)

from channels.ip_limits import ip_limiter_key
from channels.keys import back_office_key, store_key
from triage.settings import Settings

Factory = Callable[[Settings], Any]


def is_bot(frame: dict[str, Any]) -> bool:
    return frame["type"] == "bot"


async def message_and_replies(
    ws: aiohttp.ClientWebSocketResponse, message_id: str, text: str, replies: int = 2
) -> list[dict[str, Any]]:
    await ws.send_json({"type": "message", "id": message_id, "text": text})
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(3):
        while sum(map(is_bot, frames)) < replies:
            frames.append(await ws.receive_json())
    return frames


async def test_message_is_acked_then_answered_with_typing_in_between(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        frames = await message_and_replies(ws, "m1", "hello")
    assert frames[0] == {"type": "ack", "id": "m1", "duplicate": False}
    kinds = [f["type"] for f in frames]
    assert kinds.index("typing") < kinds.index("bot")
    assert frames[kinds.index("typing")]["active"] is True
    # The end of typing says how many replies of this turn follow it, and exactly they do.
    [done] = [i for i, f in enumerate(frames) if f["type"] == "typing" and not f["active"]]
    assert frames[done]["replies"] == 2
    assert [f["type"] for f in frames[done + 1 :]] == ["bot", "bot"]
    bots = [f for f in frames if is_bot(f)]
    assert bots[0]["text"] == "Echo: hello"
    assert bots[0]["buttons"] == []
    assert bots[0]["emergency"] is False
    assert bots[1]["buttons"] == [
        {"title": "Yes, send it", "payload": "/affirm"},
        {"title": "Cancel", "payload": "/stop"},
    ]
    assert all(b["ts"] for b in bots)
    [sent] = fake_engine.requests
    assert sent["sender"] == "web-1"
    assert sent["message"] == "hello"
    assert sent["metadata"]["channel"] == "webchat"
    assert sent["metadata"]["message_id"] == "m1"


async def test_history_returns_the_transcript_with_ids_and_labels(gateway: Client) -> None:
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await message_and_replies(ws, "m1", "hello")
        await ws.send_json({"type": "message", "id": "m2", "text": "/affirm", "label": "Yes"})
        await frames_until(ws, lambda f: is_bot(f) and "Shall" in f["text"])
    # A new socket (a page reload) gets the same transcript back.
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_json({"type": "history"})
        [frame] = await frames_until(ws, lambda f: f["type"] == "history")
    rows = [(m["direction"], m["author"], m["text"]) for m in frame["messages"]]
    assert rows == [
        ("in", "person", "hello"),
        ("out", "bot", "Echo: hello"),
        ("out", "bot", "Shall I send this report?"),
        ("in", "person", "/affirm"),
        ("out", "bot", "Echo: /affirm"),
        ("out", "bot", "Shall I send this report?"),
    ]
    assert frame["messages"][0]["message_id"] == "m1"
    assert frame["messages"][3]["label"] == "Yes"
    assert frame["messages"][2]["buttons"][0] == {"title": "Yes, send it", "payload": "/affirm"}


async def test_history_of_another_conversation_is_not_shown(gateway: Client) -> None:
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await message_and_replies(ws, "m1", "private words")
    async with gateway.ws_connect("/ws?conversation=web-2") as ws:
        await ws.send_json({"type": "history"})
        [frame] = await frames_until(ws, lambda f: f["type"] == "history")
    assert frame["messages"] == []


async def test_resent_message_is_acked_again_but_processed_once(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await message_and_replies(ws, "m1", "hello")
        await ws.send_json({"type": "message", "id": "m1", "text": "hello"})
        [ack] = await frames_until(ws, lambda f: f["type"] == "ack")
        assert ack == {"type": "ack", "id": "m1", "duplicate": True}
        assert await no_frame_within(ws, 0.3)
    assert len(fake_engine.requests) == 1
    transcript = await gateway.app[store_key].transcript("web-1")
    assert [e.text for e in transcript if e.direction == "in"] == ["hello"]


async def test_eleventh_message_within_ten_seconds_is_refused_politely(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        for n in range(11):
            await ws.send_json({"type": "message", "id": f"m{n}", "text": f"spam {n}"})
        frames = await frames_until(ws, lambda f: f["type"] == "error")
        [error] = [f for f in frames if f["type"] == "error"]
        assert error["id"] == "m10"
        assert error["code"] == "rate_limited"
        assert "wait a few seconds" in error["error"] and "999" in error["error"]
        assert 0 < error["retry_after"] <= 10
        await frames_until(ws, lambda f: is_bot(f) and f["text"] == "Echo: spam 9", timeout=5)
    transcript = await gateway.app[store_key].transcript("web-1")
    texts = [e.text for e in transcript if e.direction == "in"]
    assert texts == [f"spam {n}" for n in range(10)]
    assert len(fake_engine.requests) == 10


@pytest.mark.parametrize(
    ("frame", "expected_id", "expected"),
    [
        ("not json", None, "Frames must be JSON objects."),
        ("[1, 2]", None, "Frames must be JSON objects."),
        ('{"type": "dance"}', None, "Unknown frame type."),
        ('{"type": "message", "text": "hi"}', None, "'id' is required"),
        ('{"type": "message", "id": "bad id", "text": "hi"}', "bad id", "'id' must be 1 to 128"),
        ('{"type": "message", "id": "m1"}', "m1", "'text' is required"),
        ('{"type": "message", "id": "m1", "text": "   "}', "m1", "'text' must not be empty"),
        ('{"type": "message", "id": "m1", "text": 7}', "m1", "'text' must be a string"),
        (
            '{"type": "message", "id": "m1", "text": "' + "x" * 201 + '"}',
            "m1",
            "'text' must be at most 200",
        ),
        (
            '{"type": "message", "id": "m1", "text": "hi", "label": ""}',
            "m1",
            "'label' must not be empty",
        ),
    ],
)
async def test_invalid_frames_get_an_error_and_the_socket_stays_usable(
    gateway: Client, fake_engine: FakeEngine, frame: str, expected_id: str | None, expected: str
) -> None:
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_str(frame)
        [error] = await frames_until(ws, lambda f: True)
        assert error["type"] == "error"
        assert error["code"] == "invalid"
        assert error["id"] == expected_id
        assert error["error"].startswith(expected)
        assert fake_engine.requests == []
        frames = await message_and_replies(ws, "ok-1", "still here")
        assert frames[0]["type"] == "ack"
    assert await gateway.app[store_key].transcript("web-1") != []


async def test_binary_frames_are_refused(gateway: Client) -> None:
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_bytes(b"\x00\x01")
        [error] = await frames_until(ws, lambda f: True)
    assert error == {
        "type": "error",
        "id": None,
        "code": "invalid",
        "error": "Send JSON text frames.",
    }


@pytest.mark.parametrize(
    "query", ["", "?conversation=", "?conversation=a%20b", "?conversation=" + "c" * 129]
)
async def test_bad_conversation_id_is_refused_before_upgrade(gateway: Client, query: str) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await gateway.ws_connect(f"/ws{query}")
    assert info.value.status == 400
    resp = await gateway.get(f"/ws{query}")
    assert (await resp.json())["error"].startswith("'conversation'")


async def test_plain_get_without_upgrade_is_a_400(gateway: Client) -> None:
    resp = await gateway.get("/ws?conversation=web-1")
    assert resp.status == 400
    assert await resp.json() == {"error": "expected a WebSocket upgrade"}


async def test_other_sites_cannot_open_a_chat_socket(gateway: Client) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await gateway.ws_connect(
            "/ws?conversation=web-1", headers={"Origin": "https://evil.example"}
        )
    assert info.value.status == 403
    own = f"http://{gateway.host}:{gateway.port}"
    async with gateway.ws_connect("/ws?conversation=web-1", headers={"Origin": own}) as ws:
        await ws.send_json({"type": "history"})
        assert (await ws.receive_json())["type"] == "history"


async def test_listed_origin_may_open_a_chat_socket(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(extra={"allowed_origins": "https://www.northshire.police.uk"})
    client = await gateway_factory(settings)
    headers = {"Origin": "https://www.northshire.police.uk"}
    async with client.ws_connect("/ws?conversation=web-1", headers=headers) as ws:
        await ws.send_json({"type": "history"})
        assert (await ws.receive_json())["type"] == "history"


async def test_engine_down_gives_advice_over_the_socket_and_queues_for_staff(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    client = await gateway_factory(make_settings(rasa_url=f"http://127.0.0.1:{free_port()}"))
    async with client.ws_connect("/ws?conversation=web-1") as ws:
        frames = await message_and_replies(ws, "m1", "help", replies=1)
    assert frames[0]["type"] == "ack"
    [bot] = [f for f in frames if is_bot(f)]
    assert "999" in bot["text"] and "101" in bot["text"]
    assert "https://www.northshire.police.uk/report" in bot["text"]
    assert bot["emergency"] is False
    await settle(client)
    [item] = await client.app[back_office_key].queue.list_waiting()
    assert (item.conversation_id, item.channel.value, item.reason) == (
        "web-1",
        "webchat",
        "engine_unavailable",
    )


async def test_slow_engine_does_not_delay_the_ack(gateway: Client, fake_engine: FakeEngine) -> None:
    fake_engine.behaviour = "slow"
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        started = time.monotonic()
        await ws.send_json({"type": "message", "id": "m1", "text": "help"})
        [ack] = await frames_until(ws, lambda f: True)
        assert ack["type"] == "ack"
        assert time.monotonic() - started < 0.4  # well under the 0.5 s engine timeout
        frames = await frames_until(ws, is_bot)
    assert "999" in frames[-1]["text"]
    await settle(gateway)
    assert len(await gateway.app[back_office_key].queue.list_waiting()) == 1


async def test_reply_is_stored_even_if_the_person_leaves_before_it(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.behaviour = "slow"
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_json({"type": "message", "id": "m1", "text": "help"})
        await frames_until(ws, lambda f: f["type"] == "ack")
    store = gateway.app[store_key]
    async with asyncio.timeout(3):
        while len(await store.transcript("web-1")) < 2:
            await asyncio.sleep(0.05)
    assert [e.author for e in await store.transcript("web-1")] == ["person", "system"]


async def test_bot_stays_quiet_while_staff_have_the_conversation(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    await gateway.app[store_key].set_mode("web-1", "human")
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_json({"type": "message", "id": "m1", "text": "hello?"})
        [ack] = await frames_until(ws, lambda f: True)
        assert ack["type"] == "ack"
        assert await no_frame_within(ws, 0.3)
    assert fake_engine.requests == []


# --- the conversation's budget, shared by its sockets ------------------------------------


async def answer_to(ws: aiohttp.ClientWebSocketResponse, message_id: str) -> dict[str, Any]:
    """Send a message and return its ack or its error (the replies in between are skipped)."""
    await ws.send_json({"type": "message", "id": message_id, "text": f"hello {message_id}"})
    frames = await frames_until(
        ws, lambda f: f["type"] in ("ack", "error") and f["id"] == message_id
    )
    return frames[-1]


async def test_sockets_of_one_conversation_share_its_budget_across_gateways(
    gateway_factory: Factory, make_settings: Callable[..., Settings], redis_prefix: str
) -> None:
    settings = make_settings(
        redis_url=TEST_REDIS_URL,
        redis_prefix=redis_prefix,
        conversation_limit_socket="3 per minute",
    )
    first, second = await gateway_factory(settings), await gateway_factory(settings)
    async with (
        first.ws_connect("/ws?conversation=web-busy") as one,
        second.ws_connect("/ws?conversation=web-busy") as two,
    ):
        assert [(await answer_to(one, f"a{n}"))["type"] for n in range(2)] == ["ack", "ack"]
        assert (await answer_to(two, "b0"))["type"] == "ack"
        refused = await answer_to(two, "b1")  # a fresh socket on another gateway gains nothing
        assert refused["code"] == "rate_limited" and "999" in refused["error"]
        assert 0 < refused["retry_after"] <= 60
        assert (await answer_to(one, "a2"))["code"] == "rate_limited"
    async with first.ws_connect("/ws?conversation=web-busy") as reconnected:
        assert (await answer_to(reconnected, "c0"))["code"] == "rate_limited"
    async with second.ws_connect("/ws?conversation=web-quiet") as other:
        assert (await answer_to(other, "q0"))["type"] == "ack"  # other conversations go on
    transcript = await first.app[store_key].transcript("web-busy")
    assert [e.message_id for e in transcript if e.direction == "in"] == ["a0", "a1", "b0"]


async def test_the_per_socket_limit_still_holds_under_a_generous_conversation_budget(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    client = await gateway_factory(make_settings(conversation_limit_socket="100 per minute"))
    async with client.ws_connect("/ws?conversation=web-1") as ws:
        answers = [await answer_to(ws, f"m{n}") for n in range(11)]
        assert [a["type"] for a in answers] == ["ack"] * 10 + ["error"]
        assert answers[-1]["code"] == "rate_limited"
        assert 0 < answers[-1]["retry_after"] <= 10
    async with client.ws_connect("/ws?conversation=web-1") as ws:
        assert (await answer_to(ws, "n0"))["type"] == "ack"  # the conversation has budget left


async def test_without_redis_the_conversation_budget_lets_messages_through(
    gateway_factory: Factory, make_settings: Callable[..., Settings], redis_prefix: str
) -> None:
    proxy = TcpProxy(TEST_REDIS_URL)
    await proxy.start()
    try:
        client = await gateway_factory(
            make_settings(
                redis_url=proxy.url,
                redis_prefix=redis_prefix,
                conversation_limit_socket="1 per minute",
            )
        )
        async with client.ws_connect("/ws?conversation=web-1") as ws:
            assert (await answer_to(ws, "m1"))["type"] == "ack"
            assert (await answer_to(ws, "m2"))["code"] == "rate_limited"
            await proxy.stop()
            with structlog.testing.capture_logs() as logs:
                down = await answer_to(ws, "m3")
            assert down["code"] == "unavailable"  # refused by the store, not by the limiter
            assert [e for e in logs if e["event"] == "ip_limit_unavailable"]
            assert client.app[ip_limiter_key].down
            await proxy.start()  # the store is back; the limiter is not asked during its pause
            assert (await answer_to(ws, "m3"))["type"] == "ack"
        transcript = await client.app[store_key].transcript("web-1")
        assert [e.message_id for e in transcript if e.direction == "in"] == ["m1", "m3"]
    finally:
        await proxy.stop()
