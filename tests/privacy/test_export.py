"""Subject access export: everything held about a conversation or a reporter, audited."""

from __future__ import annotations

import json

import pytest

from channels.privacy.export import RECIPIENT, NothingHeld, to_json
from channels.x.state import RedisXState
from tests.cases.support import report
from triage.cases.processing_log import Access, LogAction
from triage.decisions import Channel, Priority
from triage.queue.ports import QueueRequest
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery

from .support import World, add_rows, contact_log, days_ago, decision, handoff, said


async def seed(world: World) -> str:
    await world.store.append("conv-1", said("my bike was stolen", days_ago(2)))
    await world.store.append("conv-1", said("Sorry to hear that.", days_ago(2), author="bot"))
    await world.store.claim_message_id("conv-1", "m-1")
    await world.store.remember_channel("conv-1", "webchat")
    await world.store.set_mode("conv-1", "human")
    await world.queue.enqueue(
        QueueRequest("conv-1", Channel.WEBCHAT, Priority.P2, "requested", "bike stolen")
    )
    await add_rows(
        world.engine,
        decision("conv-1", "my bike was stolen", days_ago(2)),
        decision("conv-other", "someone else", days_ago(2)),
        contact_log("conv-1", "fraud on my card", days_ago(2)),
        handoff("conv-1", "wants a person", days_ago(2)),
    )
    await world.audit.record(
        AuditEntry(actor="op1", action=AuditAction.VIEW_CONVERSATION, conversation_id="conv-1")
    )
    receipt = await world.cases.submit(
        report(conversation_id="conv-1", reporter_contact="Jo.Bloggs@Example.com 07700 900123")
    )
    await world.cases.link_conversation(receipt.reference, "conv-2", access=Access.staff("op1"))
    await world.store.append("conv-2", said("I reported a bike theft before", days_ago(1)))
    return receipt.reference


async def test_conversation_export_holds_everything_and_is_audited(world: World) -> None:
    reference = await seed(world)

    export = await world.subject_access().conversation("conv-1", by="dpo1", reason="SAR-2026-041")

    head = export["subject_access_export"]
    assert (head["kind"], head["subject"], head["generated_by"]) == (
        "conversation",
        "conv-1",
        "dpo1",
    )
    [section] = export["conversations"]
    assert [e["text"] for e in section["transcript"]] == [
        "my bike was stolen",
        "Sorry to hear that.",
    ]
    assert (section["mode"], section["channel"]) == ("human", "webchat")
    assert section["seen_message_ids"] == ["m-1"]
    assert section["queue_item"]["summary"] == "bike stolen"
    assert [d.redacted_text for d in section["triage_decisions"]] == ["my bike was stolen"]
    assert [r["summary"] for r in section["contact_logs"]] == [{"what": "fraud on my card"}]
    assert [r["summary"] for r in section["handoff_requests"]] == [{"what": "wants a person"}]
    assert section["case_references"] == [reference]
    assert [e.action for e in section["staff_audit"]] == [AuditAction.VIEW_CONVERSATION]
    [case] = export["cases"]
    assert case["case"].reporter_name == "Jo Bloggs"
    assert case["conversation_ids"] == ["conv-1", "conv-2"]

    text = json.loads(to_json(export))  # every value is JSON
    assert text["cases"][0]["case"]["reporter_contact"].startswith("Jo.Bloggs@")

    entries = await world.audit.search(AuditQuery(action=AuditAction.SUBJECT_ACCESS_EXPORT))
    assert {(e.actor, e.reason, e.action.kind) for e in entries} == {
        ("dpo1", "SAR-2026-041", "disclosure")
    }
    [by_conversation] = [e for e in entries if e.conversation_id == "conv-1"]
    assert reference in (by_conversation.detail or "")
    assert [e.case_reference for e in entries if e.conversation_id is None] == [reference]
    log = await world.cases.log_for(reference, Access.staff("dpo2", "checking"))
    assert log is not None
    disclosures = [e for e in log if e.action is LogAction.DISCLOSURE]
    assert [(e.actor, e.justification, e.recipient) for e in disclosures] == [
        ("staff:dpo1", "SAR-2026-041", RECIPIENT)
    ]
    assert any(e.action is LogAction.CONSULTATION and e.actor == "staff:dpo1" for e in log)


