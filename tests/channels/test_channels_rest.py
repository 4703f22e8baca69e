"""The REST channel: Rasa's format, strict validation, nothing lost when the engine fails."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import structlog
from gateway_testing import Client, FakeEngine, free_port, settle

from channels.keys import back_office_key, service_key, store_key
from triage.decisions import Channel, Priority
from triage.settings import Settings

URL = "/webhooks/rest/webhook"
Factory = Callable[[Settings], Any]


async def post(client: Client, body: Any) -> tuple[int, Any]:
    resp = await client.post(URL, json=body)
    return resp.status, await resp.json()


async def test_round_trip_forwards_sender_text_and_channel_metadata(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    status, replies = await post(
        gateway,
        {"sender": "web-AZ09_-:.x", "message": "Hello there", "metadata": {"page": "/x"}},
    )
    assert status == 200
    assert replies == [
        {"recipient_id": "web-AZ09_-:.x", "text": "Echo: Hello there"},
        {
            "recipient_id": "web-AZ09_-:.x",
            "text": "Shall I send this report?",
            "buttons": [
                {"title": "Yes, send it", "payload": "/affirm"},
                {"title": "Cancel", "payload": "/stop"},
            ],
        },
    ]
    [sent] = fake_engine.requests
    assert sent["sender"] == "web-AZ09_-:.x"
    assert sent["message"] == "Hello there"
    assert sent["metadata"]["channel"] == "rest"
    assert sent["metadata"]["client"] == {"page": "/x"}
    assert sent["metadata"]["message_id"]


async def test_client_metadata_cannot_pretend_to_be_another_channel(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    status, _ = await post(
        gateway, {"sender": "s1", "message": "hi", "metadata": {"channel": "webchat"}}
    )
    assert status == 200
    assert fake_engine.requests[0]["metadata"]["channel"] == "rest"


async def test_transcript_records_message_and_replies(gateway: Client) -> None:
    await post(gateway, {"sender": "s1", "message": "my bike was stolen"})
    transcript = await gateway.app[store_key].transcript("s1")
    assert [(e.direction, e.author, e.text) for e in transcript] == [
        ("in", "person", "my bike was stolen"),
        ("out", "bot", "Echo: my bike was stolen"),
        ("out", "bot", "Shall I send this report?"),
    ]
    assert transcript[2].buttons[0].payload == "/affirm"
    assert all(e.ts for e in transcript)


async def test_message_of_exactly_the_maximum_length_is_accepted(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    status, _ = await post(gateway, {"sender": "s1", "message": "x" * 200})
    assert status == 200
    assert len(fake_engine.requests[0]["message"]) == 200


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"sender": "s1"}, "'message' is required"),
        ({"sender": "s1", "message": ""}, "'message' must not be empty"),
        ({"sender": "s1", "message": "  \n\t "}, "'message' must not be empty"),
        ({"sender": "s1", "message": 42}, "'message' must be a string"),
        ({"sender": "s1", "message": ["hi"]}, "'message' must be a string"),
        ({"sender": "s1", "message": "x" * 201}, "'message' must be at most 200 characters"),
        ({"message": "hi"}, "'sender' is required"),
        ({"sender": "", "message": "hi"}, "'sender' must be 1 to 128 characters"),
        ({"sender": "s" * 129, "message": "hi"}, "'sender' must be 1 to 128 characters"),
        ({"sender": "a b", "message": "hi"}, "'sender' must be 1 to 128 characters"),
        ({"sender": "a/b", "message": "hi"}, "'sender' must be 1 to 128 characters"),
        ({"sender": "abc\n", "message": "hi"}, "'sender' must be 1 to 128 characters"),
        ({"sender": "café", "message": "hi"}, "'sender' must be 1 to 128 characters"),
        ({"sender": 12, "message": "hi"}, "'sender' must be a string"),
        ({"sender": "s1", "message": "hi", "metadata": "x"}, "'metadata' must be a JSON object"),
        ([{"sender": "s1", "message": "hi"}], "request body must be a JSON object"),
        ("hello", "request body must be a JSON object"),
    ],
)
async def test_invalid_json_bodies_get_a_400_with_a_clear_error(
    gateway: Client, fake_engine: FakeEngine, body: Any, expected: str
) -> None:
    status, data = await post(gateway, body)
    assert status == 400
    assert list(data) == ["error"]
    assert data["error"].startswith(expected)
    assert fake_engine.requests == []
    await settle(gateway)
    assert await gateway.app[back_office_key].queue.list_waiting() == []


@pytest.mark.parametrize("raw", [b"", b"not json", b'{"sender": "s1", "message": ', b"[" * 5000])
async def test_malformed_json_gets_a_400(
    gateway: Client, fake_engine: FakeEngine, raw: bytes
) -> None:
    resp = await gateway.post(URL, data=raw, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert await resp.json() == {"error": "request body must be valid JSON"}
    assert fake_engine.requests == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_wrong_content_type_gets_a_415(
    gateway: Client, fake_engine: FakeEngine, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = json.dumps({"sender": "s1", "message": "hi"}).encode()
    resp = await gateway.post(URL, data=body, headers=headers, skip_auto_headers=["Content-Type"])
    assert resp.status == 415
    assert await resp.json() == {"error": "Content-Type must be application/json"}
    assert fake_engine.requests == []


async def test_json_with_charset_is_accepted(gateway: Client) -> None:
    body = json.dumps({"sender": "s1", "message": "hi"}).encode()
    resp = await gateway.post(
        URL, data=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert resp.status == 200


async def test_oversized_body_gets_a_413_json_error(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    body = json.dumps({"sender": "s1", "message": "x" * 100_000}).encode()
    resp = await gateway.post(URL, data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert "request body must be at most" in (await resp.json())["error"]
    assert fake_engine.requests == []


async def assert_fallback_and_queued(client: Client, sender: str, replies: Any) -> None:
    [reply] = replies
    assert reply["recipient_id"] == sender
    for must in ("999", "101", "https://www.northshire.police.uk/report", "cannot answer"):
        assert must in reply["text"]
    store = client.app[store_key]
    transcript = await store.transcript(sender)
    assert [(e.direction, e.author) for e in transcript] == [("in", "person"), ("out", "system")]
    assert transcript[0].text == "please help"
    await settle(client)
    [item] = await client.app[back_office_key].queue.list_waiting()
    assert item.conversation_id == sender
    assert item.channel is Channel.WEBCHAT  # REST conversations are private web chats
    assert item.reason == "engine_unavailable"
    assert item.priority is Priority.P3  # "please help" is not an emergency to triage
    assert item.summary == "please help"


async def test_engine_down_gives_clear_advice_and_queues_for_staff(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    client = await gateway_factory(make_settings(rasa_url=f"http://127.0.0.1:{free_port()}"))
    status, replies = await post(client, {"sender": "s1", "message": "please help"})
    assert status == 200
    await assert_fallback_and_queued(client, "s1", replies)


async def test_slow_engine_times_out_with_advice_and_queues_for_staff(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.behaviour = "slow"
    started = time.monotonic()
    status, replies = await post(gateway, {"sender": "s1", "message": "please help"})
    elapsed = time.monotonic() - started
    assert status == 200
    assert 0.4 <= elapsed < 3.0  # rasa_timeout_seconds is 0.5 in these tests
    await assert_fallback_and_queued(gateway, "s1", replies)


async def test_engine_error_gives_advice_and_queues_for_staff(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.behaviour = "error"
    status, replies = await post(gateway, {"sender": "s1", "message": "please help"})
    assert status == 200
    await assert_fallback_and_queued(gateway, "s1", replies)


async def test_bot_stays_quiet_while_staff_have_the_conversation(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    store = gateway.app[store_key]
    await store.set_mode("s1", "human")
    status, replies = await post(gateway, {"sender": "s1", "message": "are you there"})
    assert (status, replies) == (200, [])
    assert fake_engine.requests == []
    assert [e.text for e in await store.transcript("s1")] == ["are you there"]


async def test_store_failure_says_so_instead_of_pretending(
    gateway: Client, fake_engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> bool:
        raise ConnectionError("store down")

    monkeypatch.setattr(gateway.app[service_key].store, "claim_message_id", broken)
    status, data = await post(gateway, {"sender": "s1", "message": "hello"})
    assert status == 503
    assert "999" in data["error"] and "could not take your message" in data["error"]
    assert fake_engine.requests == []


async def test_logs_carry_ids_and_lengths_but_never_the_text(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    client = await gateway_factory(make_settings(rasa_url=f"http://127.0.0.1:{free_port()}"))
    secret = "my neighbour Jane Doe at 4 Elm Road"
    with structlog.testing.capture_logs() as events:
        await post(client, {"sender": "s1", "message": secret})
    received = [e for e in events if e["event"] == "message_received"]
    assert received == [
        {
            "event": "message_received",
            "log_level": "info",
            "conversation_id": "s1",
            "message_id": received[0]["message_id"],
            "channel": "rest",
            "length": len(secret),
        }
    ]
    assert any(e["event"] == "engine_unavailable" for e in events)
    assert "Jane" not in repr(events)
