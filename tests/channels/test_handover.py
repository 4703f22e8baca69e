"""Staff taking a conversation over, through a running gateway: the real app, its live bus
and store, a fake engine that records pause and resume events and serves a tracker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, web
from aiohttp.test_utils import TestServer
from gateway_testing import (
    TEST_REDIS_URL,
    Client,
    FakeEngine,
    frames_until,
    free_port,
    no_frame_within,
)

from channels import messages
from channels.handover import (
    ChannelNotSupported,
    HandoverUnavailable,
    NotTakenOver,
    Operator,
)
from channels.keys import handover_key, live_key, store_key
from channels.live.ports import LiveEvent
from triage.settings import Settings

TOKEN = "engine-token"
OPERATOR = Operator("op1", "Sam Patel")
Factory = Callable[[Settings], Awaitable[Client]]


class HandoverEngine(FakeEngine):
    """The fake engine, plus the tracker API: events are recorded, a paused conversation
    gets no answer (as Rasa does), and the token is required when one is set."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.events: list[tuple[str, str]] = []
        self.paused: set[str] = set()
        self.slots: dict[str, Any] = {}
        self.app.router.add_post("/conversations/{cid}/tracker/events", self.tracker_events)
        self.app.router.add_get("/conversations/{cid}/tracker", self.tracker)

    def _authorised(self, request: web.Request) -> bool:
        return not self.token or request.query.get("token") == self.token

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body["sender"] in self.paused:
            self.requests.append(body)
            return web.json_response([])
        return await super().webhook(request)

    async def tracker_events(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"message": "unauthorised"}, status=401)
        cid = request.match_info["cid"]
        event = (await request.json())["event"]
        self.events.append((cid, event))
        if event == "pause":
            self.paused.add(cid)
        elif event == "resume":
            self.paused.discard(cid)
        return web.json_response({"sender_id": cid, "paused": cid in self.paused})

    async def tracker(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"message": "unauthorised"}, status=401)
        cid = request.match_info["cid"]
        return web.json_response({"sender_id": cid, "slots": self.slots, "events": []})


@pytest.fixture
async def engine() -> AsyncIterator[HandoverEngine]:
    fake = HandoverEngine()
    server = TestServer(fake.app)
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    fake.release.set()
    await server.close()