async def test_reporter_export_finds_cases_by_normalised_contact(world: World) -> None:
    reference = await seed(world)
    await world.cases.submit(
        report("other:0", conversation_id="conv-9", reporter_contact="someone@else.org")
    )
    for contact in ("  jo.bloggs@EXAMPLE.com ", "+44 7700 900123"):
        export = await world.subject_access().reporter(contact, by="dpo1", reason="SAR-7")
        assert [c["reference"] for c in export["cases"]] == [reference]
        assert [s["conversation_id"] for s in export["conversations"]] == ["conv-1", "conv-2"]
        assert export["conversations"][1]["transcript"][0]["text"].startswith("I reported")

    audited = await world.audit.search(AuditQuery(action=AuditAction.SUBJECT_ACCESS_EXPORT))
    assert {e.case_reference for e in audited} == {reference, None}
    assert {e.conversation_id for e in audited} == {"conv-1", "conv-2", None}


async def test_unknown_subjects_are_refused_clearly_and_not_audited(world: World) -> None:
    await seed(world)
    access = world.subject_access()
    with pytest.raises(NothingHeld, match="nothing is held about conversation 'nobody'"):
        await access.conversation("nobody", by="dpo1", reason="SAR-1")
    with pytest.raises(NothingHeld, match="no case has a reporter"):
        await access.reporter("nobody@example.com", by="dpo1", reason="SAR-1")
    with pytest.raises(ValueError, match="email address or phone number"):
        await access.reporter("NE1 4ST", by="dpo1", reason="SAR-1")
    with pytest.raises(ValueError, match="--reason"):
        await access.conversation("conv-1", by="dpo1", reason="  ")
    assert await world.audit.search(AuditQuery(action=AuditAction.SUBJECT_ACCESS_EXPORT)) == []


async def test_a_conversation_erased_by_retention_still_shows_its_record(world: World) -> None:
    """After erasure only the audit trail is held: the export says so rather than nothing."""
    await world.store.append("gone", said("hello", days_ago(40)))
    await world.retention().run()
    export = await world.subject_access().conversation("gone", by="dpo1", reason="SAR-3")
    [section] = export["conversations"]
    assert section["transcript"] == []
    assert [e.action for e in section["staff_audit"]] == [AuditAction.ERASURE]


async def test_an_x_dm_export_includes_the_account_id_held(world: World) -> None:
    state = RedisXState(world.redis, world.prefix)
    await state.mark("dmpeer:42-43", "43")
    access = world.subject_access()
    access.x_state = state
    export = await access.conversation("x-dm-42-43", by="dpo1", reason="SAR-4")
    assert export["conversations"][0]["x_dm_participant"] == "43"


async def test_one_entry_point_serves_the_command_and_the_console(world: World) -> None:
    """`SubjectAccess.export` takes exactly one subject and answers as the two methods do."""
    reference = await seed(world)
    access = world.subject_access()
    by_conversation = await access.export(conversation="conv-1", by="dpo1", reason="SAR-1")
    assert by_conversation["subject_access_export"]["kind"] == "conversation"
    by_reporter = await access.export(reporter="+44 7700 900123", by="dpo1", reason="SAR-2")
    assert [c["reference"] for c in by_reporter["cases"]] == [reference]
    for subjects in ({}, {"conversation": "conv-1", "reporter": "jo.bloggs@example.com"}):
        with pytest.raises(ValueError, match="either a conversation id or a reporter"):
            await access.export(**subjects, by="dpo1", reason="SAR-3")
    with pytest.raises(NothingHeld):
        await access.export(conversation="nobody", by="dpo1", reason="SAR-4")
    audited = await world.audit.search(AuditQuery(action=AuditAction.SUBJECT_ACCESS_EXPORT))
    assert {e.reason for e in audited} == {"SAR-1", "SAR-2"}
