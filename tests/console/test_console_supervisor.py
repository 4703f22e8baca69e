"""The supervisor's view: who is signed in and how loaded, queue figures, and the audit log
(searchable, each search itself recorded)."""

from __future__ import annotations

import uuid

import pytest
from aiohttp.test_utils import TestServer

from channels.keys import back_office_key
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueItem, QueueRequest

from .conftest import StaffFactory
from .support import error_of


async def queued(server: TestServer, priority: Priority) -> QueueItem:
    return await server.app[back_office_key].queue.enqueue(
        QueueRequest(
            f"web-{uuid.uuid4().hex[:12]}", Channel.WEBCHAT, priority, "human_requested", "x"
        )
    )


async def test_overview_shows_operators_presence_load_and_figures(
    staff: StaffFactory, gateway: TestServer
) -> None:
    held = await queued(gateway, Priority.P3)
    await queued(gateway, Priority.P1)
    await queued(gateway, Priority.P2)
    op1 = await staff("op1")
    await op1.post(f"/console/api/items/{held.id}/claim")
    sup = await staff("sup1")
    resp = await sup.get("/console/api/supervisor/overview")
    assert resp.status == 200
    body = await resp.json()
    people = {p["username"]: p for p in body["operators"]}
    assert set(people) == {"op1", "op2", "sup1"}  # active accounts; the disabled one is not
    assert (people["op1"]["online"], people["op1"]["claimed"]) == (True, 1)
    assert people["op1"]["last_seen"] and people["op1"]["display_name"] == "Operator One"
    assert (people["op2"]["online"], people["op2"]["last_seen"], people["op2"]["claimed"]) == (
        False,
        None,
        0,
    )
    assert people["sup1"]["role"] == "supervisor" and people["sup1"]["online"]
    figures = body["figures"]
    assert (figures["waiting"], figures["claimed"]) == (2, 1)
    assert figures["by_priority"] == {"P1": 1, "P2": 1, "P3": 0, "P4": 0}
    assert figures["oldest_seconds"] >= 0 and figures["breached"] in (0, 1)


async def test_audit_search_by_actor_action_and_conversation_is_itself_recorded(
    staff: StaffFactory, gateway: TestServer
) -> None:
    item = await queued(gateway, Priority.P3)
    cid = item.conversation_id
    op1 = await staff("op1")
    await op1.post(f"/console/api/items/{item.id}/claim")
    await op1.get(f"/console/api/conversations/{cid}")
    await op1.post(f"/console/api/items/{item.id}/release")
    sup = await staff("sup1")

    resp = await sup.get("/console/api/audit", params={"conversation": cid})
    assert resp.status == 200
    rows = await resp.json()
    assert [(r["actor"], r["action"], r["kind"]) for r in rows] == [
        ("sup1", "search_audit", "consultation"),  # this very search, recorded first
        ("op1", "release", "alteration"),
        ("op1", "view_conversation", "consultation"),
        ("op1", "claim", "alteration"),
    ]
    assert set(rows[0]) == {
        "id",
        "at",
        "actor",
        "action",
        "kind",
        "conversation_id",
        "item_id",
        "case_reference",
        "reason",
        "detail",
    }
    assert rows[1]["item_id"] == item.id

    only_views = await (
        await sup.get(
            "/console/api/audit",
            params={"conversation": cid, "action": "view_conversation", "actor": "op1"},
        )
    ).json()
    assert [(r["actor"], r["action"]) for r in only_views] == [("op1", "view_conversation")]
    limited = await (
        await sup.get("/console/api/audit", params={"conversation": cid, "limit": "2"})
    ).json()
    assert [r["action"] for r in limited] == ["search_audit", "search_audit"]

    searches = await (
        await sup.get("/console/api/audit", params={"actor": "sup1", "action": "search_audit"})
    ).json()
    assert [r["conversation_id"] for r in searches] == [None, cid, cid, cid]
    assert searches[0]["detail"] == "actor=sup1 action=search_audit"


@pytest.mark.parametrize(
    "params",
    [
        {"action": "explode"},
        {"since": "yesterday"},
        {"limit": "0"},
        {"limit": "many"},
        {"limit": "501"},
        {"conversation": "bad id!"},
        {"since": "2026-11-27", "until": "2026-11-26"},
    ],
)
async def test_audit_search_filters_are_checked(
    staff: StaffFactory, params: dict[str, str]
) -> None:
    sup = await staff("sup1")
    resp = await sup.get("/console/api/audit", params=params)
    assert resp.status == 400
    await error_of(resp)


async def test_fixed_lists_for_the_console(staff: StaffFactory) -> None:
    op1 = await staff("op1")
    canned = await (await op1.get("/console/api/canned")).json()
    ids = [c["id"] for c in canned]
    assert ids == [
        "greeting",
        "ask_location",
        "call_999",
        "call_101",
        "report_online",
        "data_protection",
        "closing",
    ]
    greeting = canned[0]["text"]
    assert "Operator One" in greeting and "Northshire Police" in greeting
    assert all("{" not in c["text"] for c in canned)
    outcomes = await (await op1.get("/console/api/outcomes")).json()
    assert [o["id"] for o in outcomes] == [
        "advice_given",
        "report_taken",
        "case_created",
        "referred_elsewhere",
        "emergency_escalated",
        "no_further_action",
        "person_left",
    ]
    crime_types = {
        c["id"]: c["label"] for c in await (await op1.get("/console/api/crime-types")).json()
    }
    assert crime_types["asb"] == "Anti-social behaviour" and "fraud" not in crime_types
