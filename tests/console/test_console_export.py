"""Subject access export from the console: supervisors only, with a reason, the same export
as the staff command, recorded in the audit log before anything is returned (503 and no
data when it cannot be), sent as a download that nothing may keep."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import make_url

from channels.keys import back_office_key, console_key, store_key
from channels.store import TranscriptEntry
from tests.cases.support import report, run_blocking
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueRequest
from triage.staff.ports import AuditAction, AuditQuery

from .conftest import StaffFactory, prepare_database
from .support import error_of

EXPORT = "/console/api/supervisor/export"
SECRET = "my bike was stolen from Station Road"


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of this module's own: the outage tests break its audit log for a while."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('export') / 'console.db'}"
    run_blocking(prepare_database(url))
    return url


async def seed(gateway: TestServer) -> tuple[str, str, str]:
    """A conversation with a transcript, a queue item and a case; (cid, email, reference)."""
    cid = f"web-{uuid.uuid4().hex[:12]}"
    email = f"jo.{uuid.uuid4().hex[:8]}@example.com"
    await gateway.app[store_key].append(
        cid, TranscriptEntry(direction="in", author="person", text=SECRET)
    )
    await gateway.app[back_office_key].queue.enqueue(
        QueueRequest(cid, Channel.WEBCHAT, Priority.P3, "human_requested", "bike stolen")
    )
    receipt = await gateway.app[console_key].cases.submit(
        report(f"{cid}:0", conversation_id=cid, reporter_contact=email)
    )
    return cid, email, receipt.reference


async def exports(gateway: TestServer, **query: str) -> list[tuple[str, str | None, str | None]]:
    entries = await gateway.app[console_key].audit.search(
        AuditQuery(action=AuditAction.SUBJECT_ACCESS_EXPORT, **query)  # type: ignore[arg-type]
    )
    return [(e.actor, e.reason, e.case_reference) for e in entries]


async def test_a_supervisor_downloads_the_export_recorded_with_the_reason(
    staff: StaffFactory, gateway: TestServer
) -> None:
    cid, _email, reference = await seed(gateway)
    sup = await staff("sup1")

    resp = await sup.post(EXPORT, {"conversation": cid, "reason": "SAR-2026-041  from DPO"})

    assert resp.status == 200, await resp.text()
    assert resp.content_type == "application/json"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="subject-access-export-')
    assert disposition.endswith('.json"') and cid not in disposition
    assert resp.headers["Cache-Control"] == "no-store"
    body = await resp.json()
    head = body["subject_access_export"]
    assert (head["kind"], head["subject"], head["generated_by"], head["reason"]) == (
        "conversation",
        cid,
        "sup1",
        "SAR-2026-041 from DPO",
    )
    [section] = body["conversations"]
    assert [e["text"] for e in section["transcript"]] == [SECRET]
    assert section["queue_item"]["summary"] == "bike stolen"
    assert section["case_references"] == [reference]
    assert [c["reference"] for c in body["cases"]] == [reference]
    assert body["cases"][0]["case"]["reporter_name"] == "Jo Bloggs"

    assert await exports(gateway, conversation_id=cid) == [("sup1", "SAR-2026-041 from DPO", None)]
    assert await exports(gateway, case_reference=reference) == [
        ("sup1", "SAR-2026-041 from DPO", reference)
    ]


async def test_a_reporter_is_found_by_their_contact(
    staff: StaffFactory, gateway: TestServer
) -> None:
    cid, email, reference = await seed(gateway)
    sup = await staff("sup1")

    resp = await sup.post(EXPORT, {"reporter": email.upper(), "reason": "SAR-7"})

    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["subject_access_export"]["kind"] == "reporter"
    assert [c["reference"] for c in body["cases"]] == [reference]
    assert [s["conversation_id"] for s in body["conversations"]] == [cid]
    assert await exports(gateway, case_reference=reference) == [("sup1", "SAR-7", reference)]


async def test_operators_may_not_export(staff: StaffFactory, gateway: TestServer) -> None:
    cid, email, _reference = await seed(gateway)
    op1 = await staff("op1")
    for subject in ({"conversation": cid}, {"reporter": email}):
        resp = await op1.post(EXPORT, {**subject, "reason": "curious"})
        assert resp.status == 403
        assert "supervisors" in (await error_of(resp)).lower()
    assert await exports(gateway, conversation_id=cid) == []


async def test_unsafe_request_checks_apply(staff: StaffFactory, gateway: TestServer) -> None:
    cid, _email, _reference = await seed(gateway)
    sup = await staff("sup1")
    body = {"conversation": cid, "reason": "SAR-1"}
    assert (await sup.post(EXPORT, body, csrf="wrong-token")).status == 403
    assert (await sup.post(EXPORT, body, origin="https://elsewhere.example")).status == 403
    anonymous = await staff()
    assert (await anonymous.post(EXPORT, body)).status == 401
    assert await exports(gateway, conversation_id=cid) == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"conversation": "CID"}, "why"),
        ({"conversation": "CID", "reason": "   "}, "why"),
        ({"conversation": "CID", "reason": 42}, "why"),
        ({"conversation": "CID", "reason": "x" * 301}, "300"),
        ({"reason": "SAR-1"}, "either"),
        ({"conversation": "CID", "reporter": "jo@example.com", "reason": "SAR-1"}, "either"),
        ({"conversation": "bad id!", "reason": "SAR-1"}, "conversation"),
        ({"reporter": "NE1 4ST", "reason": "SAR-1"}, "email address or phone number"),
        ({"reporter": "x" * 321, "reason": "SAR-1"}, "320"),
    ],
)
async def test_bad_requests_are_refused_and_not_recorded(
    staff: StaffFactory, gateway: TestServer, body: dict[str, object], says: str
) -> None:
    cid, _email, _reference = await seed(gateway)
    sent = {k: cid if v == "CID" else v for k, v in body.items()}
    sup = await staff("sup1")
    resp = await sup.post(EXPORT, sent)
    assert resp.status == 400
    assert says in await error_of(resp)
    assert await exports(gateway, conversation_id=cid) == []


async def test_nothing_held_is_404_as_the_command_says_nothing_exported(
    staff: StaffFactory, gateway: TestServer
) -> None:
    sup = await staff("sup1")
    nobody = f"web-{uuid.uuid4().hex[:12]}"
    resp = await sup.post(EXPORT, {"conversation": nobody, "reason": "SAR-9"})
    assert resp.status == 404
    assert "Nothing exported" in await error_of(resp)
    resp = await sup.post(EXPORT, {"reporter": "nobody-at-all@example.com", "reason": "SAR-9"})
    assert resp.status == 404
    assert await exports(gateway, conversation_id=nobody) == []


@contextmanager
def audit_outage(url: str, how: str) -> Iterator[None]:
    """The audit log alone fails: its table gone, or (reads still working) every write
    refused; put back afterwards for the module's other tests."""
    path = make_url(url).database
    assert path
    broken, mended = {
        "gone": (
            "ALTER TABLE staff_audit RENAME TO staff_audit_gone",
            "ALTER TABLE staff_audit_gone RENAME TO staff_audit",
        ),
        "read_only": (
            "CREATE TRIGGER audit_down BEFORE INSERT ON staff_audit "
            "BEGIN SELECT RAISE(ABORT, 'audit log down'); END",
            "DROP TRIGGER audit_down",
        ),
    }[how]
    with sqlite3.connect(path) as connection:
        connection.execute(broken)
    try:
        yield
    finally:
        with sqlite3.connect(path) as connection:
            connection.execute(mended)


@pytest.mark.parametrize("how", ["gone", "read_only"])
async def test_no_export_leaves_unless_it_is_recorded(
    staff: StaffFactory, gateway: TestServer, database_url: str, how: str
) -> None:
    cid, email, reference = await seed(gateway)
    sup = await staff("sup1")

    with audit_outage(database_url, how):
        for subject in ({"conversation": cid}, {"reporter": email}):
            resp = await sup.post(EXPORT, {**subject, "reason": "SAR-503"})
            assert resp.status == 503
            text = await resp.text()
            await error_of(resp)
            assert "Content-Disposition" not in resp.headers
            for held in (SECRET, "Jo Bloggs", reference, email):
                assert held not in text

    assert await exports(gateway, conversation_id=cid) == []
    resp = await sup.post(EXPORT, {"conversation": cid, "reason": "SAR-503"})
    assert resp.status == 200  # the log is back: so is the export
    assert json.loads(await resp.text())["conversations"][0]["transcript"][0]["text"] == SECRET
