"""The s.62 processing log and s.39 retention, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from triage.cases.attempts import LimitsAttemptLimiter
from triage.cases.models import Case, CaseMessage, CaseUpdate, ProcessingLogRecord, utcnow
from triage.cases.processing_log import (
    Access,
    LogAction,
    LogEntry,
    ProcessingLog,
    ReasonRequired,
    SubjectKind,
    public_actor,
)
from triage.cases.retention import Retention
from triage.cases.service import CaseTracking, TrackOutcome
from triage.cases.spool_outbox import SpoolOutbox
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.worker import OutboxWorker

from .support import report

STAFF = Access.staff("PC 1234", "checking the report for allocation")
# Values of the sample report that must never reach the log.
PERSONAL_VALUES = (
    "Jo Bloggs",
    "Jo.Bloggs@Example.com",
    "jo.bloggs@example.com",
    "Raleigh",
    "Station Road",
    "My bike was taken",
    "frame number",
    "sender-1",
)


@pytest.fixture
async def spool(tmp_path: Path) -> AsyncIterator[SpoolOutbox]:
    outbox = SpoolOutbox(tmp_path / "outbox.db")
    yield outbox
    await outbox.close()


def tracking(store: SqlCaseSystem, spool: SpoolOutbox) -> CaseTracking:
    limiter = LimitsAttemptLimiter.in_memory(
        per_conversation="100 per minute", per_subject="100 per minute"
    )
    return CaseTracking(store, spool, limiter)


async def log_rows(store: SqlCaseSystem) -> list[Any]:
    """The log's rows as stored, read without logging anything."""
    async with store.engine.connect() as connection:
        result = await connection.execute(
            select(ProcessingLogRecord.__table__).order_by(ProcessingLogRecord.id)
        )
        return list(result.all())


async def all_log_text(store: SqlCaseSystem) -> str:
    return "\n".join(repr(tuple(row)) for row in await log_rows(store))


async def actions(store: SqlCaseSystem, reference: str) -> list[tuple[str, str]]:
    """(action, actor) of a case's entries, read without logging a consultation."""
    async with store.engine.connect() as connection:
        rows = await connection.execute(
            select(ProcessingLogRecord.action, ProcessingLogRecord.actor)
            .where(ProcessingLogRecord.subject_ref == reference)
            .order_by(ProcessingLogRecord.id)
        )
        return [(a, b) for a, b in rows]


async def age(store: SqlCaseSystem, reference: str, days: int) -> None:
    async with store.engine.begin() as connection:
        await connection.execute(
            update(Case)
            .where(Case.reference == reference)
            .values(updated_at=utcnow() - timedelta(days=days))
        )


