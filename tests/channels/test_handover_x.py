"""Staff answering an X direct message: the reply goes to the fake X API (tests/x/fake_x.py)
as a DM to the person who wrote, through the gateway's own X channel."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from gateway_testing import Client
from test_handover import OPERATOR, TOKEN, HandoverEngine

from channels import messages
from channels.handover import DeliveryFailed
from channels.keys import handover_key, store_key, x_intake_key
from channels.x.intake import Outcome
from channels.x.models import DirectMessage
from triage.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x"))
from fake_x import OWN_USER_ID, FakeX, conversation_of, start_fake_x

Factory = Callable[[Settings], Awaitable[Client]]
PERSON = "2001"


@pytest.fixture
async def fake_x() -> AsyncIterator[FakeX]:
    fake, server = await start_fake_x()
    yield fake
    await server.close()


@pytest.fixture
async def engine() -> AsyncIterator[HandoverEngine]:
    fake = HandoverEngine()
    server = TestServer(fake.app)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
async def client(
    gateway_factory: Factory, engine: HandoverEngine, fake_x: FakeX, tmp_path: Path
) -> Client:
    values: dict[str, Any] = {
        "rasa_url": engine.url,
        "rasa_token": TOKEN,
        "var_dir": tmp_path,
        "rasa_timeout_seconds": 0.5,
        "live_chat_open_hour": 0,
        "live_chat_close_hour": 24,
        "x_bearer_token": "test-bearer",
        "x_consumer_key": "test-consumer-key",
        "x_consumer_secret": "test-consumer-secret",
        "x_access_token": "test-access-token",
        "x_access_token_secret": "test-access-secret",
        "x_user_id": OWN_USER_ID,
        "x_api_base": fake_x.url,
        "x_poll": False,
    }
    return await gateway_factory(Settings(**values))


async def direct_message(client: Client, fake_x: FakeX, text: str) -> str:
    """A DM from the person, handled as the poller or webhook would; the conversation id."""
    dm = DirectMessage(fake_x.next_id(), text, PERSON, conversation_of(OWN_USER_ID, PERSON))
    assert await client.app[x_intake_key].handle_dm(dm) is Outcome.DONE
    return f"x-dm-{dm.dm_conversation_id}"


async def test_operator_reply_is_sent_as_a_dm_to_the_person(
    client: Client, fake_x: FakeX, engine: HandoverEngine
) -> None:
    cid = await direct_message(client, fake_x, "hello")
    assert fake_x.dms[0]["text"] == "Echo: hello"  # the bot answered first
    handover = client.app[handover_key]
    assert await handover.channel_of(cid) == "x_dm"
    before = len(fake_x.dms)
    await handover.take_over(cid, OPERATOR)
    entry = await handover.reply(cid, OPERATOR, "Hi, Sam from the contact centre here.")
    sent = fake_x.dms[before:]
    assert [(d["to"], d["text"]) for d in sent] == [
        (PERSON, messages.STAFF_JOINED),
        (PERSON, "Hi, Sam from the contact centre here."),
    ]
    assert entry.author == "operator"
    assert engine.events == [(cid, "pause")]
    # The person's next DM reaches the transcript, not the bot.
    await direct_message(client, fake_x, "thanks")
    assert len(fake_x.dms) == before + 2
    assert [r["message"] for r in engine.requests] == ["hello"]
    transcript = await client.app[store_key].transcript(cid)
    assert [e.author for e in transcript][-3:] == ["system", "operator", "person"]


async def test_x_refusing_the_dm_is_reported_but_the_reply_is_kept(
    client: Client, fake_x: FakeX
) -> None:
    cid = await direct_message(client, fake_x, "hello")
    handover = client.app[handover_key]
    await handover.take_over(cid, OPERATOR)
    fake_x.script("dm", 403)
    with pytest.raises(DeliveryFailed) as failed:
        await handover.reply(cid, OPERATOR, "Are you still there?")
    assert "Saved" in str(failed.value)
    transcript = await client.app[store_key].transcript(cid)
    assert (transcript[-1].author, transcript[-1].text) == ("operator", "Are you still there?")


async def test_unknown_dm_conversation_cannot_be_answered(client: Client) -> None:
    handover = client.app[handover_key]
    await handover.take_over("x-dm-1000-9999", OPERATOR)  # notice stored; DM not possible
    with pytest.raises(DeliveryFailed):
        await handover.reply("x-dm-1000-9999", OPERATOR, "hello")
