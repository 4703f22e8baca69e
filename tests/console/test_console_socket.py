"""The console socket: the queue on connect and on change, P1 alerts at once, live events
only for conversations the operator holds (any for a supervisor), and nothing for a
stranger or a signed-out console."""

from __future__ import annotations

import uuid

import aiohttp
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestServer

from channels.keys import back_office_key, console_key
from triage.decisions import Channel, Flag, Priority, RiskFlag
from triage.queue.alerts import Alert
from triage.queue.ports import QueueItem, QueueRequest
from triage.staff.ports import AuditAction, AuditQuery

from .conftest import StaffFactory
from .support import frames_until


async def queued(server: TestServer, cid: str, priority: Priority = Priority.P3) -> QueueItem:
    return await server.app[back_office_key].queue.enqueue(
        QueueRequest(cid, Channel.WEBCHAT, priority, "human_requested", "wants a person")
    )


def new_cid() -> str:
    return f"web-{uuid.uuid4().hex[:12]}"


async def test_queue_snapshot_on_connect_and_again_when_it_changes(
    staff: StaffFactory, gateway: TestServer
) -> None:
    first = await queued(gateway, new_cid(), Priority.P2)
    op1 = await staff("op1")
    async with await op1.socket() as ws:
        [snapshot] = await frames_until(ws, lambda f: f["type"] == "queue")
        assert [i["id"] for i in snapshot["waiting"]] == [first.id]
        assert snapshot["waiting"][0]["target_seconds"] == 180
        assert snapshot["mine"] == []
        assert snapshot["figures"]["waiting"] == 1
        assert snapshot["figures"]["by_priority"] == {"P1": 0, "P2": 1, "P3": 0, "P4": 0}
        assert "claimed" not in snapshot  # the whole claimed list is for supervisors

        second = await queued(gateway, new_cid(), Priority.P1)
        frames = await frames_until(ws, lambda f: f["type"] == "queue")
        assert [i["id"] for i in frames[-1]["waiting"]] == [second.id, first.id]

        assert (await op1.post(f"/console/api/items/{first.id}/claim")).status == 200
        frames = await frames_until(ws, lambda f: f["type"] == "queue" and f["mine"] != [])
        assert [i["id"] for i in frames[-1]["mine"]] == [first.id]


async def test_a_p1_alert_arrives_at_once(staff: StaffFactory, gateway: TestServer) -> None:
    op1 = await staff("op1")
    async with await op1.socket() as ws:
        await frames_until(ws, lambda f: f["type"] == "queue")
        cid = new_cid()
        alert = Alert(
            cid,
            Channel.X,
            Priority.P1,
            "someone has a [weapon]",
            (Flag(RiskFlag.WEAPON, "knife"),),
            link="https://x.com/i/status/1",
            author="@someone",
        )
        assert await gateway.app[back_office_key].alerts.publish(alert) >= 1
        frames = await frames_until(ws, lambda f: f["type"] == "alert")
        assert frames[-1]["alert"] == {
            "id": alert.id,
            "conversation_id": cid,
            "channel": "x",
            "priority": "P1",
            "summary": "someone has a [weapon]",
            "flags": [{"flag": "weapon", "evidence": "knife"}],
            "link": "https://x.com/i/status/1",
            "author": "@someone",
            "at": alert.created_at.isoformat(),
        }


async def test_watch_is_refused_for_a_conversation_not_held(
    staff: StaffFactory, gateway: TestServer
) -> None:
    cid = new_cid()
    item = await queued(gateway, cid)
    op1, op2 = await staff("op1"), await staff("op2")
    await op2.post(f"/console/api/items/{item.id}/claim")
    async with await op1.socket() as ws:
        await frames_until(ws, lambda f: f["type"] == "queue")
        await ws.send_json({"type": "watch", "conversation_id": cid})
        [refused] = await frames_until(ws, lambda f: f["type"] in ("error", "watching"))
        assert refused["type"] == "error" and "claimed" in refused["error"]
        await ws.send_json({"type": "watch", "conversation_id": "bad id!"})
        [invalid] = await frames_until(ws, lambda f: f["type"] in ("error", "watching"))
        assert invalid["type"] == "error"
    views = await gateway.app[console_key].audit.search(
        AuditQuery(conversation_id=cid, action=AuditAction.VIEW_CONVERSATION)
    )
    assert views == []


