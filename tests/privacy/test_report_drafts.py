"""Unsent report drafts are personal data: retention erases old ones (logged by id and count
only) and a subject access export of the conversation holds its draft."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from channels.privacy.retention import Periods
from triage.cases.drafts import SqlDraftStore
from triage.cases.ports import ReportDraft
from triage.staff.ports import AuditAction, AuditQuery

from .support import World, days_ago

SECRET = "Sam Patel of 4 Market Street"


def drafts_at(world: World, days: float) -> SqlDraftStore:
    """The store, its clock set ``days`` before the test's now."""
    return SqlDraftStore.beside(world.cases, clock=lambda: days_ago(days))


async def keep(world: World, cid: str, days: float) -> None:
    await drafts_at(world, days).keep_draft(
        ReportDraft(cid, "webchat", "theft", {"reporter_name": SECRET}, "reporter_contact")
    )


async def test_retention_erases_drafts_unchanged_for_the_period(world: World) -> None:
    await keep(world, "old", 31)
    await keep(world, "renewed", 40)
    await keep(world, "renewed", 2)  # answered again since: its age restarts
    await keep(world, "recent", 29)

    dry = await world.retention().run(dry_run=True)
    assert dry.rows_in("report_drafts") == 1
    assert await world.records.rows_for("report_drafts", "old") != []

    report = await world.retention().run()
    assert report.rows_in("report_drafts") == 1
    drafts = drafts_at(world, 0)
    assert await drafts.draft_for("old") is None
    assert await drafts.draft_for("renewed") is not None
    assert await drafts.draft_for("recent") is not None

    entries = await world.audit.search(AuditQuery(action=AuditAction.ERASURE))
    erased = [e for e in entries if (e.detail or "").startswith("report_drafts")]
    assert [(e.conversation_id, e.detail) for e in erased] == [("old", "report_drafts=1")]
    for entry in entries:
        assert SECRET not in " ".join(str(v) for v in asdict(entry).values())

    again = await world.retention().run()
    assert again.rows_in("report_drafts") == 0


async def test_the_draft_period_is_a_setting_of_its_own(world: World) -> None:
    await keep(world, "week-old", 7)
    periods = Periods(draft_days=5)
    report = await world.retention(periods).run()
    assert report.rows_in("report_drafts") == 1
    assert report.drafts_before == world.clock() - timedelta(days=5)


async def test_a_conversation_export_holds_its_unsent_draft(world: World) -> None:
    await keep(world, "web-9", 1)
    export = await world.subject_access().export(conversation="web-9", by="sup1", reason="SAR-1")
    (section,) = export["conversations"]
    (row,) = section["report_drafts"]
    assert row["answers"] == {"reporter_name": SECRET}
    assert (row["crime_type"], row["asking"], row["status"]) == (
        "theft",
        "reporter_contact",
        "unsent",
    )
