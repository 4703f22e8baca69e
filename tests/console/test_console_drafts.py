"""Unsent report drafts in the console, on SQLite and on PostgreSQL: the list (labels only,
queue state, not recorded), one draft (recorded as a view), following one up (queued and
claimed, recorded as a claim), the case flow prefilled from it, and the draft gone once the
case exists."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from channels.keys import back_office_key, console_key
from tests.cases.support import (
    DATABASES,
    POSTGRES_URL,
    admin_execute,
    postgres_unreachable_reason,
    run_blocking,
)
from triage.cases.drafts import SqlDraftStore
from triage.cases.ports import ReportDraft
from triage.cases.sql_store import SqlCaseSystem
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueRequest
from triage.staff.ports import AuditAction, AuditQuery

from .conftest import StaffFactory, prepare_database
from .support import FakeRasa, error_of

ANSWERS = {
    "incident_description": "My bike was taken from the rack",
    "incident_where": "outside the library, Station Road",
    "reporter_name": "Jo Bloggs",
    "reporter_contact": "jo@example.com",
    "contact_consent": "Yes",
}


@pytest.fixture(scope="module", params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """This module's database, migrated to head, with the staff accounts: a SQLite file, or
    a PostgreSQL database of its own."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('drafts') / 'console.db'}"
        run_blocking(prepare_database(url))
        yield url
        return
    reason = run_blocking(postgres_unreachable_reason(POSTGRES_URL))
    if reason:
        pytest.skip(str(reason))
    name = f"bluelamp_drafts_{uuid.uuid4().hex[:12]}"
    run_blocking(admin_execute(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        run_blocking(prepare_database(url))
        yield url
    finally:
        run_blocking(admin_execute(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def cid() -> str:
    return f"web-{uuid.uuid4().hex[:12]}"


async def leave_draft(
    server: TestServer,
    cid: str,
    *,
    idle_minutes: float = 15,
    answers: dict[str, str] | None = None,
    crime_type: str = "theft",
) -> None:
    """A draft as the action server keeps it, last changed ``idle_minutes`` ago."""
    cases = server.app[console_key].cases
    assert isinstance(cases, SqlCaseSystem)
    at = datetime.now(UTC) - timedelta(minutes=idle_minutes)
    store = SqlDraftStore.beside(cases, clock=lambda: at)
    await store.keep_draft(
        ReportDraft(cid, "webchat", crime_type, ANSWERS if answers is None else answers, "evidence")
    )


async def listed(client: Any, **params: str) -> dict[str, dict[str, Any]]:
    resp = await client.get("/console/api/drafts", params=params)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return {d["conversation_id"]: d for d in body["drafts"]}


async def test_the_list_shows_idle_drafts_by_label_only_and_is_not_recorded(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    fresh = f"{cid}-fresh"
    await leave_draft(gateway, cid, idle_minutes=15)
    await leave_draft(gateway, fresh, idle_minutes=2)
    op1 = await staff("op1")
    resp = await op1.get("/console/api/drafts")
    text = await resp.text()
    for value in ANSWERS.values():
        assert value not in text  # which questions were answered, never the answers
    drafts = await listed(op1)
    assert fresh not in drafts  # 2 minutes: the person may still be typing
    draft = drafts[cid]
    assert draft["channel"] == "webchat"
    assert (draft["crime_type"], draft["crime_label"]) == ("theft", "Theft")
    assert [a["label"] for a in draft["answered"]] == [
        "What happened",
        "Where",
        "Reporter's name",
        "Reporter's contact details",
        "Agrees to be contacted",
    ]
    assert (draft["asking"], draft["asking_label"], draft["status"]) == (
        "evidence",
        "Evidence",
        "unsent",
    )
    assert 14 * 60 <= draft["idle_seconds"] <= 16 * 60
    assert draft["queue"] == {"state": None, "item_id": None, "claimed_by": None}
    assert fresh in await listed(op1, idle_minutes="0")
    entries = await gateway.app[console_key].audit.search(AuditQuery(conversation_id=cid))
    assert entries == []


async def test_the_list_says_whether_the_conversation_is_queued_or_held(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    waiting, held = f"{cid}-w", f"{cid}-h"
    for conversation in (waiting, held):
        await leave_draft(gateway, conversation)
    queue = gateway.app[back_office_key].queue
    await queue.enqueue(QueueRequest(waiting, Channel.WEBCHAT, Priority.P3, "human_requested"))
    item = await queue.enqueue(QueueRequest(held, Channel.WEBCHAT, Priority.P3, "human_requested"))
    await queue.claim(item.id, "op2")
    sup = await staff("sup1")  # supervisors see the list too
    drafts = await listed(sup)
    assert drafts[waiting]["queue"]["state"] == "waiting"
    assert drafts[held]["queue"] == {"state": "held", "item_id": item.id, "claimed_by": "op2"}


@pytest.mark.parametrize("bad", ["-1", "ten", "1.5", str(60 * 24 * 90 + 1)])
async def test_a_bad_idle_period_is_refused(staff: StaffFactory, bad: str) -> None:
    op1 = await staff("op1")
    resp = await op1.get("/console/api/drafts", params={"idle_minutes": bad})
    assert resp.status == 400
    assert "idle_minutes" in await error_of(resp)


async def test_drafts_need_a_signed_in_member_of_staff(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    await leave_draft(gateway, cid)
    nobody = await staff(sign_in=False)
    for path in ("/console/api/drafts", f"/console/api/drafts/{cid}"):
        assert (await nobody.get(path)).status == 401
    resp = await nobody.post(f"/console/api/drafts/{cid}/follow-up")
    assert resp.status in (401, 403)


async def test_one_draft_shows_the_answers_and_is_recorded_as_a_view_first(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    await leave_draft(gateway, cid)
    op1 = await staff("op1")
    resp = await op1.get(f"/console/api/drafts/{cid}")
    assert resp.status == 200
    body = await resp.json()
    assert {a["slot"]: a["value"] for a in body["answers"]} == ANSWERS
    assert body["answers"][0]["label"] == "What happened"
    sup = await staff("sup1")
    seen = await sup.get(f"/console/api/drafts/{cid}", params={"reason": "checking  the list"})
    assert seen.status == 200
    entries = await gateway.app[console_key].audit.search(AuditQuery(conversation_id=cid))
    view = AuditAction.VIEW_CONVERSATION
    assert view.kind == "consultation"
    assert [(e.actor, e.action, e.detail, e.reason) for e in reversed(entries)] == [
        ("op1", view, "report_draft", None),
        ("sup1", view, "report_draft", "checking the list"),
    ]
    assert (await op1.get("/console/api/drafts/web-nothing-here")).status == 404
    assert (await op1.get("/console/api/drafts/bad%20id")).status == 400


async def test_following_up_queues_and_claims_then_the_case_is_prefilled_and_the_draft_goes(
    staff: StaffFactory, gateway: TestServer, fake_rasa: FakeRasa, cid: str
) -> None:
    await leave_draft(gateway, cid)
    fake_rasa.slots[cid] = {"evidence": "a photo of the lock"}  # the engine still holds some
    op1 = await staff("op1")
    resp = await op1.post(f"/console/api/drafts/{cid}/follow-up")
    assert resp.status == 200, await resp.text()
    item = (await resp.json())["item"]
    assert (item["conversation_id"], item["claimed_by"]) == (cid, "op1")
    assert (item["reason"], item["priority"], item["channel"]) == ("report_draft", "P3", "webchat")
    assert "Jo" not in item["summary"] and "bike" not in item["summary"]
    again = await op1.post(f"/console/api/drafts/{cid}/follow-up")
    assert again.status == 200 and (await again.json())["item"]["id"] == item["id"]
    op2 = await staff("op2")
    taken = await op2.post(f"/console/api/drafts/{cid}/follow-up")
    assert taken.status == 409
    assert "op1" in await error_of(taken)

    drafts = await listed(op1, idle_minutes="0")
    assert drafts[cid]["status"] == "following_up"
    assert drafts[cid]["queue"]["state"] == "held"

    case = await (await op1.get(f"/console/api/conversations/{cid}/case-draft")).json()
    assert case["crime_type"] == "theft"
    assert case["account"] == ANSWERS["incident_description"]
    assert case["location"] == ANSWERS["incident_where"]
    assert case["details"] == {"evidence": "a photo of the lock"}
    assert (case["reporter_name"], case["reporter_contact"], case["contact_consent"]) == (
        "Jo Bloggs",
        "jo@example.com",
        True,
    )
    made = await op1.post(f"/console/api/conversations/{cid}/case", case)
    assert made.status == 201, await made.text()
    assert (await op1.get(f"/console/api/drafts/{cid}")).status == 404
    assert cid not in await listed(op1, idle_minutes="0")

    entries = await gateway.app[console_key].audit.search(AuditQuery(conversation_id=cid))
    assert [(e.actor, e.action.value, e.detail) for e in reversed(entries)] == [
        ("op1", "claim", "from=report_draft"),
        ("op1", "view_conversation", "case_draft"),
        ("op1", "create_case", "n=0 created=yes"),
    ]


async def test_following_up_a_waiting_conversation_claims_its_item(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    await leave_draft(gateway, cid)
    queue = gateway.app[back_office_key].queue
    waiting = await queue.enqueue(
        QueueRequest(cid, Channel.WEBCHAT, Priority.P2, "human_requested")
    )
    sup = await staff("sup1")  # supervisors may take one up too
    resp = await sup.post(f"/console/api/drafts/{cid}/follow-up")
    assert resp.status == 200
    item = (await resp.json())["item"]
    assert (item["id"], item["claimed_by"], item["priority"]) == (waiting.id, "sup1", "P2")


async def test_following_up_needs_a_draft_the_token_and_the_console_origin(
    staff: StaffFactory, gateway: TestServer, cid: str
) -> None:
    op1 = await staff("op1")
    assert (await op1.post(f"/console/api/drafts/{cid}/follow-up")).status == 404
    await leave_draft(gateway, cid)
    assert (await op1.post(f"/console/api/drafts/{cid}/follow-up", csrf="wrong")).status == 403
    other = await op1.post(f"/console/api/drafts/{cid}/follow-up", origin="https://evil.example")
    assert other.status == 403
    assert await gateway.app[back_office_key].queue.item_for(cid) is None
    entries = await gateway.app[console_key].audit.search(AuditQuery(conversation_id=cid))
    assert entries == []
