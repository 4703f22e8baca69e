"""The staff audit log has a retention period too (DPA 2018 s.39): the retention pass deletes
entries older than ``retention_audit_days`` and records that it did (the count and the
cut-off, nothing copied from what went); 0 keeps the log for ever."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

import pytest

from channels.privacy.cli import describe
from channels.privacy.retention import ACTOR, REASON, STAFF_AUDIT, Periods
from triage.settings import Settings
from triage.staff.ports import AuditAction, AuditEntry, AuditQuery

from .support import NOW, World, days_ago

SIX_YEARS = 2190
OLD_DETAILS = ("op-old", "conv-old-1", "conv-old-2", "BL-OLDA-OLDB", "SAR-OLD", "outcome=old")


async def seed(world: World) -> dict[str, AuditEntry]:
    """Entries either side of six years, told apart by their actor."""
    made = {}
    for actor, age, conversation in (
        ("op-old", 3000, "conv-old-1"),
        ("op-old", SIX_YEARS + 1, "conv-old-2"),
        ("op-kept", SIX_YEARS - 1, "conv-kept"),
        ("op-new", 1, "conv-new"),
    ):
        made[f"{actor}:{age}"] = await world.audit.record(
            AuditEntry(
                actor=actor,
                action=AuditAction.VIEW_CONVERSATION,
                conversation_id=conversation,
                case_reference="BL-OLDA-OLDB" if actor == "op-old" else None,
                reason="SAR-OLD" if actor == "op-old" else None,
                detail="outcome=old" if actor == "op-old" else None,
                at=days_ago(age),
            )
        )
    return made


async def everything(world: World) -> list[AuditEntry]:
    return await world.audit.search(AuditQuery(limit=500))


async def test_entries_past_the_period_go_and_the_erasure_is_recorded(world: World) -> None:
    await seed(world)

    report = await world.retention().run()

    assert report.audit_before == days_ago(SIX_YEARS)
    assert report.rows_in(STAFF_AUDIT) == 2
    left = await everything(world)
    assert {e.actor for e in left} == {"op-kept", "op-new", ACTOR}
    [erasure] = [e for e in left if e.actor == ACTOR]
    assert erasure.action is AuditAction.ERASURE and erasure.action.kind == "erasure"
    assert erasure.reason == REASON
    assert erasure.at == NOW
    cutoff = days_ago(SIX_YEARS)
    assert erasure.detail == f"staff_audit=2 before={cutoff:%Y-%m-%dT%H:%M}Z"
    assert (erasure.conversation_id, erasure.item_id, erasure.case_reference) == (None, None, None)
    stored = " ".join(str(v) for v in asdict(erasure).values())
    for detail in OLD_DETAILS:
        assert detail not in stored


async def test_a_second_pass_deletes_nothing_new(world: World) -> None:
    await seed(world)
    await world.retention().run()
    after_first = await everything(world)

    again = await world.retention().run()

    assert again.nothing
    assert await everything(world) == after_first


async def test_zero_keeps_the_log_for_ever(world: World) -> None:
    made = await seed(world)
    ancient = await world.audit.record(
        AuditEntry(actor="op-ancient", action=AuditAction.SIGN_IN, at=days_ago(20_000))
    )

    report = await world.retention(Periods(audit_days=0)).run()

    assert report.audit_before is None and report.nothing
    assert {e.id for e in await everything(world)} == {e.id for e in [*made.values(), ancient]}


async def test_the_period_is_configurable_and_a_dry_run_changes_nothing(world: World) -> None:
    await seed(world)
    before = await everything(world)

    dry = await world.retention(Periods(audit_days=30)).run(dry_run=True)

    assert dry.rows_in(STAFF_AUDIT) == 3  # all but yesterday's
    assert await everything(world) == before
    done = await world.retention(Periods(audit_days=30)).run()
    assert done.rows_in(STAFF_AUDIT) == 3
    assert {e.actor for e in await everything(world)} == {"op-new", ACTOR}


async def test_a_long_backlog_goes_oldest_first_over_several_passes(world: World) -> None:
    made = await seed(world)
    job = world.retention(Periods(audit_days=30))
    job.max_per_pass = 2

    first = await job.run()
    assert first.rows_in(STAFF_AUDIT) == 2
    left = {e.id for e in await everything(world)}
    assert made["op-old:3000"].id not in left and made[f"op-old:{SIX_YEARS + 1}"].id not in left
    assert made[f"op-kept:{SIX_YEARS - 1}"].id in left

    world.clock.now = NOW + timedelta(hours=1)
    second = await job.run()
    assert second.rows_in(STAFF_AUDIT) == 1
    erasures = await world.audit.search(AuditQuery(action=AuditAction.ERASURE))
    assert sorted((e.detail or "").split()[0] for e in erasures) == [
        "staff_audit=1",
        "staff_audit=2",
    ]


def test_the_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BLUELAMP_RETENTION_AUDIT_DAYS", raising=False)
    assert Settings.from_env().retention_audit_days == SIX_YEARS
    monkeypatch.setenv("BLUELAMP_RETENTION_AUDIT_DAYS", "0")
    settings = Settings.from_env()
    assert settings.retention_audit_days == 0
    assert Periods.from_settings(settings).audit_days == 0
    monkeypatch.setenv("BLUELAMP_RETENTION_AUDIT_DAYS", "365")
    assert Periods.from_settings(Settings.from_env()).audit_days == 365
    with pytest.raises(ValueError, match="audit log"):
        Periods(audit_days=-1)


async def test_the_command_says_what_went_or_that_the_log_is_kept(world: World) -> None:
    await seed(world)
    kept = describe(await world.retention(Periods(audit_days=0)).run(), Settings())
    assert "Staff audit log: kept for ever (BLUELAMP_RETENTION_AUDIT_DAYS=0)." in kept
    erased = describe(await world.retention().run(), Settings())
    assert any(
        line.startswith(f"Erased 2 staff audit record(s) older than {SIX_YEARS} days")
        for line in erased
    )
