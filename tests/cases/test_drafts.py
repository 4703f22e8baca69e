"""Unsent report drafts in the case store's database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.channels.gateway_testing import free_port
from triage.cases.drafts import MAX_ANSWER, SqlDraftStore
from triage.cases.http_adapter import HttpCaseSystem
from triage.cases.ports import CaseSystemUnavailable, ReportDraft
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.wiring import build_draft_store, build_sql_store
from triage.settings import Settings

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def drafts(store: SqlCaseSystem, clock: Clock) -> SqlDraftStore:
    return SqlDraftStore.beside(store, clock=clock)


def draft(cid: str = "web-1", **overrides: object) -> ReportDraft:
    values: dict[str, object] = {
        "conversation_id": cid,
        "channel": "webchat",
        "crime_type": "theft",
        "answers": {"incident_description": "My bike was taken", "incident_when": "Yesterday"},
        "asking": "incident_where",
    }
    values.update(overrides)
    return ReportDraft(**values)  # type: ignore[arg-type]


async def test_a_draft_is_kept_and_read_back(drafts: SqlDraftStore) -> None:
    await drafts.keep_draft(draft())
    found = await drafts.draft_for("web-1")
    assert found is not None
    assert (found.channel, found.crime_type, found.asking, found.status) == (
        "webchat",
        "theft",
        "incident_where",
        "unsent",
    )
    assert found.answers == {
        "incident_description": "My bike was taken",
        "incident_when": "Yesterday",
    }
    assert found.created_at == START and found.updated_at == START
    assert await drafts.draft_for("web-2") is None


async def test_keeping_again_replaces_the_answers_and_keeps_when_it_began(
    drafts: SqlDraftStore, clock: Clock
) -> None:
    await drafts.keep_draft(draft())
    clock.advance(minutes=3)
    answers = {"incident_description": "My bike was taken", "incident_where": "Station Road"}
    await drafts.keep_draft(draft(answers=answers, asking="property_details"))
    found = await drafts.draft_for("web-1")
    assert found is not None
    assert found.answers == answers
    assert found.asking == "property_details"
    assert found.created_at == START
    assert found.updated_at == START + timedelta(minutes=3)


async def test_one_draft_per_conversation_even_when_kept_at_once(drafts: SqlDraftStore) -> None:
    await asyncio.gather(
        *(drafts.keep_draft(draft(answers={"incident_when": f"{n} pm"})) for n in range(8))
    )
    listed = await drafts.unsent_drafts(timedelta(0))
    assert [d.conversation_id for d in listed] == ["web-1"]


async def test_discarding_removes_the_draft_once(drafts: SqlDraftStore) -> None:
    await drafts.keep_draft(draft())
    assert await drafts.discard_draft("web-1") is True
    assert await drafts.draft_for("web-1") is None
    assert await drafts.discard_draft("web-1") is False


async def test_unsent_drafts_are_the_idle_ones_newest_first(
    drafts: SqlDraftStore, clock: Clock
) -> None:
    for cid in ("web-a", "web-b", "web-c"):
        await drafts.keep_draft(draft(cid))
        clock.advance(minutes=5)
    # now START + 15 min: a idle 15, b idle 10, c idle 5
    idle_ten = await drafts.unsent_drafts(timedelta(minutes=10))
    assert [d.conversation_id for d in idle_ten] == ["web-b", "web-a"]
    assert [d.conversation_id for d in await drafts.unsent_drafts(timedelta(0))] == [
        "web-c",
        "web-b",
        "web-a",
    ]
    assert [d.conversation_id for d in await drafts.unsent_drafts(timedelta(0), limit=1)] == [
        "web-c"
    ]
    assert await drafts.unsent_drafts(timedelta(hours=1)) == []
    # Answering again makes a draft fresh: it leaves the idle list.
    await drafts.keep_draft(draft("web-a"))
    assert [d.conversation_id for d in await drafts.unsent_drafts(timedelta(minutes=10))] == [
        "web-b"
    ]


async def test_following_up_is_kept_when_the_person_answers_again(
    drafts: SqlDraftStore,
) -> None:
    assert await drafts.mark_following_up("web-1") is False
    await drafts.keep_draft(draft())
    assert await drafts.mark_following_up("web-1") is True
    await drafts.keep_draft(draft(asking="evidence"))
    found = await drafts.draft_for("web-1")
    assert found is not None and found.status == "following_up" and found.asking == "evidence"


async def test_empty_answers_are_dropped_and_long_ones_cut(drafts: SqlDraftStore) -> None:
    answers = {"incident_description": "x" * (MAX_ANSWER + 50), "evidence": "  ", "injuries": ""}
    await drafts.keep_draft(draft(answers=answers, asking=None))
    found = await drafts.draft_for("web-1")
    assert found is not None
    assert found.answers == {"incident_description": "x" * MAX_ANSWER}
    assert found.asking is None


@pytest.mark.parametrize(
    "bad",
    [
        {"conversation_id": ""},
        {"conversation_id": "c" * 256},
        {"channel": ""},
        {"crime_type": "t" * 41},
        {"asking": "s" * 101},
        {"answers": {f"slot_{n}": "x" for n in range(41)}},
    ],
)
async def test_a_malformed_draft_is_refused(drafts: SqlDraftStore, bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        await drafts.keep_draft(draft(**bad))
    assert await drafts.unsent_drafts(timedelta(0)) == []


async def test_an_unreachable_database_is_unavailable_not_a_crash() -> None:
    url = f"postgresql+asyncpg://bluelamp:secret@127.0.0.1:{free_port()}/bluelamp"
    drafts = SqlDraftStore.beside(SqlCaseSystem.from_url(url), owned=True)
    try:
        with pytest.raises(CaseSystemUnavailable):
            await drafts.keep_draft(draft())
        with pytest.raises(CaseSystemUnavailable):
            await drafts.unsent_drafts(timedelta(0))
    finally:
        await drafts.close()


async def test_wiring_puts_drafts_beside_the_local_store_or_in_the_local_database(
    tmp_path: Path,
) -> None:
    settings = Settings(var_dir=tmp_path, database_url="")
    local = build_sql_store(settings)
    beside = build_draft_store(settings, local)
    await beside.keep_draft(draft())  # the demo's SQLite file is migrated on first use
    assert await beside.draft_for("web-1") is not None
    await beside.close()  # not its store: still open
    assert await local.lookup("BL-AAAA-AAAA", "x") is None
    await local.close()

    external = HttpCaseSystem("http://127.0.0.1:9", token="t")
    own = build_draft_store(settings, external)
    try:
        found = await own.draft_for("web-1")
        assert found is not None and found.crime_type == "theft"
    finally:
        await own.close()
        await external.close()
