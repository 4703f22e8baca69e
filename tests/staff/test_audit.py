"""The console audit log on SQLite and PostgreSQL: redaction, limits, search filters."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from triage.staff.models import StaffAuditRecord
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery, StaffUnavailable
from triage.staff.sql_audit import ERASE_BATCH, MAX_SEARCH, SqlStaffAudit

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def entry(minutes: int = 0, **fields: object) -> AuditEntry:
    values: dict[str, object] = {"actor": "alice", "action": AuditAction.CLAIM, "at": T0}
    values.update(fields)
    values["at"] = T0 + timedelta(minutes=minutes)
    return AuditEntry(**values)  # type: ignore[arg-type]


async def test_record_returns_the_stored_entry_with_its_id(audit: SqlStaffAudit) -> None:
    stored = await audit.record(
        entry(
            action=AuditAction.REASSIGN,
            conversation_id="conv-1",
            item_id="q000000000007",
            case_reference="bl-abcd-efgh",
            reason="covering for  a colleague\non break",
            detail="to=op2",
        )
    )
    assert stored.id is not None
    assert stored.action is AuditAction.REASSIGN
    assert stored.action.kind == "alteration"
    assert stored.case_reference == "BL-ABCD-EFGH"
    assert stored.item_id == "q000000000007"  # identifiers are kept as given, not redacted
    assert stored.detail == "to=op2"
    assert stored.reason == "covering for a colleague on break"
    assert stored.at == T0
    async with audit.engine.connect() as connection:
        kind = await connection.scalar(text("SELECT kind FROM staff_audit"))
    assert kind == "alteration"
    assert await audit.search(AuditQuery()) == [stored]


@pytest.mark.parametrize(
    ("typed", "kept", "gone"),
    [
        ("asked to call back on jo.bloggs@example.com", "[email]", "jo.bloggs@example.com"),
        ("rang 07700 900123 about the report", "[phone]", "07700 900123"),
        ("lives at NE1 4ST, checking address", "[postcode]", "NE1 4ST"),
    ],
)
async def test_the_reason_is_redacted_before_storing(
    audit: SqlStaffAudit, typed: str, kept: str, gone: str
) -> None:
    await audit.record(
        entry(action=AuditAction.VIEW_CONVERSATION, conversation_id="c1", reason=typed)
    )
    [stored] = await audit.search(AuditQuery(conversation_id="c1"))
    assert stored.reason is not None
    assert kept in stored.reason
    assert gone not in stored.reason
    assert gone.lower() not in stored.reason.lower()


async def test_long_values_are_cut_not_refused(audit: SqlStaffAudit) -> None:
    stored = await audit.record(entry(reason="why " * 200, detail="d" * 500))
    assert stored.reason is not None and len(stored.reason) == 300
    assert stored.detail is not None and len(stored.detail) == 200
    [found] = await audit.search(AuditQuery())
    assert found.reason == stored.reason and found.detail == stored.detail


async def test_empty_reason_and_detail_are_stored_as_nothing(audit: SqlStaffAudit) -> None:
    stored = await audit.record(entry(reason="   ", detail=""))
    assert stored.reason is None and stored.detail is None


async def test_unknown_actions_are_refused(audit: SqlStaffAudit) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        await audit.record(entry(action="delete_everything"))
    with pytest.raises(ValueError, match="actor"):
        await audit.record(entry(actor="  "))
    with pytest.raises(ValueError, match="timezone"):
        await audit.record(AuditEntry(actor="a", action=AuditAction.CLAIM, at=datetime(2026, 1, 1)))
    assert await audit.search(AuditQuery()) == []


async def seed(audit: SqlStaffAudit) -> list[AuditEntry]:
    return [
        await audit.record(entry(0, actor="alice", action=AuditAction.SIGN_IN)),
        await audit.record(entry(1, actor="alice", action=AuditAction.CLAIM, conversation_id="c1")),
        await audit.record(
            entry(2, actor="bob", action=AuditAction.VIEW_CONVERSATION, conversation_id="c1")
        ),
        await audit.record(
            entry(3, actor="bob", action=AuditAction.CREATE_CASE, case_reference="BL-AAAA-AAAA")
        ),
        await audit.record(entry(4, actor="alice", action=AuditAction.REPLY, conversation_id="c2")),
    ]


async def test_search_is_newest_first(audit: SqlStaffAudit) -> None:
    made = await seed(audit)
    assert await audit.search(AuditQuery()) == list(reversed(made))


async def test_entries_at_the_same_moment_come_newest_recorded_first(audit: SqlStaffAudit) -> None:
    first = await audit.record(entry(0, action=AuditAction.CLAIM))
    second = await audit.record(entry(0, action=AuditAction.TAKE_OVER))
    assert await audit.search(AuditQuery()) == [second, first]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (AuditQuery(actor="alice"), [4, 1, 0]),
        (AuditQuery(actor="carol"), []),
        (AuditQuery(action=AuditAction.CLAIM), [1]),
        (AuditQuery(conversation_id="c1"), [2, 1]),
        (AuditQuery(case_reference="bl-aaaa-aaaa"), [3]),
        (AuditQuery(since=T0 + timedelta(minutes=2)), [4, 3, 2]),
        (AuditQuery(until=T0 + timedelta(minutes=1)), [1, 0]),
        (
            AuditQuery(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)),
            [3, 2, 1],
        ),
        (AuditQuery(actor="alice", conversation_id="c1"), [1]),
        (AuditQuery(actor="bob", action=AuditAction.REPLY), []),
        (AuditQuery(limit=2), [4, 3]),
        (AuditQuery(limit=0), [4]),
    ],
)
async def test_search_filters(audit: SqlStaffAudit, query: AuditQuery, expected: list[int]) -> None:
    made = await seed(audit)
    assert await audit.search(query) == [made[i] for i in expected]


async def test_old_entries_are_listed_oldest_first_and_erased_by_id(
    audit: SqlStaffAudit,
) -> None:
    """What retention uses: ids before a moment (never at it), a limit, deletion in batches."""
    made = await seed(audit)
    cutoff = T0 + timedelta(minutes=3)
    assert await audit.recorded_before(cutoff) == [e.id for e in made[:3]]
    assert await audit.recorded_before(cutoff, limit=2) == [e.id for e in made[:2]]
    assert await audit.recorded_before(cutoff, limit=0) == []
    assert await audit.recorded_before(T0) == []

    assert await audit.erase([e.id for e in made[:3] if e.id is not None]) == 3
    assert await audit.search(AuditQuery()) == [made[4], made[3]]
    assert await audit.recorded_before(cutoff) == []
    assert await audit.erase([]) == 0


async def test_erasing_many_entries_goes_in_batches_and_counts_them_all(
    audit: SqlStaffAudit,
) -> None:
    async with audit.engine.begin() as connection:
        await connection.execute(
            StaffAuditRecord.__table__.insert(),
            [
                {"at": T0, "actor": "op1", "action": "claim", "kind": "alteration"}
                for _ in range(ERASE_BATCH * 2 + 7)
            ],
        )
    ids = await audit.recorded_before(T0 + timedelta(seconds=1), limit=10_000)
    assert len(ids) == ERASE_BATCH * 2 + 7
    assert await audit.erase(ids) == ERASE_BATCH * 2 + 7
    assert await audit.search(AuditQuery()) == []


async def test_search_limit_is_capped(audit: SqlStaffAudit) -> None:
    for minute in range(MAX_SEARCH + 5):
        await audit.record(entry(minute, action=AuditAction.SIGN_IN))
    found = await audit.search(AuditQuery(limit=10_000))
    assert len(found) == MAX_SEARCH
    assert found[0].at == T0 + timedelta(minutes=MAX_SEARCH + 4)


@pytest.mark.parametrize("action", list(AuditAction))
async def test_every_action_can_be_recorded_with_its_kind(
    audit: SqlStaffAudit, action: AuditAction
) -> None:
    stored = await audit.record(entry(action=action))
    [found] = await audit.search(AuditQuery(action=action))
    assert found == stored
    assert found.action.kind in ("access", "consultation", "disclosure", "alteration", "erasure")


async def test_concurrent_records_are_each_committed_before_they_return(
    audit: SqlStaffAudit,
) -> None:
    """Group commit: fifty at once, each answered with its own stored entry."""
    stored = await asyncio.gather(
        *(
            audit.record(AuditEntry(actor=f"op{n}", action=AuditAction.REPLY, item_id=f"q{n}"))
            for n in range(50)
        )
    )
    assert [e.item_id for e in stored] == [f"q{n}" for n in range(50)]
    assert len({e.id for e in stored}) == 50 and all(e.id for e in stored)
    found = await audit.search(AuditQuery(action=AuditAction.REPLY, limit=500))
    assert {e.id for e in found} == {e.id for e in stored}


async def test_a_failed_batch_fails_every_caller_in_it(audit: SqlStaffAudit) -> None:
    """Nobody is told their entry was stored when it was not."""
    async with audit.engine.begin() as connection:
        await connection.execute(text("DROP TABLE staff_audit"))
    results = await asyncio.gather(
        *(
            audit.record(AuditEntry(actor="op1", action=AuditAction.REPLY, item_id=f"q{n}"))
            for n in range(5)
        ),
        return_exceptions=True,
    )
    assert all(isinstance(r, StaffUnavailable) for r in results), results