async def test_the_holder_watches_live_events_until_the_item_is_done(
    staff: StaffFactory, gateway: TestServer
) -> None:
    cid = new_cid()
    item = await queued(gateway, cid)
    op1 = await staff("op1")
    await op1.post(f"/console/api/items/{item.id}/claim")
    async with await op1.socket() as ws:
        await frames_until(ws, lambda f: f["type"] == "queue")
        await ws.send_json({"type": "watch", "conversation_id": cid})
        await frames_until(ws, lambda f: f["type"] == "watching")
        await op1.post(f"/console/api/conversations/{cid}/takeover")
        frames = await frames_until(ws, lambda f: f["type"] == "event" and f["kind"] == "mode")
        assert frames[-1]["data"] == {"mode": "human", "by": "op1"}
        joined = [f for f in frames if f["type"] == "event" and f["kind"] == "message"]
        assert joined and joined[0]["data"]["author"] == "system"
        await op1.post(f"/console/api/conversations/{cid}/messages", {"text": "Hello there"})
        frames = await frames_until(
            ws, lambda f: f["type"] == "event" and f["data"].get("author") == "operator"
        )
        assert frames[-1]["data"]["text"] == "Hello there"
        assert frames[-1]["origin"] == "operator:op1"

        await op1.post(f"/console/api/conversations/{cid}/close", {"outcome": "advice_given"})
        await frames_until(ws, lambda f: f["type"] == "event" and f["kind"] == "closed")
        frames = await frames_until(ws, lambda f: f["type"] == "unwatched")
        assert frames[-1] == {"type": "unwatched", "conversation_id": cid, "reason": "not_held"}
    views = await gateway.app[console_key].audit.search(
        AuditQuery(conversation_id=cid, action=AuditAction.VIEW_CONVERSATION)
    )
    assert [(e.actor, e.detail) for e in views] == [("op1", "watch")]


async def test_a_supervisor_may_watch_any_conversation_and_sees_every_claimed_item(
    staff: StaffFactory, gateway: TestServer
) -> None:
    cid = new_cid()
    item = await queued(gateway, cid)
    op1, sup = await staff("op1"), await staff("sup1")
    await op1.post(f"/console/api/items/{item.id}/claim")
    async with await sup.socket() as ws:
        [snapshot] = await frames_until(ws, lambda f: f["type"] == "queue")
        assert [i["claimed_by"] for i in snapshot["claimed"]] == ["op1"]
        await ws.send_json({"type": "watch", "conversation_id": cid, "reason": "coaching"})
        await frames_until(ws, lambda f: f["type"] == "watching")
    views = await gateway.app[console_key].audit.search(
        AuditQuery(conversation_id=cid, action=AuditAction.VIEW_CONVERSATION)
    )
    assert [(e.actor, e.reason, e.detail) for e in views] == [("sup1", "coaching", "watch")]


async def test_ping_keeps_the_session_and_a_signed_out_console_is_closed(
    staff: StaffFactory,
) -> None:
    op1 = await staff("op1")
    async with await op1.socket() as ws:
        await frames_until(ws, lambda f: f["type"] == "queue")
        await ws.send_json({"type": "ping"})
        await frames_until(ws, lambda f: f["type"] == "pong")
        assert (await op1.post("/console/api/logout")).status == 204
        await ws.send_json({"type": "ping"})
        frames = await frames_until(ws, lambda f: f["type"] == "error")
        assert "sign in again" in frames[-1]["error"]
        closing = await ws.receive()
        assert closing.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
        assert ws.close_code == 4401


@pytest.mark.parametrize("signed_in", [True, False])
async def test_the_socket_refuses_other_origins_and_strangers(
    staff: StaffFactory, signed_in: bool
) -> None:
    client = await staff("op1", sign_in=signed_in)
    headers = {"Origin": "https://evil.example"} if signed_in else {"Origin": client.origin}
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.session.ws_connect("/console/ws", headers=headers)
    assert refused.value.status == (403 if signed_in else 401)
