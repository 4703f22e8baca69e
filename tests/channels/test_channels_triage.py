"""Triage as a second opinion in the gateway: the 999 guidance first and regardless of the
engine, operator alerts and queue items, triage metadata for the bot, handoffs the bot asks
for, redacted decision records, and replies that survive Redis or the engine going away.

The classifier is the real one (loaded once per session); the texts are chosen to be far
from any decision boundary, and each test says which decision it relies on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

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
    redis_test_client,
    settle,
)

from channels.keys import back_office_key, store_key
from channels.triage_gate import BotHandoff, TriageModel, parse_bot_handoff
from triage.decisions import Channel, Contact, Priority
from triage.guidance import CALL_999_NOW, emergency_guidance
from triage.queue.alerts import Alert
from triage.queue.redis_alerts import RedisAlertBus
from triage.queue.redis_queue import RedisOperatorQueue
from triage.settings import Settings
from triage.understanding import crime_family

URL = "/webhooks/rest/webhook"
Factory = Callable[[Settings], Any]

P1_TEXT = "A man with a knife is breaking into my house right now"
"""Emergency, P1, flags weapon ("knife") and in_progress ("right now")."""
P2_TEXT = "my ex keeps sending me threatening messages"
"""Crime report, P2 for the domestic_abuse flag."""
ROUTINE_TEXT = "what time does the front counter at the station open"
"""Enquiry, P3, no flags."""

# A weapon is the most telling flag of P1_TEXT, so the advice is the violence situation's.
GUIDANCE = tuple(emergency_guidance("emergency_violence"))
ECHO_AND_QUESTION = ["Echo: {}", "Shall I send this report?"]
STAFF_ALERTED = "We have alerted our staff."


def handoff(reason: str, priority: str) -> dict[str, Any]:
    return {"custom": {"bluelamp": {"handoff": {"reason": reason, "priority": priority}}}}


def without_wait_notice(texts: list[str]) -> list[str]:
    """A handoff is followed by the wait notice (channels/waiting.py; its wording depends on
    the hour and on who is signed in, and is tested in test_waiting.py)."""
    *before, notice = texts
    assert "999" in notice and "101" in notice, notice
    return before


def bot_texts(text: str) -> list[str]:
    return [line.format(text) for line in ECHO_AND_QUESTION]


def is_bot(frame: dict[str, Any]) -> bool:
    return frame["type"] == "bot"


async def post(client: Client, sender: str, text: str) -> list[dict[str, Any]]:
    resp = await client.post(URL, json={"sender": sender, "message": text})
    assert resp.status == 200
    replies: list[dict[str, Any]] = await resp.json()
    return replies


async def next_alert(alerts: AsyncIterator[Alert], timeout: float = 2.0) -> Alert:
    return await asyncio.wait_for(anext(alerts), timeout)


@pytest.fixture
def decide(triage_model: TriageModel) -> Callable[[str], tuple[str, str]]:
    """(category, priority) the real classifier gives a text: the tests' preconditions."""

    def run(text: str) -> tuple[str, str]:
        decision = triage_model.classifier.classify(Contact(id="check", text=text))
        return decision.category.value, decision.priority.value

    return run


def test_the_texts_mean_what_the_tests_assume(decide: Callable[[str], tuple[str, str]]) -> None:
    assert decide(P1_TEXT) == ("emergency", "P1")
    assert decide(P2_TEXT)[1] == "P2"
    assert decide(ROUTINE_TEXT) == ("enquiry", "P3")


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """Settings for the demo's in-process queue and alerts, or for Redis (unique prefix)."""
    if request.param == "memory":
        yield {}
        return
    async with redis_test_client() as (_client, prefix):
        yield {"redis_url": TEST_REDIS_URL, "redis_prefix": prefix}


# ---------- the 999 guidance comes first, whatever the engine does ----------


