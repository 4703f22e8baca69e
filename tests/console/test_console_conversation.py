"""A conversation through the console: viewing needs the item (or a supervisor's reason);
take over, reply, typing, hand back and close reach the person's own widget through the
real gateway, and pause and resume the fake engine. Every step is in the audit log."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import ClientWebSocketResponse
from aiohttp.test_utils import TestServer

from channels.keys import back_office_key, console_key, store_key
from channels.store import TranscriptEntry
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueItem, QueueRequest
from triage.staff.ports import AuditQuery

from .conftest import StaffFactory
from .support import FakeRasa, StaffClient, error_of, frames_until

STAFF_JOINED = "A member of our contact centre team has joined the chat."


async def queued(server: TestServer, cid: str, priority: Priority = Priority.P2) -> QueueItem:
    return await server.app[back_office_key].queue.enqueue(
        QueueRequest(cid, Channel.WEBCHAT, priority, "human_requested", "wants a person")
    )


async def audit_trail(server: TestServer, cid: str) -> list[tuple[str, str, str | None]]:
    entries = await server.app[console_key].audit.search(AuditQuery(conversation_id=cid))
    return [(e.actor, e.action.value, e.detail) for e in reversed(entries)]


@pytest.fixture
def cid() -> str:
    return f"web-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def person(gateway: TestServer, cid: str) -> AsyncIterator[ClientWebSocketResponse]:
    """The person's widget on the same gateway, having said hello to the bot."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(gateway.make_url(f"/ws?conversation={cid}")) as ws,
    ):
        await ws.send_json({"type": "message", "id": "m1", "text": "hello, I need help"})
        await frames_until(ws, lambda f: f["type"] == "bot" and f["text"] == "Bot answer.")
        yield ws


async def holding(staff: StaffFactory, server: TestServer, cid: str, who: str) -> StaffClient:
    item = await queued(server, cid)
    client = await staff(who)
    assert (await client.post(f"/console/api/items/{item.id}/claim")).status == 200
    return client


async def test_the_transcript_needs_the_item_and_a_view_is_recorded(
    staff: StaffFactory, gateway: TestServer, fake_rasa: FakeRasa, cid: str
) -> None:
    store = gateway.app[store_key]
    await store.append(cid, TranscriptEntry(direction="in", author="person", text="my bike"))
    await store.append(cid, TranscriptEntry(direction="out", author="bot", text="Sorry."))
    fake_rasa.slots[cid] = {"crime_type": "theft", "incident_where": "Station Road"}
    item = await queued(gateway, cid)
    op1, op2 = await staff("op1"), await staff("op2")

    before = await op1.get(f"/console/api/conversations/{cid}")
    assert before.status == 403 and "Claim" in await error_of(before)
    await op1.post(f"/console/api/items/{item.id}/claim")
    resp = await op1.get(f"/console/api/conversations/{cid}")
    assert resp.status == 200
    body = await resp.json()
    assert body["conversation_id"] == cid
    assert (body["channel"], body["mode"]) == ("webchat", "bot")
    assert body["item"]["id"] == item.id and body["item"]["claimed_by"] == "op1"
    assert [(e["author"], e["text"]) for e in body["transcript"]] == [
        ("person", "my bike"),
        ("bot", "Sorry."),
    ]
    assert body["collected"] == {"crime_type": "theft", "incident_where": "Station Road"}

    other = await op2.get(f"/console/api/conversations/{cid}")
    assert other.status == 403 and "op1" in await error_of(other)
    assert await audit_trail(gateway, cid) == [
        ("op1", "claim", None),
        ("op1", "view_conversation", None),
    ]