async def test_collection_is_logged_once_without_the_reported_data(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    assert (await store.submit(report())).created is False  # a replay collects nothing new
    entries = await store.log_for(reference, STAFF)
    assert entries is not None
    collection, consultation = entries
    assert collection.action is LogAction.COLLECTION
    assert collection.actor == public_actor("sender-1") != "public:sender-1"
    assert {"cases.account", "cases.reporter_name", "cases.location"} <= set(collection.fields)
    assert collection.detail == "via webchat"
    # Reading the log is itself a consultation, logged before the answer.
    assert consultation.action is LogAction.CONSULTATION
    assert (consultation.actor, consultation.justification) == (
        "staff:PC 1234",
        "checking the report for allocation",
    )
    logged = await all_log_text(store)
    assert not [value for value in PERSONAL_VALUES if value in logged]


async def test_collection_through_the_outbox_worker_names_the_receipt_code(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    code = (await spool.put(report("conv:0", conversation_id="conv"))).receipt_code
    assert (await OutboxWorker(spool, store).run_once()).delivered == 1
    held = await spool.find(code)
    assert held is not None and held.reference is not None
    [(action, actor)] = await actions(store, held.reference)
    assert (action, actor) == ("collection", public_actor("conv"))
    [row] = await log_rows(store)
    assert row.detail == f"via webchat, held in the outbox as {code}"


async def test_alterations_by_staff_and_by_the_reporter(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    reference = (await store.submit(report())).reference
    assert await store.set_status(
        reference,
        "further_information_needed",
        "need the frame number",
        access=Access.staff("PC 1234"),
    )
    assert await store.send_message(reference, "Please send the frame number.", sent_by="PC 9")
    added = await tracking(store, spool).add_information("conv-7", reference, "NE1 4ST", "F123")
    assert added.outcome is TrackOutcome.FOUND
    assert await actions(store, reference) == [
        ("collection", public_actor("sender-1")),
        ("alteration", "staff:PC 1234"),
        ("alteration", "staff:PC 9"),  # the old keyword still names the actor
        ("alteration", public_actor("conv-7")),
    ]
    rows = await log_rows(store)
    assert rows[1].detail == "status received -> further_information_needed"
    assert rows[1].fields == ["cases.status", "cases.outcome", "case_status_changes.note"]
    assert rows[3].fields == ["case_updates.information_text", "cases.status"]
    assert "frame number" not in await all_log_text(store)


async def test_consultations_by_staff_and_by_the_verified_reporter(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    reference = (await store.submit(report())).reference
    case = await store.get_case(reference, access=STAFF)
    assert case is not None
    wrong = await tracking(store, spool).track("conv-9", reference, "NE9 9ZZ")
    assert wrong.outcome is TrackOutcome.NOT_FOUND  # nothing seen, nothing logged
    found = await tracking(store, spool).track("conv-9", reference, "ne14st")
    assert found.outcome is TrackOutcome.FOUND
    rows = await log_rows(store)
    assert [(r.action, r.actor) for r in rows] == [
        ("collection", public_actor("sender-1")),
        ("consultation", "staff:PC 1234"),
        ("consultation", public_actor("conv-9")),
    ]
    assert rows[1].justification == "checking the report for allocation"
    assert rows[2].recipient == public_actor("conv-9")
    assert rows[2].justification == "the reporter tracking their own case, verified"


async def test_an_unwritable_log_stops_the_work(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    async with store.engine.begin() as connection:
        await connection.execute(text("DROP TABLE processing_log"))
    for work in (
        store.submit(report("other:0")),
        store.set_status(reference, "under_review", access=STAFF),
        store.get_case(reference, access=STAFF),
        store.lookup(reference, "NE1 4ST"),
    ):
        with pytest.raises(Exception) as failed:
            await work
        # SQLite's "no such table" is an OperationalError, so the store calls it unavailable
        # (the report then goes to the outbox); PostgreSQL's is raised as it is.
        assert "processing_log" in f"{failed.value} {failed.value.__cause__}"
    async with store.engine.connect() as connection:
        statuses = list(await connection.execute(select(Case.reference, Case.status)))
    assert [tuple(row) for row in statuses] == [(reference, "received")]


def test_staff_access_needs_a_reason_to_consult() -> None:
    with pytest.raises(ReasonRequired):
        Access.staff("PC 1").require_reason()
    assert Access.staff("  ", "  why ").actor == "unattributed"
    assert Access.staff("PC 1", "  two   words ").require_reason().justification == "two words"


async def closed_case(store: SqlCaseSystem, key: str, *, days: int) -> str:
    reference = (await store.submit(report(key))).reference
    await store.send_message(reference, "Please send the frame number.", access=STAFF)
    assert await store.add_information(reference, "NE1 4ST", "Frame number F123")
    await store.set_status(reference, "closed", "Jo Bloggs called", outcome="no_crime")
    await age(store, reference, days)
    return reference


async def test_purge_erases_old_closed_cases_and_logs_only_field_names(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    old = await closed_case(store, "old:0", days=400)
    recent = await closed_case(store, "recent:0", days=10)
    open_old = (await store.submit(report("open:0"))).reference
    await age(store, open_old, 400)
    retention = Retention(store, store, spool, closed_days=365, review_days=90)
    purger = Access.staff("records officer", "retention period passed")

    before = await all_log_text(store)
    dry = await retention.purge(purger, dry_run=True)
    assert dry.dry_run and [e.reference for e in dry.cases] == [old]
    assert "cases.account" in dry.cases[0].fields
    assert await all_log_text(store) == before  # a dry run logs nothing
    kept = await store.get_case(old)
    assert kept is not None and kept.account == "My bike was taken from the rack"

    done = await retention.purge(purger)
    assert [e.reference for e in done.cases] == [old]
    assert set(done.cases[0].fields) >= {
        "cases.account",
        "cases.details",
        "cases.reporter_name",
        "cases.reporter_contact",
        "cases.reporter_verify_tokens",
        "cases.location",
        "case_status_changes.note",
        "case_messages (1 rows)",
        "case_updates (1 rows)",
    }
    async with store.engine.connect() as connection:
        erased = (await connection.execute(select(Case).where(Case.reference == old))).one()
        messages = await connection.scalar(
            select(CaseMessage.id).where(CaseMessage.case_id == erased.id)
        )
        updates = await connection.scalar(
            select(CaseUpdate.id).where(CaseUpdate.case_id == erased.id)
        )
    assert (erased.account, erased.details, erased.reporter_name, erased.location) == (
        "",
        {},
        None,
        None,
    )
    assert erased.reporter_verify_tokens == [] and erased.erased_at is not None
    assert (erased.status, erased.outcome, messages, updates) == ("closed", "no_crime", None, None)
    assert await store.lookup(old, "NE1 4ST") is None  # nothing left to verify against
    for untouched in (recent, open_old):
        case = await store.get_case(untouched)
        assert case is not None and case.reporter_name == "Jo Bloggs"

    entries = await store.log_for(old, STAFF)
    assert entries is not None
    [erasure] = [e for e in entries if e.action is LogAction.ERASURE]
    assert (erasure.actor, erasure.justification) == (
        "staff:records officer",
        "retention period passed",
    )
    assert erasure.fields == done.cases[0].fields
    logged = await all_log_text(store)
    assert not [
        value for value in (*PERSONAL_VALUES, "Jo Bloggs called", "F123") if value in logged
    ]
    assert (await retention.purge(purger)).cases == ()  # erased once, logged once


async def test_review_lists_open_cases_untouched_past_the_period(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    idle = (await store.submit(report("idle:0"))).reference
    busy = (await store.submit(report("busy:0"))).reference
    closed = await closed_case(store, "closed:0", days=200)
    await age(store, idle, 120)
    await age(store, busy, 30)
    cutoff, cases = await Retention(store, store, spool, closed_days=365, review_days=90).review()
    assert [c.reference for c in cases] == [idle]
    assert closed not in [c.reference for c in cases]
    assert utcnow() - cutoff > timedelta(days=89)


async def test_purge_erases_delivered_outbox_entries_after_logging_them(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    code = (await spool.put(report("conv:0"))).receipt_code
    pending = (await spool.put(report("conv:1"))).receipt_code
    [first, _second] = await spool.claim(2)
    assert first.receipt_code == code
    reference = (await store.submit(first.report)).reference
    await spool.delivered(first, reference)
    retention = Retention(store, store, spool, closed_days=365, review_days=90)
    access = Access.staff("records officer", "retention")

    dry = await retention.purge(access, dry_run=True)
    assert dict(dry.outbox) == {code: ("outbox.idempotency_key",)}
    assert (await retention.purge(access, dry_run=True)).outbox == dry.outbox  # unchanged

    done = await retention.purge(access)
    assert list(done.outbox) == [code] and pending not in done.outbox
    assert await spool.holding_personal_data() == {}
    assert (await spool.put(report("conv:0"))).receipt_code == code  # a replay still matches
    entries = await store.log_for(reference, STAFF)
    assert entries is not None
    [erasure] = [e for e in entries if e.action is LogAction.ERASURE]
    assert (erasure.subject_kind, erasure.subject_ref) == (SubjectKind.OUTBOX, code)
    assert erasure.fields == ("outbox.idempotency_key",)


class BrokenLog(ProcessingLog):
    async def record(self, entries: Sequence[LogEntry]) -> None:
        raise RuntimeError("log unavailable")

    async def log_for(self, reference: str, access: Access) -> list[LogEntry] | None:
        return None


async def test_outbox_entries_are_not_erased_when_the_log_cannot_be_written(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    code = (await spool.put(report("conv:0"))).receipt_code
    [item] = await spool.claim(1)
    await spool.delivered(item, (await store.submit(item.report)).reference)
    retention = Retention(store, BrokenLog(), spool, closed_days=365, review_days=90)
    with pytest.raises(RuntimeError, match="log unavailable"):
        await retention.purge(Access.staff("x", "retention"))
    held: Mapping[str, tuple[str, ...]] = await spool.holding_personal_data()
    assert code in held


def test_periods_must_be_positive(spool: SpoolOutbox) -> None:
    store = SqlCaseSystem.from_url("sqlite+aiosqlite://")
    with pytest.raises(ValueError, match="at least one day"):
        Retention(store, store, spool, closed_days=0, review_days=90)
