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
    second = await store.submit(report(details={"incident_description": "replayed"}))
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
            details={"incident_where": "the park"},
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
    assert await store.set_status(new_reference(), "closed") is False
    case = await store.get_case(reference)
    assert case is not None and len(case.history) == 1


async def test_get_case_unknown_is_none(store: SqlCaseSystem) -> None:
    assert await store.get_case(new_reference()) is None
    assert await store.get_case("not a reference") is None