async def test_a_supervisor_views_any_conversation_with_a_reason(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    await holding(staff, gateway, cid, "op1")
    sup = await staff("sup1")
    no_reason = await sup.get(f"/console/api/conversations/{cid}")
    assert no_reason.status == 400 and "reason" in await error_of(no_reason)
    resp = await sup.get(
        f"/console/api/conversations/{cid}", params={"reason": "quality check  of op1"}
    )
    assert resp.status == 200
    entries = await gateway.app[console_key].audit.search(
        AuditQuery(conversation_id=cid, actor="sup1")
    )
    assert [(e.action.value, e.reason) for e in entries] == [
        ("view_conversation", "quality check of op1")
    ]
    # Not even a supervisor may act on a conversation someone else holds.
    takeover = await sup.post(f"/console/api/conversations/{cid}/takeover")
    assert takeover.status == 409


async def test_take_over_reply_typing_and_hand_back_reach_the_person(
    staff: StaffFactory,
    gateway: TestServer,
    fake_rasa: FakeRasa,
    cid: str,
    person: ClientWebSocketResponse,
) -> None:
    op1 = await holding(staff, gateway, cid, "op1")
    early = await op1.post(f"/console/api/conversations/{cid}/messages", {"text": "Hi"})
    assert early.status == 409 and "Take over" in await error_of(early)

    resp = await op1.post(f"/console/api/conversations/{cid}/takeover")
    assert (resp.status, await resp.json()) == (200, {"mode": "human"})
    assert (cid, "pause") in fake_rasa.events
    frames = await frames_until(person, lambda f: f["type"] == "bot" and f["author"] == "system")
    assert frames[-1]["text"] == STAFF_JOINED

    typing = await op1.post(f"/console/api/conversations/{cid}/typing", {"active": True})
    assert typing.status == 204
    await frames_until(
        person, lambda f: f == {"type": "typing", "active": True, "author": "operator"}
    )

    reply = await op1.post(
        f"/console/api/conversations/{cid}/messages", {"text": "Hello, I'm Operator One."}
    )
    assert reply.status == 201
    entry = (await reply.json())["entry"]
    assert (entry["author"], entry["direction"], entry["text"]) == (
        "operator",
        "out",
        "Hello, I'm Operator One.",
    )
    frames = await frames_until(person, lambda f: f["type"] == "bot" and f["author"] == "operator")
    assert frames[-1]["text"] == "Hello, I'm Operator One."

    sent_to_bot = len(fake_rasa.messages)
    await person.send_json({"type": "message", "id": "m2", "text": "thank you"})
    await frames_until(person, lambda f: f["type"] == "ack" and f["id"] == "m2")

    back = await op1.post(f"/console/api/conversations/{cid}/handback")
    assert (back.status, await back.json()) == (200, {"mode": "bot"})
    assert (cid, "resume") in fake_rasa.events
    assert len(fake_rasa.messages) == sent_to_bot  # the bot never saw the message to staff
    await frames_until(person, lambda f: f["type"] == "mode" and f["mode"] == "bot")
    queue = gateway.app[back_office_key].queue
    assert await queue.list_claimed() == [] and await queue.list_waiting() == []
    transcript = await gateway.app[store_key].transcript(cid)
    assert [e.author for e in transcript if e.direction == "out"][-3:] == [
        "system",
        "operator",
        "system",
    ]
    assert await audit_trail(gateway, cid) == [
        ("op1", "claim", None),
        ("op1", "reply", "length=2"),  # recorded before it was tried ...
        ("op1", "reply", "not_done=NotTakenOver"),  # ... and then marked as not done
        ("op1", "take_over", None),
        ("op1", "reply", "length=24"),
        ("op1", "hand_back", None),
    ]


async def test_close_needs_a_known_outcome_tells_the_person_and_finishes_the_item(
    staff: StaffFactory,
    gateway: TestServer,
    cid: str,
    person: ClientWebSocketResponse,
) -> None:
    op1 = await holding(staff, gateway, cid, "op1")
    await op1.post(f"/console/api/conversations/{cid}/takeover")
    for body in ({}, {"outcome": "solved"}, {"outcome": 3}):
        resp = await op1.post(f"/console/api/conversations/{cid}/close", body)
        assert resp.status == 400
    resp = await op1.post(f"/console/api/conversations/{cid}/close", {"outcome": "advice_given"})
    assert resp.status == 200
    assert (await resp.json())["outcome"] == "advice_given"
    frames = await frames_until(person, lambda f: f["type"] == "closed")
    assert any(f.get("text", "").startswith("This chat has ended.") for f in frames)
    assert await gateway.app[store_key].get_mode(cid) == "bot"
    assert await gateway.app[back_office_key].queue.list_claimed() == []
    assert ("op1", "close", "outcome=advice_given") in await audit_trail(gateway, cid)
    after = await op1.post(f"/console/api/conversations/{cid}/messages", {"text": "still there?"})
    assert after.status == 403  # the item is done: nothing more to act on


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"text": ""}, 400),
        ({"text": "   "}, 400),
        ({"text": "x" * 501}, 400),
        ({"text": 5}, 400),
        ({}, 400),
    ],
)
async def test_replies_are_checked(
    staff: StaffFactory, gateway: TestServer, cid: str, body: dict[str, Any], status: int
) -> None:
    op1 = await holding(staff, gateway, cid, "op1")
    await op1.post(f"/console/api/conversations/{cid}/takeover")
    resp = await op1.post(f"/console/api/conversations/{cid}/messages", body)
    assert resp.status == status
    await error_of(resp)


async def test_malformed_json_is_a_clear_400(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    op1 = await holding(staff, gateway, cid, "op1")
    resp = await op1.session.post(
        f"/console/api/conversations/{cid}/messages",
        data=b'{"text": ',
        headers={
            "Origin": op1.origin,
            "X-CSRF-Token": op1.csrf,
            "Content-Type": "application/json",
        },
    )
    assert resp.status == 400 and "JSON" in await error_of(resp)
