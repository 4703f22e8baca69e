"""The queue through the console: listing with targets, claiming (one winner), releasing,
reassigning (supervisors only), each change in the audit log."""

from __future__ import annotations

import asyncio
import uuid

from aiohttp.test_utils import TestServer

from channels.keys import back_office_key, console_key, store_key
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueItem, QueueRequest
from triage.staff.ports import AuditQuery

from .conftest import StaffFactory
from .support import error_of


async def enqueue(
    server: TestServer, priority: Priority = Priority.P3, cid: str | None = None
) -> QueueItem:
    return await server.app[back_office_key].queue.enqueue(
        QueueRequest(
            cid or f"c-{uuid.uuid4().hex[:10]}",
            Channel.WEBCHAT,
            priority,
            "human_requested",
            "wants a person",
        )
    )


async def actions_on(server: TestServer, cid: str) -> list[tuple[str, str, str | None]]:
    entries = await server.app[console_key].audit.search(AuditQuery(conversation_id=cid))
    return [(e.actor, e.action.value, e.detail) for e in reversed(entries)]


async def test_queue_lists_waiting_items_with_targets_and_mine(
    staff: StaffFactory, gateway: TestServer
) -> None:
    p1 = await enqueue(gateway, Priority.P1)
    p3 = await enqueue(gateway, Priority.P3)
    await gateway.app[store_key].set_mode(p3.conversation_id, "human")
    op1 = await staff("op1")
    resp = await op1.get("/console/api/queue")
    assert resp.status == 200
    body = await resp.json()
    assert [i["id"] for i in body["waiting"]] == [p1.id, p3.id]
    first, second = body["waiting"]
    assert (first["priority"], first["target_seconds"], second["target_seconds"]) == (
        "P1",
        0,
        600,
    )
    assert (first["mode"], second["mode"]) == ("bot", "human")
    assert {"waited_seconds", "breached", "summary", "flags", "enqueued_at"} <= set(first)
    assert body["mine"] == [] and body["now"]
    assert (await op1.post(f"/console/api/items/{p3.id}/claim")).status == 200
    body = await (await op1.get("/console/api/queue")).json()
    assert [i["id"] for i in body["mine"]] == [p3.id]
    assert [i["id"] for i in body["waiting"]] == [p1.id]


async def test_two_operators_claim_at_once_and_exactly_one_wins(
    staff: StaffFactory, gateway: TestServer
) -> None:
    item = await enqueue(gateway)
    op1, op2 = await staff("op1"), await staff("op2")
    answers = await asyncio.gather(
        op1.post(f"/console/api/items/{item.id}/claim"),
        op2.post(f"/console/api/items/{item.id}/claim"),
    )
    statuses = sorted(r.status for r in answers)
    assert statuses == [200, 409]
    winner = next(r for r in answers if r.status == 200)
    loser = next(r for r in answers if r.status == 409)
    holder = (await winner.json())["item"]["claimed_by"]
    assert holder in ("op1", "op2")
    assert holder in await error_of(loser)
    current = await gateway.app[back_office_key].queue.get(item.id)
    assert current is not None and current.claimed_by == holder
    claims = [a for a in await actions_on(gateway, item.conversation_id) if a[1] == "claim"]
    assert (holder, "claim", None) in claims


async def test_claiming_again_is_harmless_and_a_gone_item_is_404(
    staff: StaffFactory, gateway: TestServer
) -> None:
    item = await enqueue(gateway)
    op1 = await staff("op1")
    first = await op1.post(f"/console/api/items/{item.id}/claim")
    again = await op1.post(f"/console/api/items/{item.id}/claim")
    assert (first.status, again.status) == (200, 200)
    assert (await again.json())["item"]["claimed_by"] == "op1"
    assert (await op1.post("/console/api/items/q-none/claim")).status == 404
    assert (await op1.post("/console/api/items/bad%20id/claim")).status == 400


async def test_release_puts_the_item_back_and_only_the_holder_can(
    staff: StaffFactory, gateway: TestServer
) -> None:
    item = await enqueue(gateway)
    op1, op2 = await staff("op1"), await staff("op2")
    await op1.post(f"/console/api/items/{item.id}/claim")
    assert (await op2.post(f"/console/api/items/{item.id}/release")).status == 409
    resp = await op1.post(f"/console/api/items/{item.id}/release")
    assert resp.status == 200
    released = (await resp.json())["item"]
    assert released["claimed_by"] is None
    assert released["enqueued_at"] == item.enqueued_at.isoformat()
    assert [a[1] for a in await actions_on(gateway, item.conversation_id)] == [
        "claim",
        "release",
    ]


async def test_a_taken_over_conversation_cannot_simply_be_released(
    staff: StaffFactory, gateway: TestServer
) -> None:
    item = await enqueue(gateway)
    op1 = await staff("op1")
    await op1.post(f"/console/api/items/{item.id}/claim")
    await gateway.app[store_key].set_mode(item.conversation_id, "human")
    resp = await op1.post(f"/console/api/items/{item.id}/release")
    assert resp.status == 409 and "hand it back" in await error_of(resp)


async def test_supervisor_reassigns_and_the_audit_says_who_to_whom(
    staff: StaffFactory, gateway: TestServer
) -> None:
    item = await enqueue(gateway, Priority.P2)
    op1, sup = await staff("op1"), await staff("sup1")
    await op1.post(f"/console/api/items/{item.id}/claim")
    resp = await sup.post(f"/console/api/items/{item.id}/reassign", {"to": "op2"})
    assert resp.status == 200
    moved = (await resp.json())["item"]
    assert moved["claimed_by"] == "op2" and moved["enqueued_at"] == item.enqueued_at.isoformat()
    assert ("sup1", "reassign", "to=op2 from=op1") in await actions_on(
        gateway, item.conversation_id
    )
    # The old holder no longer holds it.
    assert (await op1.post(f"/console/api/items/{item.id}/release")).status == 409


async def test_reassign_checks_the_target_and_the_item(
    staff: StaffFactory, gateway: TestServer
) -> None:
    item = await enqueue(gateway)
    sup = await staff("sup1")
    for body in ({}, {"to": ""}, {"to": 7}, {"to": "nobody-here"}, {"to": "gone1"}):
        resp = await sup.post(f"/console/api/items/{item.id}/reassign", body)
        assert resp.status == 400, body
    assert (await sup.post("/console/api/items/q-none/reassign", {"to": "op1"})).status == 404
    assert await actions_on(gateway, item.conversation_id) == []


async def test_operators_cannot_reassign_see_the_overview_or_search_the_audit(
    staff: StaffFactory, gateway: TestServer
) -> None:
    item = await enqueue(gateway)
    op1 = await staff("op1")
    reassign = await op1.post(f"/console/api/items/{item.id}/reassign", {"to": "op1"})
    assert reassign.status == 403 and "supervisors" in await error_of(reassign)
    assert (await op1.get("/console/api/supervisor/overview")).status == 403
    assert (await op1.get("/console/api/audit")).status == 403
    current = await gateway.app[back_office_key].queue.get(item.id)
    assert current is not None and current.waiting
