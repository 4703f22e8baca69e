"""Taking in reports and tracking cases over real adapters (SQL store, spool, limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.triage_queue.support import closed_port, closed_port_url
from triage.cases.attempts import LimitsAttemptLimiter
from triage.cases.outbox import OutboxUnavailable
from triage.cases.service import (
    CaseTracking,
    Held,
    ReportIntake,
    Submitted,
    TrackOutcome,
)
from triage.cases.spool_outbox import SpoolOutbox
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.worker import OutboxWorker

from .support import report


@pytest.fixture
async def spool(tmp_path: Path) -> AsyncIterator[SpoolOutbox]:
    outbox = SpoolOutbox(tmp_path / "outbox.db")
    yield outbox
    await outbox.close()


@pytest.fixture
async def down() -> AsyncIterator[SqlCaseSystem]:
    """A case store whose server is not there."""
    store = SqlCaseSystem.from_url(f"postgresql+asyncpg://nobody@127.0.0.1:{closed_port()}/x")
    yield store
    await store.close()


def limiter(per_conversation: str = "100 per minute") -> LimitsAttemptLimiter:
    return LimitsAttemptLimiter.in_memory(
        per_conversation=per_conversation, per_subject="100 per minute"
    )


async def test_a_working_case_system_gets_the_report(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    result = await ReportIntake(store, spool, budget_seconds=5).submit(report())
    assert isinstance(result, Submitted) and result.created
    assert (await spool.counts())["pending"] == 0


async def test_a_down_case_system_means_a_receipt_and_the_same_one_again(
    down: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    intake = ReportIntake(down, spool, budget_seconds=5)
    first = await intake.submit(report())
    again = await intake.submit(report())
    assert isinstance(first, Held) and isinstance(again, Held)
    assert (first.created, again.created) == (True, False)
    assert first.receipt_code == again.receipt_code


async def test_once_delivered_a_replay_learns_the_reference_even_while_down(
    down: SqlCaseSystem, store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    held = await ReportIntake(down, spool, budget_seconds=5).submit(report())
    assert isinstance(held, Held)
    await OutboxWorker(spool, store).run_once()  # the store was back for the worker
    replay = await ReportIntake(down, spool, budget_seconds=5).submit(report())
    assert isinstance(replay, Submitted) and replay.created is False
    case = await store.get_case(held.receipt_code)
    assert case is not None and case.summary.reference == replay.reference


async def test_both_down_raises_so_the_answers_are_kept(
    down: SqlCaseSystem, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("")
    broken = SpoolOutbox(tmp_path / "file" / "outbox.db")
    with pytest.raises(OutboxUnavailable):
        await ReportIntake(down, broken, budget_seconds=5).submit(report())
    await broken.close()


async def test_a_refused_report_is_not_held(store: SqlCaseSystem, spool: SpoolOutbox) -> None:
    with pytest.raises(ValueError):
        await ReportIntake(store, spool, budget_seconds=5).submit(report("k" * 300))
    assert (await spool.counts())["pending"] == 0


async def test_limits_are_checked_before_any_lookup(
    down: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    tracking = CaseTracking(down, spool, limiter("1 per minute"))
    first = await tracking.track("conv", "BL-0000-0000", "NE1 4ST")
    second = await tracking.track("conv", "BL-0000-0000", "NE1 4ST")
    assert first.outcome is TrackOutcome.UNAVAILABLE  # it did try the (down) case system
    assert second.outcome is TrackOutcome.LIMITED  # and this time it did not


async def test_malformed_codes_are_not_found_without_a_lookup(
    down: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    tracking = CaseTracking(down, spool, limiter())
    for code in ("BL-0000-0001", "RC-0000-0001", "hello"):
        assert (await tracking.track("conv", code, "NE1 4ST")).outcome is TrackOutcome.NOT_FOUND


async def test_an_unreachable_limit_store_refuses_tracking(
    store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    reference = (await store.submit(report())).reference
    shared = LimitsAttemptLimiter.on_redis(
        closed_port_url(), "t:", per_conversation="5 per minute", per_subject="5 per minute"
    )
    try:
        result = await CaseTracking(store, spool, shared).track("conv", reference, "NE1 4ST")
    finally:
        await shared.close()
    assert result.outcome is TrackOutcome.UNAVAILABLE and result.view is None


async def test_pending_report_needs_the_right_detail(
    down: SqlCaseSystem, store: SqlCaseSystem, spool: SpoolOutbox
) -> None:
    held = await ReportIntake(down, spool, budget_seconds=5).submit(report())
    assert isinstance(held, Held)
    tracking = CaseTracking(store, spool, limiter())
    pending = await tracking.track("conv", held.receipt_code, "jo.bloggs@example.com")
    assert pending.outcome is TrackOutcome.PENDING and pending.view is None
    wrong = await tracking.track("conv", held.receipt_code, "someone@example.com")
    assert wrong.outcome is TrackOutcome.NOT_FOUND
    await OutboxWorker(spool, store).run_once()
    found = await tracking.track("conv", held.receipt_code, "jo.bloggs@example.com")
    assert found.outcome is TrackOutcome.FOUND and found.view is not None
    assert found.receipt_code == held.receipt_code
    added = await tracking.add_information("conv", held.receipt_code, "NE1 4ST", "more")
    assert added.outcome is TrackOutcome.FOUND and added.reference == found.view.reference