async def test_p1_over_rest_gets_the_guidance_first_then_the_bot_with_triage_metadata(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    replies = await post(gateway, "s1", P1_TEXT)
    assert [r["text"] for r in replies] == [*GUIDANCE, *bot_texts(P1_TEXT)]
    [sent] = fake_engine.requests
    assert sent["metadata"]["triage"] == {
        "category": "emergency",
        "priority": "P1",
        "flags": ["in_progress", "weapon"],
        "guidance_sent": True,
        "family": crime_family(P1_TEXT),
    }
    assert sent["metadata"]["channel"] == "rest"
    transcript = await gateway.app[store_key].transcript("s1")
    assert [e.author for e in transcript] == ["person", *["system"] * len(GUIDANCE), "bot", "bot"]
    assert transcript[1].text == CALL_999_NOW


async def test_p1_over_the_socket_gets_guidance_while_the_engine_is_still_busy(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.behaviour = "slow"  # holds every answer past the 0.5 s engine timeout
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_json({"type": "message", "id": "m1", "text": ROUTINE_TEXT})
        await frames_until(ws, lambda f: f["type"] == "typing" and f["active"])
        started = time.monotonic()
        await ws.send_json({"type": "message", "id": "m2", "text": P1_TEXT})
        frames = await frames_until(ws, lambda f: is_bot(f) and f["text"] == GUIDANCE[-1])
        elapsed = time.monotonic() - started
        assert elapsed < 0.4  # before the engine gives up on m1, let alone answers m2
        assert frames[0] == {"type": "ack", "id": "m2", "duplicate": False}
        bots = [f for f in frames if is_bot(f)]
        assert [f["text"] for f in bots] == list(GUIDANCE)
        assert all(f["emergency"] is True for f in bots)
        # Then the engine times out on m1 and on m2: the fallback, once for each.
        rest = await frames_until(
            ws, lambda f: is_bot(f) and f["text"].startswith("Sorry"), timeout=3
        )
        rest += await frames_until(
            ws, lambda f: is_bot(f) and f["text"].startswith("Sorry"), timeout=3
        )
    assert [f["emergency"] for f in rest if is_bot(f)] == [False, False]
    assert [r["message"] for r in fake_engine.requests] == [ROUTINE_TEXT, P1_TEXT]


async def test_engine_down_p1_still_gets_guidance_and_staff_get_an_alert_and_a_p1_item(
    gateway_factory: Factory, make_settings: Callable[..., Settings], backend: dict[str, Any]
) -> None:
    client = await gateway_factory(
        make_settings(rasa_url=f"http://127.0.0.1:{free_port()}", **backend)
    )
    office = client.app[back_office_key]
    async with office.alerts.subscribe() as alerts:
        replies = await post(client, "s1", P1_TEXT)
        alert = await next_alert(alerts)
    texts = [r["text"] for r in replies]
    assert texts[: len(GUIDANCE)] == list(GUIDANCE)
    [fallback] = texts[len(GUIDANCE) :]
    assert "cannot answer" in fallback and "999" in fallback
    assert (alert.conversation_id, alert.priority, alert.channel) == ("s1", Priority.P1, "webchat")
    assert {f.flag.value for f in alert.flags} == {"weapon", "in_progress"}
    await settle(client)
    [item] = await office.queue.list_waiting()
    # The engine failure queues too, but cannot lower the emergency or replace its reason.
    assert (item.conversation_id, item.priority, item.reason) == ("s1", Priority.P1, "emergency")
    assert item.channel is Channel.WEBCHAT
    assert item.summary == P1_TEXT


async def test_engine_down_cannot_overtake_the_emergency_item_when_the_alert_is_slow(
    gateway_factory: Factory, make_settings: Callable[..., Settings], backend: dict[str, Any]
) -> None:
    """The back office alerts before it queues, so a slow alert (a loaded machine, a busy
    Redis) lets the engine failure reach the queue first; the item must still be the
    emergency's, not "engine_unavailable" (the queue keeps the first reason at equal priority).
    """
    client = await gateway_factory(
        make_settings(rasa_url=f"http://127.0.0.1:{free_port()}", **backend)
    )
    office = client.app[back_office_key]
    publish = office.alerts.publish

    async def slow_publish(alert: Alert) -> int:
        await asyncio.sleep(0.05)
        receivers: int = await publish(alert)
        return receivers

    office.alerts.publish = slow_publish
    async with office.alerts.subscribe() as alerts:
        await post(client, "s1", P1_TEXT)
        await next_alert(alerts)
    await settle(client)
    [item] = await office.queue.list_waiting()
    assert (item.priority, item.reason) == (Priority.P1, "emergency")


async def test_staff_held_conversation_still_gets_guidance_and_an_alert_but_no_bot(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    await gateway.app[store_key].set_mode("web-1", "human")
    office = gateway.app[back_office_key]
    async with office.alerts.subscribe() as alerts:
        async with gateway.ws_connect("/ws?conversation=web-1") as ws:
            await ws.send_json({"type": "message", "id": "m1", "text": P1_TEXT})
            frames = await frames_until(ws, lambda f: is_bot(f) and f["text"] == GUIDANCE[-1])
            assert await no_frame_within(ws, 0.3)  # no typing, no bot answer
        alert = await next_alert(alerts)
    assert [f["type"] for f in frames] == ["ack", *["bot"] * len(GUIDANCE)]
    assert fake_engine.requests == []
    assert alert.priority is Priority.P1
    await settle(gateway)
    [item] = await office.queue.list_waiting()
    assert (item.conversation_id, item.priority) == ("web-1", Priority.P1)


async def test_staff_held_conversation_over_rest_gets_only_the_guidance(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    await gateway.app[store_key].set_mode("s1", "human")
    assert [r["text"] for r in await post(gateway, "s1", P1_TEXT)] == list(GUIDANCE)
    assert await post(gateway, "s1", ROUTINE_TEXT) == []
    assert fake_engine.requests == []


# ---------- what goes to the bot and to the queue ----------


async def test_a_story_goes_to_the_engine_with_the_crime_family_its_words_describe(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    story = "I parked up, came back and the back window was in pieces and my bag was gone"
    await post(gateway, "s1", story)
    [sent] = fake_engine.requests
    assert sent["metadata"]["triage"]["family"] == "vehicle_crime"


async def test_routine_message_goes_to_the_engine_with_triage_metadata_and_is_not_queued(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    replies = await post(gateway, "s1", ROUTINE_TEXT)
    assert [r["text"] for r in replies] == bot_texts(ROUTINE_TEXT)
    [sent] = fake_engine.requests
    assert sent["metadata"]["triage"] == {
        "category": "enquiry",
        "priority": "P3",
        "flags": [],
        "guidance_sent": False,
        "family": None,
    }
    await settle(gateway)
    office = gateway.app[back_office_key]
    assert await office.queue.list_waiting() == []
    [entry] = await office.decisions.recent()
    assert [a["action"] for a in entry.route_actions] == ["to_bot"]


async def test_p2_message_is_queued_and_still_gets_the_bot_reply_without_an_alert(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    office = gateway.app[back_office_key]
    async with office.alerts.subscribe() as alerts:
        replies = await post(gateway, "s1", P2_TEXT)
        await settle(gateway)
        with pytest.raises(TimeoutError):
            await next_alert(alerts, timeout=0.2)
    assert [r["text"] for r in replies] == bot_texts(P2_TEXT)
    assert fake_engine.requests[0]["metadata"]["triage"]["priority"] == "P2"
    [item] = await office.queue.list_waiting()
    assert (item.conversation_id, item.priority, item.reason) == ("s1", Priority.P2, "urgent_risk")
    assert [f.flag.value for f in item.flags] == ["domestic_abuse"]


async def test_resent_message_is_not_triaged_twice(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_json({"type": "message", "id": "m1", "text": P1_TEXT})
        await frames_until(ws, lambda f: is_bot(f) and f["text"] == "Shall I send this report?")
        await ws.send_json({"type": "message", "id": "m1", "text": P1_TEXT})
        [ack] = await frames_until(ws, lambda f: True)
        assert ack == {"type": "ack", "id": "m1", "duplicate": True}
        assert await no_frame_within(ws, 0.3)  # no second guidance
    await settle(gateway)
    office = gateway.app[back_office_key]
    assert len(await office.decisions.recent()) == 1
    assert len(fake_engine.requests) == 1
    transcript = await gateway.app[store_key].transcript("web-1")
    assert [e.text for e in transcript].count(CALL_999_NOW) == 1


# ---------- what the bot sends back ----------


async def test_handoff_payload_from_the_bot_queues_the_conversation_and_is_not_shown(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    joining = "I have asked a member of our team to join this chat."
    fake_engine.answer = [{"text": joining}, handoff("human_requested", "P3")]
    replies = await post(gateway, "s1", "I want to speak to a real person")
    assert without_wait_notice([r["text"] for r in replies]) == [joining]
    transcript = await gateway.app[store_key].transcript("s1")
    assert [(e.author, e.text) for e in transcript[:2]] == [
        ("person", "I want to speak to a real person"),
        ("bot", joining),
    ]
    assert [e.author for e in transcript[2:]] == ["system"]
    await settle(gateway)
    [item] = await gateway.app[back_office_key].queue.list_waiting()
    assert (item.conversation_id, item.priority, item.reason) == (
        "s1",
        Priority.P3,
        "human_requested",
    )


async def test_handoff_payload_over_the_socket_is_not_shown(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.answer = [handoff("human_requested", "P3"), {"text": "Someone will join you."}]
    async with gateway.ws_connect("/ws?conversation=web-1") as ws:
        await ws.send_json({"type": "message", "id": "m1", "text": "talk to a human"})
        frames = await frames_until(ws, lambda f: f["type"] == "typing" and not f["active"])
        frames += await frames_until(ws, is_bot)
        frames += await frames_until(ws, is_bot)  # the wait notice
        assert await no_frame_within(ws, 0.2)
    texts = [f["text"] for f in frames if is_bot(f)]
    assert without_wait_notice(texts) == ["Someone will join you."]
    await settle(gateway)
    assert len(await gateway.app[back_office_key].queue.list_waiting()) == 1


async def test_bot_emergency_that_triage_missed_alerts_staff_and_queues_p1(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.answer = [{"text": CALL_999_NOW}, handoff("emergency", "P1")]
    office = gateway.app[back_office_key]
    async with office.alerts.subscribe() as alerts:
        replies = await post(gateway, "s1", ROUTINE_TEXT)  # triage: enquiry, P3
        alert = await next_alert(alerts)
    # The bot's, as no guidance went out.
    assert without_wait_notice([r["text"] for r in replies]) == [CALL_999_NOW]
    assert (alert.conversation_id, alert.priority) == ("s1", Priority.P1)
    await settle(gateway)
    [item] = await office.queue.list_waiting()
    assert (item.priority, item.reason) == (Priority.P1, "emergency")


async def test_bot_repeating_the_guidance_is_not_shown_twice_and_staff_are_alerted_once(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    bot_guidance = emergency_guidance("emergency_intruder")
    fake_engine.answer = [
        *({"text": line} for line in bot_guidance),
        handoff("emergency", "P1"),
        {"text": STAFF_ALERTED},
    ]
    office = gateway.app[back_office_key]
    async with office.alerts.subscribe() as alerts:
        replies = await post(gateway, "s1", P1_TEXT)
        await next_alert(alerts)
        await settle(gateway)
        with pytest.raises(TimeoutError):  # the bot's handoff does not alert again
            await next_alert(alerts, timeout=0.2)
    texts = [r["text"] for r in replies]
    intruder_only = [line for line in bot_guidance if line not in GUIDANCE]
    assert intruder_only  # the situations differ, so the bot adds its own advice
    assert without_wait_notice(texts) == [*GUIDANCE, *intruder_only, STAFF_ALERTED]


async def test_unknown_custom_payloads_are_neither_shown_nor_queued(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.answer = [{"custom": {"map": {"lat": 1}}}, {"text": "Here it is."}]
    assert [r["text"] for r in await post(gateway, "s1", ROUTINE_TEXT)] == ["Here it is."]
    await settle(gateway)
    assert await gateway.app[back_office_key].queue.list_waiting() == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            {"bluelamp": {"handoff": {"reason": "emergency", "priority": "P1"}}},
            BotHandoff("emergency", Priority.P1),
        ),
        (
            {"bluelamp": {"handoff": {"reason": "urgent_risk", "priority": "P2"}}},
            BotHandoff("urgent_risk", Priority.P2),
        ),
        # A garbled request for a person is still one, at the level anyone waiting gets.
        ({"bluelamp": {"handoff": {}}}, BotHandoff("human_requested", Priority.P3)),
        (
            {"bluelamp": {"handoff": {"reason": "made_up", "priority": "P9"}}},
            BotHandoff("human_requested", Priority.P3),
        ),
        (
            {"bluelamp": {"handoff": {"reason": ["x"], "priority": {"p": 1}}}},
            BotHandoff("human_requested", Priority.P3),
        ),
        (
            {"bluelamp": {"handoff": {"reason": "human_requested", "priority": "P4"}}},
            BotHandoff("human_requested", Priority.P3),
        ),
        ({"bluelamp": {"handoff": "yes"}}, None),
        ({"bluelamp": []}, None),
        ({"something": "else"}, None),
    ],
)
def test_parse_bot_handoff(payload: dict[str, Any], expected: BotHandoff | None) -> None:
    assert parse_bot_handoff(payload) == expected


# ---------- audit and personal data ----------


async def test_decisions_are_recorded_in_sqlite_with_redacted_text(
    gateway: Client, fake_engine: FakeEngine, triage_model: TriageModel, var_dir: Path
) -> None:
    text = "someone punched me outside 4 Elm Road last week, call me on 07700 900123"
    await post(gateway, "s1", text)
    await settle(gateway)
    office = gateway.app[back_office_key]
    [entry] = await office.decisions.recent()
    assert (var_dir / "bluelamp.db").is_file()
    assert entry.contact_id == fake_engine.requests[0]["metadata"]["message_id"]
    assert entry.conversation_id == "s1"
    assert entry.priority is Priority.P2
    assert entry.model_version == triage_model.version
    assert [a["action"] for a in entry.route_actions] == ["queue_for_operator", "to_bot"]
    assert "07700" not in entry.redacted_text and "Elm Road" not in entry.redacted_text
    assert "[phone]" in entry.redacted_text and "[address]" in entry.redacted_text
    [item] = await office.queue.list_waiting()
    assert "07700" not in item.summary and "[phone]" in item.summary


async def test_logs_name_the_decision_but_never_the_words(gateway: Client) -> None:
    text = "A man with a knife is breaking into 4 Elm Road right now, I'm Jane Doe"
    with structlog.testing.capture_logs() as events:
        await post(gateway, "s1", text)
        await settle(gateway)
    [decided] = [e for e in events if e["event"] == "triage_decided"]
    assert decided["priority"] == "P1"
    assert decided["flags"] == ["in_progress", "weapon"]
    assert any(e["event"] == "emergency_guidance_sent" for e in events)
    assert any(e["event"] == "triage_dispatched" for e in events)
    for secret in ("Jane", "Elm", "knife"):
        assert secret not in repr(events)


# ---------- Redis going away ----------


async def test_a_stuck_queue_and_alert_bus_never_delay_the_persons_replies(
    gateway: Client, fake_engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = gateway.app[back_office_key]
    release = asyncio.Event()
    enqueue, publish = office.queue.enqueue, office.alerts.publish

    async def stuck_enqueue(request: Any) -> Any:
        await release.wait()
        return await enqueue(request)

    async def stuck_publish(alert: Alert) -> int:
        await release.wait()
        return await publish(alert)

    monkeypatch.setattr(office.queue, "enqueue", stuck_enqueue)
    monkeypatch.setattr(office.alerts, "publish", stuck_publish)
    replies = await asyncio.wait_for(post(gateway, "s1", P1_TEXT), timeout=2)
    assert [r["text"] for r in replies] == [*GUIDANCE, *bot_texts(P1_TEXT)]
    assert await office.queue.list_waiting() == []  # still stuck, and nobody waited for it
    release.set()
    await settle(gateway)
    [item] = await office.queue.list_waiting()
    assert item.priority is Priority.P1


async def test_queue_backend_down_is_logged_and_the_person_still_gets_every_reply(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    office = gateway.app[back_office_key]
    office.queue = RedisOperatorQueue.from_url(dead)  # closed with the back office
    office.alerts = RedisAlertBus.from_url(dead)
    with structlog.testing.capture_logs() as events:
        replies = await post(gateway, "s1", P1_TEXT)
        await settle(gateway)
    assert [r["text"] for r in replies] == [*GUIDANCE, *bot_texts(P1_TEXT)]
    failed = {e["event"] for e in events if e.get("log_level") == "error"}
    assert {"alert_failed", "enqueue_failed"} <= failed
    [entry] = await office.decisions.recent()  # the audit record is still written
    assert entry.priority is Priority.P1


async def test_redis_down_mid_conversation_the_person_still_gets_the_guidance(
    gateway_factory: Factory,
    make_settings: Callable[..., Settings],
    fake_engine: FakeEngine,
    redis_prefix: str,
) -> None:
    proxy = TcpProxy(TEST_REDIS_URL)
    await proxy.start()
    try:
        client = await gateway_factory(
            make_settings(redis_url=proxy.url, redis_prefix=redis_prefix)
        )
        async with client.ws_connect("/ws?conversation=web-1") as ws:
            await ws.send_json({"type": "message", "id": "m1", "text": ROUTINE_TEXT})
            await frames_until(ws, lambda f: is_bot(f) and f["text"].startswith("Shall"))

            await proxy.stop()  # Redis goes away: store, queue and alerts all at once
            await ws.send_json({"type": "message", "id": "m2", "text": P1_TEXT})
            frames = await frames_until(ws, lambda f: f["type"] == "error", timeout=5)
            assert [f["text"] for f in frames if is_bot(f)] == list(GUIDANCE)
            assert frames[-1]["id"] == "m2" and frames[-1]["code"] == "unavailable"
            assert "999" in frames[-1]["error"]
            # The widget resends every few seconds: the guidance is not repeated each time.
            await ws.send_json({"type": "message", "id": "m2", "text": P1_TEXT})
            [again] = await frames_until(ws, lambda f: True, timeout=5)
            assert again["type"] == "error"

            await proxy.start()  # back on the same port
            await ws.send_json({"type": "message", "id": "m2", "text": P1_TEXT})
            frames = await frames_until(ws, lambda f: is_bot(f) and f["text"].startswith("Shall"))
        assert frames[0] == {"type": "ack", "id": "m2", "duplicate": False}
        assert [f["text"] for f in frames if is_bot(f)] == [*GUIDANCE, *bot_texts(P1_TEXT)]
        await settle(client)
        [item] = await client.app[back_office_key].queue.list_waiting()
        assert (item.conversation_id, item.priority) == ("web-1", Priority.P1)
        assert [r["message"] for r in fake_engine.requests] == [ROUTINE_TEXT, P1_TEXT]
    finally:
        await proxy.stop()


async def test_engine_metadata_keeps_channel_and_triage_out_of_the_clients_reach(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    resp = await gateway.post(
        URL,
        json={
            "sender": "s1",
            "message": ROUTINE_TEXT,
            "metadata": {"channel": "x", "triage": {"priority": "P4"}},
        },
    )
    assert resp.status == 200
    metadata = fake_engine.requests[0]["metadata"]
    assert metadata["channel"] == "rest"
    assert metadata["triage"]["priority"] == "P3"
    assert metadata["client"] == {"channel": "x", "triage": {"priority": "P4"}}


async def test_shutdown_waits_for_back_office_work_in_flight(
    gateway_factory: Factory, make_settings: Callable[..., Settings]
) -> None:
    client = await gateway_factory(make_settings())
    office = client.app[back_office_key]
    assert await post(client, "s1", P2_TEXT)
    # Recording this first decision migrates the SQLite file, which takes a while.
    await client.close()  # runs the cleanup contexts: drain, then close the back office
    try:
        [entry] = await office.decisions.recent()
    finally:
        await office.decisions.aclose()
    assert entry.priority is Priority.P2
    [item] = await office.queue.list_waiting()  # in-process: still readable after close
    assert item.priority is Priority.P2


# ---------- an answer to the form's question is read as an answer ----------

SUSPECT_QUESTION = (
    "Can you describe who did it? Height, build, clothing, anything they said, or a name if "
    "you know it."
)
DESCRIPTION = "a man in his twenties with a black Audi"


def test_a_description_alone_looks_like_an_emergency_to_the_model(
    triage_model: TriageModel,
) -> None:
    """The precondition of the next test: out of context the model alone says P1."""
    alone = triage_model.classifier.classify(Contact(id="a", text=DESCRIPTION))
    assert alone.priority.value == "P1" and not alone.flag_names
    answer = triage_model.classifier.classify(
        Contact(id="b", text=DESCRIPTION, answering="suspect_description")
    )
    assert answer.priority.value == "P2"  # a person still looks at it


async def test_who_did_it_answered_after_the_form_asked_gets_no_999_guidance(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.answer = [{"text": SUSPECT_QUESTION}]
    await post(gateway, "s1", "someone dented my car on the drive")
    replies = await post(gateway, "s1", DESCRIPTION)
    assert all(CALL_999_NOW not in r.get("text", "") for r in replies), replies
    assert fake_engine.requests[-1]["metadata"]["triage"]["priority"] == "P2"


async def test_a_real_emergency_in_answer_to_the_form_still_gets_the_guidance(
    gateway: Client, fake_engine: FakeEngine
) -> None:
    fake_engine.answer = [{"text": SUSPECT_QUESTION}]
    await post(gateway, "s1", "someone dented my car on the drive")
    replies = await post(gateway, "s1", P1_TEXT)
    assert replies[0]["text"].startswith(CALL_999_NOW)
