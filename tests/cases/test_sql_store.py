"""The SQL case store against real SQLite and PostgreSQL databases (no mocks)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from triage.cases.models import Base, Case, CaseUpdate, ContactLog, HandoffRequestRecord
from triage.cases.ports import ContactRecord, HandoffRequest
from triage.cases.references import is_valid_reference, new_reference
from triage.cases.sql_store import SqlCaseSystem

from .support import report


async def count(store: SqlCaseSystem, model: type[Base]) -> int:
    async with store.engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)


async def test_submit_returns_a_valid_new_reference(store: SqlCaseSystem) -> None:
    receipt = await store.submit(report())
    assert receipt.created is True
    assert is_valid_reference(receipt.reference)
    case = await store.get_case(receipt.reference)
    assert case is not None
    assert case.summary.crime_type == "theft"
    assert case.summary.flags == ("repeat_victim",)
    assert case.summary.status == "received"
    assert case.details["property_details"] == "red Raleigh bike"
    assert case.reporter_contact == "Jo.Bloggs@Example.com"
    assert [entry.status for entry in case.history] == ["received"]


async def test_verify_tokens_are_normalised_from_contact_and_place(store: SqlCaseSystem) -> None:
    await store.submit(report(reporter_contact="07700 900123"))
    async with store.engine.connect() as connection:
        tokens = await connection.scalar(select(Case.reporter_verify_tokens))
    assert tokens == ["+447700900123", "NE1 4ST"]


async def test_same_key_twice_gives_same_reference_and_one_row(store: SqlCaseSystem) -> None:
    first = await store.submit(report())
    second = await store.submit(report(account="replayed with other words"))
    assert second.reference == first.reference
    assert (first.created, second.created) == (True, False)
    assert await count(store, Case) == 1


async def test_different_keys_give_different_cases(store: SqlCaseSystem) -> None:
    first = await store.submit(report("sender-1:0"))
    second = await store.submit(report("sender-1:1"))
    assert first.reference != second.reference
    assert await count(store, Case) == 2


async def test_twenty_concurrent_submits_with_one_key_make_one_case(store: SqlCaseSystem) -> None:
    receipts = await asyncio.gather(*(store.submit(report("racing:0")) for _ in range(20)))
    assert len({receipt.reference for receipt in receipts}) == 1
    assert sum(receipt.created for receipt in receipts) == 1
    assert await count(store, Case) == 1


async def test_colliding_new_reference_is_retried(store: SqlCaseSystem) -> None:
    taken = (await store.submit(report("first"))).reference
    fresh = new_reference()
    refs = iter([taken, taken, fresh])
    colliding = SqlCaseSystem(store.engine, reference_factory=lambda: next(refs))
    receipt = await colliding.submit(report("second"))
    assert receipt == type(receipt)(reference=fresh, created=True)
    assert await count(store, Case) == 2


async def test_overlong_idempotency_key_is_refused(store: SqlCaseSystem) -> None:
    with pytest.raises(ValueError, match="idempotency_key"):
        await store.submit(report("k" * 256))
    assert await count(store, Case) == 0


async def test_lookup_with_reference_and_email(store: SqlCaseSystem) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    reference = (await store.submit(report())).reference
    view = await store.lookup(reference, "  JO.BLOGGS@example.COM ")
    assert view is not None
    assert view.reference == reference
    assert view.crime_type == "theft"
    assert view.status == "received"
    assert view.status_label == "Received, waiting to be reviewed"
    assert view.updated_at.tzinfo is not None
    assert before <= view.updated_at <= datetime.now(UTC) + timedelta(seconds=5)


async def test_lookup_accepts_reference_as_typed(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    typed = reference.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    view = await store.lookup(typed, "jo.bloggs@example.com")
    assert view is not None and view.reference == reference


async def test_lookup_with_phone_in_another_format(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report(reporter_contact="07700 900123"))).reference
    assert await store.lookup(reference, "+44 7700 900123") is not None
    assert await store.lookup(reference, "+44 7700 900124") is None


async def test_lookup_with_postcode_lower_case_without_space(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    assert await store.lookup(reference, "ne14st") is not None
    assert await store.lookup(reference, "ne14su") is None


async def test_wrong_reference_and_wrong_detail_look_alike(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    other = new_reference()
    assert other != reference
    assert await store.lookup(other, "jo.bloggs@example.com") is None  # unknown reference
    assert await store.lookup("BL-0000-0001", "jo.bloggs@example.com") is None  # bad check
    assert await store.lookup(reference, "someone.else@example.com") is None  # wrong detail
    assert await store.lookup(reference, "") is None


async def test_anonymous_report_cannot_be_looked_up(store: SqlCaseSystem) -> None:
    receipt = await store.submit(
        report(
            reporter_name="anonymous",
            reporter_contact=None,
            contact_consent=False,
            crime_type="asb",
            details={},
            location="the park",
        )
    )
    for detail in ["", "anonymous", "the park", "\x00no-token\x00"]:
        assert await store.lookup(receipt.reference, detail) is None


async def test_add_information_to_verified_case(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    before = await store.lookup(reference, "ne14st")
    assert before is not None
    added = await store.add_information(reference, "NE1 4ST", " The bike has a blue bell. ")
    assert added is True
    case = await store.get_case(reference)
    assert case is not None
    assert [update.text for update in case.updates] == ["The bike has a blue bell."]
    assert case.summary.status == "received"  # adding information does not move the case
    assert case.summary.updated_at >= before.updated_at


async def test_add_information_refused_without_verification(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    assert await store.add_information(reference, "NE2 4ST", "sneaky") is False
    assert await store.add_information(new_reference(), "ne14st", "sneaky") is False
    assert await count(store, CaseUpdate) == 0


async def test_request_handoff_records_an_open_request(store: SqlCaseSystem) -> None:
    first = await store.request_handoff(
        HandoffRequest(
            conversation_id="sender-9",
            channel="x",
            reason="emergency",
            priority="P1",
            intent="emergency_violence",
            summary={"incident_where": "Station Road"},
        )
    )
    second = await store.request_handoff(
        HandoffRequest(
            conversation_id="sender-10", channel="webchat", reason="requested", priority="P3"
        )
    )
    assert isinstance(first, str) and first != second
    async with store.engine.connect() as connection:
        row = (
            await connection.execute(
                select(HandoffRequestRecord.__table__).where(HandoffRequestRecord.id == int(first))
            )
        ).one()
    assert row.conversation_id == "sender-9"
    assert (row.reason, row.priority, row.intent, row.status) == (
        "emergency",
        "P1",
        "emergency_violence",
        "open",
    )
    assert row.summary == {"incident_where": "Station Road"}


async def test_record_contact(store: SqlCaseSystem) -> None:
    await store.record_contact(
        ContactRecord(
            conversation_id="sender-3",
            channel="webchat",
            kind="fraud_redirect",
            summary={"said": "bank transfer scam"},
        )
    )
    async with store.engine.connect() as connection:
        rows = (await connection.execute(select(ContactLog.__table__))).all()
    assert len(rows) == 1
    assert (rows[0].conversation_id, rows[0].kind) == ("sender-3", "fraud_redirect")
    assert rows[0].summary == {"said": "bank transfer scam"}
    assert await count(store, Case) == 0


async def test_list_cases_newest_first_with_limit(store: SqlCaseSystem) -> None:
    references = [(await store.submit(report(f"k{i}"))).reference for i in range(4)]
    listed = await store.list_cases(limit=3)
    assert [case.reference for case in listed] == references[::-1][:3]
    assert all(case.status_label for case in listed)


async def test_set_status_moves_case_and_keeps_history(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    assert await store.set_status(reference, "under_review", "triaged by PC 123")
    assert await store.set_status(reference.lower(), "crime_recorded")
    case = await store.get_case(reference)
    assert case is not None
    assert [(e.status, e.note) for e in case.history] == [
        ("received", None),
        ("under_review", "triaged by PC 123"),
        ("crime_recorded", None),
    ]
    assert [e.status_label for e in case.history][-1] == "Recorded as a crime"
    assert all(a.at <= b.at for a, b in itertools.pairwise(case.history))
    view = await store.lookup(reference, "jo.bloggs@example.com")
    assert view is not None and view.status == "crime_recorded"


async def test_set_status_rejects_unknown_status_and_case(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    with pytest.raises(ValueError):
        await store.set_status(reference, "lost_in_the_post")
    assert await store.set_status(new_reference(), "closed", outcome="no_crime") is False
    case = await store.get_case(reference)
    assert case is not None and len(case.history) == 1


async def test_get_case_unknown_is_none(store: SqlCaseSystem) -> None:
    assert await store.get_case(new_reference()) is None
    assert await store.get_case("not a reference") is None


async def test_report_columns_and_crime_family_are_stored(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report(crime_type="hate_crime"))).reference
    case = await store.get_case(reference)
    assert case is not None
    assert case.summary.crime_family == "violence"
    assert case.account == "My bike was taken from the rack"
    assert case.location == "outside the library, Station Road, ne1 4st"
    assert case.time_window == "Tue 24 Nov 2026, about 15:00"
    assert case.receipt_code is None


async def test_closing_needs_an_outcome_and_only_closing_takes_one(store: SqlCaseSystem) -> None:
    reference = (await store.submit(report())).reference
    with pytest.raises(ValueError, match="needs an outcome"):
        await store.set_status(reference, "closed")
    with pytest.raises(ValueError, match="only a closed case"):
        await store.set_status(reference, "allocated", outcome="charged")
    with pytest.raises(ValueError):
        await store.set_status(reference, "closed", outcome="lost_interest")
    assert await store.set_status(reference, "closed", "done", outcome="charged", changed_by="PC 7")
    view = await store.lookup(reference, "ne14st")
    assert view is not None
    assert (view.status, view.outcome) == ("closed", "charged")
    assert view.outcome_label == "Someone has been charged"
    # Reopening clears the outcome; the history keeps it.
    assert await store.set_status(reference, "under_review", "new evidence")
    case = await store.get_case(reference)
    assert case is not None and case.summary.outcome is None
    assert [(e.status, e.outcome, e.changed_by) for e in case.history] == [
        ("received", None, None),
        ("closed", "charged", "PC 7"),
        ("under_review", None, None),
    ]


async def test_messages_reach_the_verified_reporter_latest_three_oldest_first(
    store: SqlCaseSystem,
) -> None:
    reference = (await store.submit(report())).reference
    for n in range(1, 5):
        assert await store.send_message(reference, f" message {n} ", sent_by="PC 7")
    view = await store.lookup(reference, "jo.bloggs@example.com")
    assert view is not None
    assert [m.text for m in view.messages] == ["message 2", "message 3", "message 4"]
    assert await store.lookup(reference, "NE2 2AA") is None
    case = await store.get_case(reference)
    assert case is not None
    assert len(case.messages) == 4
    assert (case.messages[0].text, case.messages[0].sent_by) == ("message 1", "PC 7")
    assert await store.send_message(new_reference(), "nobody") is False
    with pytest.raises(ValueError):
        await store.send_message(reference, "   ")


async def test_information_from_the_reporter_sends_a_waiting_case_back_for_review(
    store: SqlCaseSystem,
) -> None:
    reference = (await store.submit(report())).reference
    await store.set_status(reference, "further_information_needed", "need the frame number")
    assert await store.add_information(reference, "NE1 4ST", "Frame number WTU123")
    case = await store.get_case(reference)
    assert case is not None
    assert case.summary.status == "under_review"
    assert case.history[-1].note == "the reporter added information"


async def test_list_cases_by_status_and_family(store: SqlCaseSystem) -> None:
    theft = (await store.submit(report("t:0"))).reference
    assault = (await store.submit(report("a:0", crime_type="assault"))).reference
    await store.set_status(assault, "allocated")
    assert [c.reference for c in await store.list_cases(status="allocated")] == [assault]
    assert [c.reference for c in await store.list_cases(family="acquisitive")] == [theft]
    assert await store.list_cases(status="closed") == []
    with pytest.raises(ValueError):
        await store.list_cases(status="lost")


async def test_receipt_code_finds_the_case_for_staff_and_the_verified_reporter(
    store: SqlCaseSystem,
) -> None:
    from triage.cases.references import new_receipt_code

    code = new_receipt_code()
    reference = (await store.submit(report("held:0", receipt_code=code))).reference
    case = await store.get_case(code.lower())
    assert case is not None and case.summary.reference == reference
    view = await store.lookup(code, "NE1 4ST")
    assert view is not None and view.reference == reference
    assert await store.lookup(code, "NE2 2AA") is None
    with pytest.raises(ValueError, match="receipt code"):
        await store.submit(report("other:0", receipt_code=code))


async def test_an_unreachable_database_is_reported_as_unavailable() -> None:
    from tests.triage_queue.support import closed_port
    from triage.cases.ports import CaseSystemUnavailable

    store = SqlCaseSystem.from_url(f"postgresql+asyncpg://nobody@127.0.0.1:{closed_port()}/x")
    try:
        with pytest.raises(CaseSystemUnavailable):
            await store.submit(report())
        with pytest.raises(CaseSystemUnavailable):
            await store.lookup(new_reference(), "NE1 4ST")
        with pytest.raises(CaseSystemUnavailable):
            await store.list_cases()
    finally:
        await store.close()
