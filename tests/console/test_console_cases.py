"""Cases from the console: a draft prefilled from the bot's slots, creation that a double
click cannot duplicate, attaching to an existing case, all recorded (audit log and the
case store's own processing log)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from channels.keys import back_office_key, console_key
from triage.cases.processing_log import Access, LogAction
from triage.cases.references import new_reference
from triage.cases.sql_store import SqlCaseSystem
from triage.decisions import Channel, Flag, Priority, RiskFlag
from triage.queue.ports import QueueRequest
from triage.staff.ports import AuditAction, AuditQuery

from .conftest import StaffFactory
from .support import FakeRasa, StaffClient, error_of

SLOTS: dict[str, Any] = {
    "crime_type": "theft",
    "incident_description": "My bike was taken from the rack",
    "incident_where": "outside the library, Station Road",
    "incident_when": "Tue 24 Nov 2026, about 15:00",
    "property_details": "red Raleigh bike",
    "property_value": "£350",
    "reporter_name": "Jo Bloggs",
    "reporter_contact": "jo@example.com",
    "contact_consent": True,
    "requested_slot": "evidence",
}


@pytest.fixture
def cid() -> str:
    return f"web-{uuid.uuid4().hex[:12]}"


async def holding(
    staff: StaffFactory, server: TestServer, cid: str, who: str = "op1"
) -> StaffClient:
    item = await server.app[back_office_key].queue.enqueue(
        QueueRequest(
            cid,
            Channel.WEBCHAT,
            Priority.P2,
            "human_requested",
            "wants a person",
            (Flag(RiskFlag.VULNERABLE, "my son"),),
        )
    )
    client = await staff(who)
    assert (await client.post(f"/console/api/items/{item.id}/claim")).status == 200
    return client


def case_store(server: TestServer) -> SqlCaseSystem:
    cases = server.app[console_key].cases
    assert isinstance(cases, SqlCaseSystem)
    return cases


async def test_the_draft_is_prefilled_from_what_the_bot_collected(
    staff: StaffFactory, gateway: TestServer, fake_rasa: FakeRasa, cid: str
) -> None:
    fake_rasa.slots[cid] = SLOTS
    op1 = await holding(staff, gateway, cid)
    resp = await op1.get(f"/console/api/conversations/{cid}/case-draft")
    assert resp.status == 200
    assert await resp.json() == {
        "crime_type": "theft",
        "account": "My bike was taken from the rack",
        "location": "outside the library, Station Road",
        "time_window": "Tue 24 Nov 2026, about 15:00",
        "details": {"property_details": "red Raleigh bike", "property_value": "£350"},
        "reporter_name": "Jo Bloggs",
        "reporter_contact": "jo@example.com",
        "contact_consent": True,
        "n": 0,
    }
    entries = await gateway.app[console_key].audit.search(AuditQuery(conversation_id=cid))
    assert [(e.action.value, e.detail) for e in entries] == [
        ("view_conversation", "case_draft"),
        ("claim", None),
    ]
    other = await staff("op2")
    assert (await other.get(f"/console/api/conversations/{cid}/case-draft")).status == 409


async def test_an_empty_draft_when_the_bot_collected_nothing(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    op1 = await holding(staff, gateway, cid)
    body = await (await op1.get(f"/console/api/conversations/{cid}/case-draft")).json()
    assert body["crime_type"] == "" and body["account"] == "" and body["details"] == {}
    assert body["contact_consent"] is False


async def test_creating_a_case_twice_gives_one_case_and_the_next_draft_a_new_one(
    staff: StaffFactory, gateway: TestServer, fake_rasa: FakeRasa, cid: str
) -> None:
    fake_rasa.slots[cid] = SLOTS
    op1 = await holding(staff, gateway, cid)
    draft = await (await op1.get(f"/console/api/conversations/{cid}/case-draft")).json()
    draft["account"] += " (checked with the caller)"
    clicks = await asyncio.gather(
        *(op1.post(f"/console/api/conversations/{cid}/case", draft) for _ in range(3))
    )
    assert sorted(r.status for r in clicks) == [200, 200, 201]
    references = {(await r.json())["reference"] for r in clicks}
    assert len(references) == 1
    reference = references.pop()

    cases = case_store(gateway)
    mine = [c for c in await cases.list_cases(limit=500) if c.conversation_id == cid]
    assert [c.reference for c in mine] == [reference]
    detail = await cases.get_case(reference, access=Access.staff("test", "checking the test"))
    assert detail is not None
    assert detail.account == "My bike was taken from the rack (checked with the caller)"
    assert detail.details == {"property_details": "red Raleigh bike", "property_value": "£350"}
    assert (detail.reporter_name, detail.reporter_contact) == ("Jo Bloggs", "jo@example.com")
    assert detail.summary.priority == "P2"
    assert set(detail.summary.flags) >= {"vulnerable", "taken_by_staff"}
    # The case store's processing log names the operator who collected it, not the public.
    entries = await cases.log_for(reference, Access.staff("test", "checking the test"))
    assert entries is not None
    assert [e.actor for e in entries if e.action is LogAction.COLLECTION] == ["staff:op1"]

    created = await gateway.app[console_key].audit.search(
        AuditQuery(conversation_id=cid, action=AuditAction.CREATE_CASE)
    )
    assert {e.case_reference for e in created} == {reference}

    again = await (await op1.get(f"/console/api/conversations/{cid}/case-draft")).json()
    assert again["n"] == 1
    second = await op1.post(f"/console/api/conversations/{cid}/case", {**again, "n": 1})
    assert second.status == 201
    assert (await second.json())["reference"] != reference


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"crime_type": "fraud"}, "type of crime"),
        ({"crime_type": None}, "type of crime"),
        ({"account": "  "}, "what happened"),
        ({"contact_consent": True, "reporter_contact": None}, "contacted"),
        ({"contact_consent": "yes"}, "true or false"),
        ({"details": {"password": "x"}}, "may hold only"),
        ({"details": {"evidence": 5}}, "must be text"),
        ({"n": -1}, "'n'"),
    ],
)
async def test_a_draft_that_cannot_be_a_case_is_a_clear_400(
    staff: StaffFactory, gateway: TestServer, cid: str, change: dict[str, Any], words: str
) -> None:
    op1 = await holding(staff, gateway, cid)
    draft = {
        "crime_type": "theft",
        "account": "My bike was taken",
        "details": {},
        "contact_consent": False,
        **change,
    }
    resp = await op1.post(f"/console/api/conversations/{cid}/case", draft)
    assert resp.status == 400
    assert words in await error_of(resp)
    assert [c for c in await case_store(gateway).list_cases() if c.conversation_id == cid] == []


async def test_attach_links_an_existing_case_and_an_unknown_one_is_404(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    earlier = f"web-{uuid.uuid4().hex[:12]}"
    op2 = await holding(staff, gateway, earlier, "op2")
    made = await op2.post(
        f"/console/api/conversations/{earlier}/case",
        {"crime_type": "criminal_damage", "account": "Graffiti on my wall"},
    )
    reference = (await made.json())["reference"]

    op1 = await holding(staff, gateway, cid)
    unknown = await op1.post(
        f"/console/api/conversations/{cid}/attach", {"reference": new_reference()}
    )
    assert unknown.status == 404
    malformed = await op1.post(f"/console/api/conversations/{cid}/attach", {"reference": "BL-1"})
    assert malformed.status == 400
    resp = await op1.post(
        f"/console/api/conversations/{cid}/attach", {"reference": reference.lower()}
    )
    assert (resp.status, await resp.json()) == (200, {"reference": reference})
    again = await op1.post(f"/console/api/conversations/{cid}/attach", {"reference": reference})
    assert again.status == 200

    cases = case_store(gateway)
    assert await cases.linked_conversations(reference) == [earlier, cid]
    log = await cases.log_for(reference, Access.staff("test", "checking the test"))
    assert log is not None
    combined = [e for e in log if e.action is LogAction.COMBINATION]
    assert [(e.actor, e.fields) for e in combined] == [
        ("staff:op1", ("case_conversation_links.conversation_id",))
    ]
    attached = await gateway.app[console_key].audit.search(
        AuditQuery(conversation_id=cid, action=AuditAction.ATTACH_CASE)
    )
    assert [(e.actor, e.case_reference) for e in attached] == [
        ("op1", reference),
        ("op1", reference),
    ]