@pytest.fixture
def settings_for(engine: HandoverEngine, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "rasa_url": engine.url,
            "rasa_token": TOKEN,
            "action_server_url": f"{engine.url}/webhook",
            "var_dir": tmp_path,
            "rasa_timeout_seconds": 0.5,
            "max_message_chars": 200,
            "live_chat_open_hour": 0,
            "live_chat_close_hour": 24,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
async def client(gateway_factory: Factory, settings_for: Callable[..., Settings]) -> Client:
    return await gateway_factory(settings_for())


def bot(frame: dict[str, Any]) -> bool:
    return frame["type"] == "bot"


async def say(ws: ClientWebSocketResponse, message_id: str, text: str) -> list[dict[str, Any]]:
    """Send a message and read up to the bot's last reply to it (the echo fake answers two)."""
    await ws.send_json({"type": "message", "id": message_id, "text": text})
    frames = await frames_until(ws, lambda f: f["type"] == "typing" and not f["active"])
    return frames + await frames_until(ws, bot) + await frames_until(ws, bot)


async def test_take_over_pauses_the_bot_and_tells_the_person(
    client: Client, engine: HandoverEngine
) -> None:
    handover = client.app[handover_key]
    async with client.ws_connect("/ws?conversation=web-1") as ws:
        first = await say(ws, "m1", "hello")
        assert [f["author"] for f in first if bot(f)] == ["bot", "bot"]
        assert await no_frame_within(ws, 0.3)  # nothing of its own comes back from the bus
        await handover.take_over("web-1", OPERATOR)
        notice, mode = await frames_until(ws, lambda f: f["type"] == "mode")
    assert notice == {
        "type": "bot",
        "text": messages.STAFF_JOINED,
        "buttons": [],
        "ts": notice["ts"],
        "emergency": False,
        "author": "system",
    }
    assert mode == {"type": "mode", "mode": "human"}
    assert engine.events == [("web-1", "pause")]  # with the token (else HTTP 401, not logged)
    store = client.app[store_key]
    assert await store.get_mode("web-1") == "human"
    assert [e.author for e in await store.transcript("web-1")][-1] == "system"
    assert await handover.channel_of("web-1") == "webchat"
    # Taking over again changes nothing and tells the person nothing twice.
    await handover.take_over("web-1", OPERATOR)
    assert engine.events == [("web-1", "pause")]


async def test_operator_reply_and_typing_reach_the_person(client: Client) -> None:
    handover = client.app[handover_key]
    async with client.ws_connect("/ws?conversation=web-1") as ws:
        await handover.take_over("web-1", OPERATOR)
        await frames_until(ws, lambda f: f["type"] == "mode")
        await handover.typing("web-1", OPERATOR, True)
        [typing] = await frames_until(ws, lambda f: True)
        entry = await handover.reply("web-1", OPERATOR, "Hello, I'm Sam. <b>How</b> can I help?")
        [reply] = await frames_until(ws, bot)
        await ws.send_json({"type": "history"})
        [history] = await frames_until(ws, lambda f: f["type"] == "history")
    assert typing == {"type": "typing", "active": True, "author": "operator"}
    assert (reply["author"], reply["text"]) == (
        "operator",
        "Hello, I'm Sam. <b>How</b> can I help?",
    )
    assert (entry.author, entry.direction) == ("operator", "out")
    assert history["mode"] == "human"
    assert [(m["author"], m["text"]) for m in history["messages"]][-1] == (
        "operator",
        "Hello, I'm Sam. <b>How</b> can I help?",
    )


async def test_person_is_not_answered_by_the_bot_while_staff_have_the_chat(
    client: Client, engine: HandoverEngine
) -> None:
    handover = client.app[handover_key]
    async with (
        client.app[live_key].subscribe("web-1") as watching,
        client.ws_connect("/ws?conversation=web-1") as ws,
    ):
        await handover.take_over("web-1", OPERATOR)
        await frames_until(ws, lambda f: f["type"] == "mode")
        await ws.send_json({"type": "message", "id": "m2", "text": "my bike was stolen"})
        [ack] = await frames_until(ws, lambda f: True)
        assert ack == {"type": "ack", "id": "m2", "duplicate": False}
        assert await no_frame_within(ws, 0.4)  # no typing, no bot, not its own message back
        seen: list[LiveEvent] = []
        async with asyncio.timeout(3):
            async for event in watching:
                seen.append(event)
                if event.kind == "message" and event.data["author"] == "person":
                    break
    assert engine.requests == []  # the engine was never asked
    assert [e.kind for e in seen] == ["message", "mode", "message"]
    assert (seen[-1].data["text"], seen[-1].data["direction"]) == ("my bike was stolen", "in")
    assert seen[-1].origin is not None and seen[-1].origin.startswith("ws-")


async def test_hand_back_resumes_the_bot_which_answers_the_next_message(
    client: Client, engine: HandoverEngine
) -> None:
    handover = client.app[handover_key]
    async with client.ws_connect("/ws?conversation=web-1") as ws:
        await handover.take_over("web-1", OPERATOR)
        await frames_until(ws, lambda f: f["type"] == "mode")
        await handover.hand_back("web-1", OPERATOR)
        notice, mode = await frames_until(ws, lambda f: f["type"] == "mode")
        frames = await say(ws, "m3", "thanks")
    assert (notice["author"], notice["text"]) == ("system", messages.BACK_TO_ASSISTANT)
    assert mode == {"type": "mode", "mode": "bot"}
    assert engine.events == [("web-1", "pause"), ("web-1", "resume")]
    assert next(f["text"] for f in frames if bot(f)) == "Echo: thanks"
    assert await client.app[store_key].get_mode("web-1") == "bot"


async def test_close_tells_the_person_how_to_get_help_again(
    client: Client, engine: HandoverEngine
) -> None:
    handover = client.app[handover_key]
    async with (
        client.app[live_key].subscribe(None) as console,
        client.ws_connect("/ws?conversation=web-1") as ws,
    ):
        await handover.take_over("web-1", OPERATOR)
        await handover.close("web-1", OPERATOR, "advice_given")
        frames = await frames_until(ws, lambda f: f["type"] == "closed")
        kinds: list[str] = []
        async with asyncio.timeout(3):
            async for event in console:
                kinds.append(event.kind)
                if event.kind == "closed":
                    assert event.data == {"outcome": "advice_given"}
                    assert event.origin == "operator:op1"
                    break
    ended = [f for f in frames if bot(f)][-1]
    assert ended["author"] == "system" and ended["text"].startswith("This chat has ended.")
    for must in ("101", "999", messages.REPORT_ONLINE_URL):
        assert must in ended["text"]
    assert [f["type"] for f in frames][-2:] == ["mode", "closed"]
    assert kinds == ["message", "mode", "message", "mode", "closed"]
    assert engine.events == [("web-1", "pause"), ("web-1", "resume")]
    assert await client.app[store_key].get_mode("web-1") == "bot"


async def test_actions_before_takeover_are_refused(client: Client) -> None:
    handover = client.app[handover_key]
    with pytest.raises(NotTakenOver):
        await handover.reply("web-1", OPERATOR, "hello")
    with pytest.raises(NotTakenOver):
        await handover.typing("web-1", OPERATOR, True)
    with pytest.raises(NotTakenOver):
        await handover.hand_back("web-1", OPERATOR)
    assert await client.app[store_key].transcript("web-1") == []


async def test_public_posts_are_never_answered_privately(client: Client) -> None:
    handover = client.app[handover_key]
    cid = "x:post:1900000000001"
    assert await handover.channel_of(cid) == "x_post"
    with pytest.raises(ChannelNotSupported) as refused:
        await handover.take_over(cid, OPERATOR)
    assert "public post" in str(refused.value)
    with pytest.raises(ChannelNotSupported):
        await handover.reply(cid, OPERATOR, "hello")
    assert await client.app[store_key].get_mode(cid) == "bot"
    assert await client.app[store_key].transcript(cid) == []
    await handover.close(cid, OPERATOR, "no_further_action")  # allowed: nothing is sent
    assert await client.app[store_key].transcript(cid) == []


async def test_engine_down_still_takes_over_but_not_back(
    gateway_factory: Factory, settings_for: Callable[..., Settings]
) -> None:
    client = await gateway_factory(settings_for(rasa_url=f"http://127.0.0.1:{free_port()}"))
    handover = client.app[handover_key]
    await handover.take_over("web-1", OPERATOR)
    store = client.app[store_key]
    assert await store.get_mode("web-1") == "human"
    assert [e.text for e in await store.transcript("web-1")] == [messages.STAFF_JOINED]
    with pytest.raises(HandoverUnavailable) as refused:
        await handover.hand_back("web-1", OPERATOR)
    assert "stays with you" in str(refused.value)
    assert await store.get_mode("web-1") == "human"  # a paused bot would say nothing at all
    assert await handover.collected("web-1") == {}


async def test_collected_gives_the_filled_slots_as_text(
    client: Client, engine: HandoverEngine
) -> None:
    engine.slots = {
        "crime_type": "theft",
        "property_details": "a red bike",
        "property_value": 250,
        "contact_consent": True,
        "reporter_name": None,
        "requested_slot": "incident_where",
        "validation_failures": {"incident_when": 1},
        "field": None,
        "session_started_metadata": {"a": 1},
    }
    assert await client.app[handover_key].collected("web-1") == {
        "crime_type": "theft",
        "property_details": "a red bike",
        "property_value": "250",
        "contact_consent": "yes",
    }
    engine.token = "another"  # the gateway's token no longer works: nothing, not an error
    assert await client.app[handover_key].collected("web-1") == {}


async def test_rest_client_gets_staff_messages_with_its_next_answer(
    client: Client, engine: HandoverEngine
) -> None:
    handover = client.app[handover_key]
    url = "/webhooks/rest/webhook"
    first = await (await client.post(url, json={"sender": "s1", "message": "hello"})).json()
    assert first[0]["text"] == "Echo: hello"
    assert await handover.channel_of("s1") == "rest"
    await handover.take_over("s1", OPERATOR)
    await handover.reply("s1", OPERATOR, "Hi, this is Sam from the contact centre.")
    second = await (await client.post(url, json={"sender": "s1", "message": "great"})).json()
    assert [r["text"] for r in second] == [
        messages.STAFF_JOINED,
        "Hi, this is Sam from the contact centre.",
    ]
    third = await (await client.post(url, json={"sender": "s1", "message": "ok"})).json()
    assert third == []  # nothing new from staff; the bot is paused
    assert [r["message"] for r in engine.requests] == ["hello"]


async def test_two_gateways_share_the_takeover_over_redis(
    gateway_factory: Factory, settings_for: Callable[..., Settings], redis_prefix: str
) -> None:
    """The person on one gateway, the operator's console on another."""
    settings = settings_for(redis_url=TEST_REDIS_URL, redis_prefix=redis_prefix)
    person_side = await gateway_factory(settings)
    staff_side = await gateway_factory(settings)
    handover = staff_side.app[handover_key]
    async with (
        staff_side.app[live_key].subscribe("web-7") as console,
        person_side.ws_connect("/ws?conversation=web-7") as ws,
    ):
        await say(ws, "m1", "hello")
        await handover.take_over("web-7", OPERATOR)
        notice, mode = await frames_until(ws, lambda f: f["type"] == "mode")
        await handover.reply("web-7", OPERATOR, "Sam here.")
        [reply] = await frames_until(ws, bot)
        await ws.send_json({"type": "message", "id": "m2", "text": "thank you"})
        heard: list[LiveEvent] = []
        async with asyncio.timeout(5):
            async for event in console:
                heard.append(event)
                if event.kind == "message" and event.data["text"] == "thank you":
                    break
    assert (notice["text"], mode["mode"]) == (messages.STAFF_JOINED, "human")
    assert (reply["author"], reply["text"]) == ("operator", "Sam here.")
    said = [(e.data["author"], e.data["text"]) for e in heard if e.kind == "message"]
    assert said == [
        ("person", "hello"),
        ("bot", "Echo: hello"),
        ("bot", "Shall I send this report?"),
        ("system", messages.STAFF_JOINED),
        ("operator", "Sam here."),
        ("person", "thank you"),
    ]
    assert [e.kind for e in heard].count("mode") == 1
    # The channel is in Redis too: the staff side knows a REST client from a widget.
    resp = await person_side.post("/webhooks/rest/webhook", json={"sender": "s9", "message": "hi"})
    assert resp.status == 200
    assert await handover.channel_of("s9") == "rest"
    assert await handover.channel_of("web-7") == "webchat"
    assert await person_side.app[store_key].get_mode("web-7") == "human"


async def test_closed_while_the_engine_could_not_resume_resumes_before_the_next_message(
    client: Client, engine: HandoverEngine
) -> None:
    """A close that could not resume the bot must not leave it paused (and silent)."""
    handover = client.app[handover_key]
    store = client.app[store_key]
    await handover.take_over("web-2", OPERATOR)
    engine.token = "rotated"  # the engine now refuses our calls: resume fails at close
    await handover.close("web-2", OPERATOR, "advice_given")
    assert await store.get_mode("web-2") == "bot"
    assert engine.events == [("web-2", "pause")]
    assert "web-2" in engine.paused

    async with client.ws_connect("/ws?conversation=web-2") as ws:
        await ws.send_json({"type": "message", "id": "m1", "text": "hello again"})
        still = await frames_until(ws, lambda f: bot(f) and f["author"] == "system")
        assert "web-2" in engine.paused  # still refused: the person got the fallback
        assert any("101" in f["text"] for f in still if bot(f))

        engine.token = TOKEN  # the engine is reachable again
        frames = await say(ws, "m2", "hello once more")
    assert engine.events == [("web-2", "pause"), ("web-2", "resume")]
    assert next(f["text"] for f in frames if bot(f)) == "Echo: hello once more"
    assert not await store.take_resume_pending("web-2")
