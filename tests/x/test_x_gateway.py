"""The X channel inside the gateway: wiring, webhook intake and DMs through the bot."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from fake_x import OWN_USER_ID, FakeX
from x_testing import FakeEngine

from channels.app import create_app
from channels.keys import x_intake_key, x_webhook_key
from channels.triage_gate import TriageModel
from channels.x.poller import XPoller
from channels.x.webhook import SIGNATURE_HEADER, crc_response, signature
from triage.settings import Settings

Client = TestClient[web.Request, web.Application]
SECRET = "test-consumer-secret"


@pytest.fixture
async def gateway(
    make_settings: Callable[..., Settings], triage_model: TriageModel, fake_engine: FakeEngine
) -> AsyncIterator[Callable[..., Any]]:
    clients: list[Client] = []

    async def make(**overrides: Any) -> Client:
        values = {"rasa_url": fake_engine.url, "x_poll": False, **overrides}
        settings = make_settings(**values)
        client = TestClient(TestServer(create_app(settings, load_model=lambda: triage_model)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def delivery(post_id: str, text: str, author: str = "2001") -> dict[str, Any]:
    return {
        "for_user_id": OWN_USER_ID,
        "tweet_create_events": [
            {
                "id_str": post_id,
                "text": text,
                "user": {"id_str": author, "screen_name": "someone"},
            }
        ],
    }


async def wait_for(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


async def test_without_credentials_nothing_x_runs(gateway: Callable[..., Any]) -> None:
    client: Client = await gateway(x_bearer_token="", x_user_id="")
    assert x_intake_key not in client.app
    assert (await client.get("/webhooks/x", params={"crc_token": "abc"})).status == 404
    assert (await client.post("/webhooks/x", data=b"{}")).status == 404
    assert (await client.get("/health")).status in (200, 503)


async def test_crc_challenge(gateway: Callable[..., Any]) -> None:
    client: Client = await gateway()
    resp = await client.get("/webhooks/x", params={"crc_token": "challenge-123"})
    assert resp.status == 200
    body = await resp.json()
    assert body == crc_response(SECRET, "challenge-123")
    # Known answer: base64(HMAC-SHA256(key, msg)) computed independently.
    import base64
    import hashlib
    import hmac

    expected = base64.b64encode(
        hmac.new(SECRET.encode(), b"challenge-123", hashlib.sha256).digest()
    ).decode()
    assert body["response_token"] == f"sha256={expected}"
    assert (await client.get("/webhooks/x")).status == 400


async def test_bad_signature_refused_and_logged_without_content(
    gateway: Callable[..., Any], fake_x: FakeX, caplog: pytest.LogCaptureFixture
) -> None:
    client: Client = await gateway()
    payload = json.dumps(delivery("1900000000001", "call me on 07700 900123")).encode()
    caplog.set_level(logging.INFO)
    for header in ("sha256=AAAA", signature("wrong-secret", payload), None):
        headers = {SIGNATURE_HEADER: header} if header else {}
        resp = await client.post("/webhooks/x", data=payload, headers=headers)
        assert resp.status == 401
    await asyncio.sleep(0.1)
    assert fake_x.tweets == []
    assert "07700" not in caplog.text


async def test_signed_delivery_answered_once_even_when_replayed(
    gateway: Callable[..., Any], fake_x: FakeX
) -> None:
    client: Client = await gateway()
    payload = json.dumps(
        delivery("1900000000002", "@NorthshirePolice stabbing on Market St NOW, man with a knife")
    ).encode()
    headers = {SIGNATURE_HEADER: signature(SECRET, payload)}
    assert (await client.post("/webhooks/x", data=payload, headers=headers)).status == 200
    await wait_for(lambda: len(fake_x.replies_to("1900000000002")) == 1)
    assert (await client.post("/webhooks/x", data=payload, headers=headers)).status == 200
    await client.app[x_webhook_key].drain(5)
    assert len(fake_x.replies_to("1900000000002")) == 1
    assert "999" in fake_x.replies_to("1900000000002")[0]["text"]


async def test_dm_crime_report_runs_through_the_bot(
    gateway: Callable[..., Any], fake_x: FakeX, fake_engine: FakeEngine
) -> None:
    client: Client = await gateway()
    intake = client.app[x_intake_key]
    poller = XPoller(intake.api, intake.state, intake, 1.0)
    answers = ["Someone stole my bike last night", "A red mountain bike", "Outside the library"]
    for turn, text in enumerate(answers, start=1):
        fake_x.add_dm(text, sender_id="2001")
        assert await poller.poll_dms() == 1
        assert len(fake_engine.requests) == turn
    assert {r["sender"] for r in fake_engine.requests} == {"x-dm-1000-2001"}
    assert [r["message"] for r in fake_engine.requests] == answers
    assert fake_engine.requests[0]["metadata"]["channel"] == "x_dm"
    assert [dm["text"].split("\n")[0] for dm in fake_x.dms] == list(FakeEngine.QUESTIONS)
    assert "• Yes, send it" in fake_x.dms[-1]["text"]
    assert {dm["to"] for dm in fake_x.dms} == {"2001"}
    fake_x.add_dm("Yes, send it", sender_id="2001")
    assert await poller.poll_dms() == 1
    assert "Reference" in fake_x.dms[-1]["text"]
    # Our own messages and DMs already handled are never processed again.
    assert await poller.poll_dms() == 0
    assert len(fake_engine.requests) == 4


async def test_dm_emergency_gets_guidance_before_the_bot(
    gateway: Callable[..., Any], fake_x: FakeX, fake_engine: FakeEngine
) -> None:
    client: Client = await gateway()
    intake = client.app[x_intake_key]
    poller = XPoller(intake.api, intake.state, intake, 1.0)
    fake_x.add_dm("my ex is outside with a knife trying to get in", sender_id="2002")
    await poller.poll_dms()
    assert "999" in fake_x.dms[0]["text"]
    assert fake_engine.requests[0]["metadata"]["triage"]["priority"] == "P1"


async def test_poller_runs_inside_the_gateway(gateway: Callable[..., Any], fake_x: FakeX) -> None:
    post = fake_x.add_mention("@NorthshirePolice how do I report a lost wallet?")
    await gateway(x_poll=True)
    await wait_for(lambda: len(fake_x.replies_to(post)) == 1)
