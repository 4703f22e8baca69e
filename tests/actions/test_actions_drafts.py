"""`actions.drafts`: the action server keeps and discards unsent report drafts, best effort.

Against the real case store (a SQLite file per test, through the action server's own
wiring), an unreachable PostgreSQL server, and a hung one (a TCP proxy that never answers).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from action_testing import free_port, make_tracker
from structlog.testing import capture_logs

from actions import case_access
from actions.drafts import DRAFT_TIMEOUT_SECONDS, discard_draft, keep_draft
from tests.cases.tcp_proxy import TcpProxy
from triage.cases.drafts import SqlDraftStore
from triage.cases.processing_log import public_actor
from triage.cases.wiring import build_sql_store
from triage.settings import Settings

ANSWERS = {
    "incident_description": "Someone smashed my shop window",
    "incident_where": "4 Market Street, NE1 6JQ",
    "reporter_name": "Sam Patel",
}
PERSONAL = ("smashed", "Market Street", "NE1 6JQ", "Sam", "Patel")


@pytest.fixture
async def drafts_seen(database_url: str) -> AsyncIterator[SqlDraftStore]:
    """The drafts as another process (the console) reads them, on its own connections."""
    store = build_sql_store(Settings.from_env())  # migrates the file on first use
    yield SqlDraftStore.beside(store, owned=True)
    await store.close()


async def test_keep_draft_stores_the_answers_for_the_conversation(
    drafts_seen: SqlDraftStore,
) -> None:
    tracker = make_tracker(sender_id="web-42", channel="webchat")
    await keep_draft(tracker, ANSWERS, "criminal_damage", "property_details")
    found = await drafts_seen.draft_for("web-42")
    assert found is not None
    assert dict(found.answers) == ANSWERS
    assert (found.channel, found.crime_type, found.asking, found.status) == (
        "webchat",
        "criminal_damage",
        "property_details",
        "unsent",
    )


async def test_keeping_again_replaces_and_discarding_removes(drafts_seen: SqlDraftStore) -> None:
    tracker = make_tracker(sender_id="web-43")
    await keep_draft(tracker, {"incident_description": "A fight"}, "assault", "incident_when")
    await keep_draft(tracker, {**ANSWERS, "injuries": "a cut lip"}, "assault", None)
    found = await drafts_seen.draft_for("web-43")
    assert found is not None
    assert found.answers["injuries"] == "a cut lip" and found.asking is None
    assert len(await drafts_seen.unsent_drafts(timedelta(0))) == 1

    await discard_draft(tracker)
    assert await drafts_seen.draft_for("web-43") is None
    await discard_draft(tracker)  # nothing left to discard: still fine


async def test_drafts_of_two_conversations_are_apart(drafts_seen: SqlDraftStore) -> None:
    await keep_draft(make_tracker(sender_id="web-a"), ANSWERS, "theft", "incident_when")
    await keep_draft(make_tracker(sender_id="web-b"), {}, "asb", "incident_description")
    await discard_draft(make_tracker(sender_id="web-a"))
    left = await drafts_seen.unsent_drafts(timedelta(0))
    assert [(d.conversation_id, dict(d.answers)) for d in left] == [("web-b", {})]


def _error_events(logs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in logs if e.get("log_level") == "error"]


def _assert_nothing_personal(logs: list[dict[str, object]]) -> None:
    logged = repr(logs)
    assert not [value for value in PERSONAL if value in logged]
    assert "web-down" not in logged  # the conversation id only as a digest


async def test_an_unreachable_database_logs_an_error_and_never_fails_the_turn(
    unreachable_database: str,
) -> None:
    tracker = make_tracker(sender_id="web-down")
    with capture_logs() as logs:
        started = time.monotonic()
        await keep_draft(tracker, ANSWERS, "criminal_damage", "property_details")
        await discard_draft(tracker)
        elapsed = time.monotonic() - started
    assert elapsed < 2 * DRAFT_TIMEOUT_SECONDS + 1
    errors = _error_events(logs)
    assert [e["event"] for e in errors] == ["report_draft_not_saved", "report_draft_not_discarded"]
    assert all(e["conversation"] == public_actor("web-down") for e in errors)
    assert all(e["error"] for e in errors)
    _assert_nothing_personal(logs)


async def test_a_hung_database_is_given_up_on_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = TcpProxy("127.0.0.1", free_port())
    await proxy.blackhole()
    port = await proxy.start()
    monkeypatch.setenv("DATABASE_URL", f"postgresql+asyncpg://bluelamp:secret@127.0.0.1:{port}/x")
    await case_access.reset_case_system()
    try:
        with capture_logs() as logs:
            started = time.monotonic()
            await keep_draft(make_tracker(sender_id="web-down"), ANSWERS, "theft", None)
            elapsed = time.monotonic() - started
        assert DRAFT_TIMEOUT_SECONDS - 0.2 < elapsed < DRAFT_TIMEOUT_SECONDS + 1
        assert [(e["event"], e["error"]) for e in _error_events(logs)] == [
            ("report_draft_not_saved", "TimeoutError")
        ]
        _assert_nothing_personal(logs)
    finally:
        await case_access.reset_case_system()
        await proxy.close()


async def test_a_malformed_draft_is_logged_not_raised(drafts_seen: SqlDraftStore) -> None:
    tracker = make_tracker(sender_id="web-44")
    with capture_logs() as logs:
        await keep_draft(tracker, ANSWERS, "", "incident_when")  # no crime type
    assert [(e["event"], e["error"]) for e in _error_events(logs)] == [
        ("report_draft_not_saved", "ValueError")
    ]
    _assert_nothing_personal(logs)
    assert await drafts_seen.draft_for("web-44") is None
