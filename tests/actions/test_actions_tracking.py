"""Tracking and adding to cases through the actions: receipt codes, messages, rate limits."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from action_testing import DOMAIN, make_tracker, texts
from rasa_sdk.executor import CollectingDispatcher

from actions.case_access import case_system, reset_case_system
from actions.enquiries import ActionTrackCase, ActionUpdateCase
from actions.report_actions import ActionSubmitReport
from tests.triage_queue.support import TEST_REDIS_URL, redis_prefix
from triage.cases.ports import ReportSubmission
from triage.cases.sql_store import SqlCaseSystem
from triage.cases.wiring import build_outbox, build_sql_store, build_worker
from triage.settings import Settings

THEFT = {
    "crime_type": "theft",
    "incident_description": "My bike was taken from outside the library",
    "incident_when": "Tue 24 Nov 2026, about 15:00",
    "incident_where": "Station Road, NE1 4ST",
    "property_details": "a red bike",
    "property_value": "£350",
    "suspect_description": "none given",
    "evidence": "none",
    "reporter_name": "Jo Bloggs",
    "reporter_contact": "jo@example.com",
    "contact_consent": True,
}
RECEIPT = re.compile(r"RC-[0-9A-Z]{4}-[0-9A-Z]{4}")
REFERENCE = re.compile(r"BL-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def say(action: Any, sender_id: str = "conv-t", **slots: Any) -> str:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, make_tracker(slots, sender_id=sender_id), DOMAIN)
    return " ".join(texts(dispatcher))


async def track(code: str, detail: str, sender_id: str = "conv-t") -> str:
    return await say(ActionTrackCase(), sender_id, case_reference=code, verify_detail=detail)


async def seeded(_inspector: SqlCaseSystem, key: str = "seed:0") -> str:
    """A case submitted through the (migrated) store the actions use."""
    receipt = await case_system().submit(
        ReportSubmission(
            idempotency_key=key,
            conversation_id="seed",
            channel="webchat",
            crime_type="theft",
            details={},
            reporter_name="Jo Bloggs",
            reporter_contact="jo@example.com",
            contact_consent=True,
            location="Station Road, NE1 4ST",
        )
    )
    return receipt.reference


async def deliver_held(var_dir: Path, database_url: str) -> None:
    """Run the outbox worker once, as `python -m triage outbox-worker --once` would."""
    settings = Settings(var_dir=var_dir, database_url=database_url)
    cases, outbox = build_sql_store(settings), build_outbox(settings)
    try:
        result = await build_worker(settings, cases, outbox).run_once()
        assert result.delivered == 1
    finally:
        await outbox.close()
        await cases.close()


async def test_receipt_code_tracks_the_held_report_then_leads_to_its_reference(
    unreachable_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = await say(ActionSubmitReport(), "conv-r", **THEFT)
    code = RECEIPT.search(held)
    assert code is not None

    waiting = await track(code.group().lower(), "ne14st")
    assert "safe with us" in waiting and code.group() in waiting and "BL-" not in waiting
    # A wrong detail gets exactly the answer an unknown receipt code gets (here: the case
    # system, which might know the code, is down), so nothing tells a guesser it exists.
    wrong_detail = await track(code.group(), "NE2 2AA")
    assert wrong_detail == await track("RC-0000-0000", "NE1 4ST")
    assert "cannot check cases right now" in wrong_detail
    added = await say(
        ActionUpdateCase(),
        case_reference=code.group(),
        verify_detail="jo@example.com",
        case_update_text="I remembered the frame number",
    )
    assert "still waiting" in added

    # The database is back: the worker delivers, and the same receipt code now finds it.
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    await deliver_held(tmp_path / "var", database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    await reset_case_system()
    found = await track(code.group(), "jo@example.com")
    reference = REFERENCE.search(found)
    assert reference is not None
    assert f"receipt code {code.group()} now has the reference {reference.group()}" in found
    assert "Received, waiting to be reviewed" in found
    assert "frame number" not in found  # the refused addition was never stored
    wrong_detail = await track(code.group(), "NE2 2AA")
    assert wrong_detail == await track("RC-0000-0000", "NE1 4ST")
    assert "could not find" in wrong_detail and reference.group() not in wrong_detail


async def test_tracking_shows_outcome_messages_and_asks_for_information(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    reference = await seeded(inspector)
    await inspector.send_message(reference, "An officer has viewed the CCTV.", sent_by="PC 1")
    await inspector.set_status(reference, "further_information_needed", changed_by="PC 1")
    await inspector.send_message(reference, "Please send the bike's frame number.")
    said = await track(reference, "NE1 4ST")
    assert "We need more information from you" in said
    assert "An officer has viewed the CCTV." in said
    assert "Please send the bike's frame number." in said
    assert "add information to my case" in said
    assert "PC 1" not in said  # staff names stay with staff

    added = await say(
        ActionUpdateCase(),
        case_reference=reference,
        verify_detail="jo@example.com",
        case_update_text="The frame number is WTU123456",
    )
    assert f"added your information to {reference}" in added
    case = await inspector.get_case(reference)
    assert case is not None and case.summary.status == "under_review"

    await inspector.set_status(reference, "closed", outcome="no_suspect_identified")
    closed = await track(reference, "NE1 4ST")
    assert "Closed" in closed and "Outcome: Investigation complete, no suspect identified" in closed


async def test_one_conversation_is_limited_even_with_the_right_details(
    database_url: str, inspector: SqlCaseSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUELAMP_TRACK_LIMIT_PER_CONVERSATION", "3 per 15 minutes")
    reference = await seeded(inspector)
    answers = [await track(reference, "NE1 4ST") for _ in range(3)]
    assert all(reference in answer for answer in answers)
    limited = await track(reference, "NE1 4ST")
    assert "too many attempts" in limited and reference not in limited
    # ... and the limit is the conversation's, whatever reference it tries next.
    assert "too many attempts" in await track("BL-0000-0000", "NE1 4ST")
    assert reference in await track(reference, "NE1 4ST", sender_id="another-conversation")


async def test_one_reference_is_limited_across_conversations(
    database_url: str, inspector: SqlCaseSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUELAMP_TRACK_LIMIT_PER_REFERENCE", "4 per hour")
    reference = await seeded(inspector)
    guesses = [await track(reference, f"NE{i} 1AA", sender_id=f"guesser-{i}") for i in range(4)]
    assert all("could not find" in guess for guess in guesses)
    owner = await track(reference, "NE1 4ST", sender_id="owner")
    assert "too many attempts" in owner and reference not in owner
    # An unknown reference is limited the same way, so the limit reveals nothing.
    unknown = [await track("BL-0000-0000", "NE1 4ST", sender_id=f"u-{i}") for i in range(5)]
    assert "too many attempts" in unknown[-1]


async def test_update_is_limited_with_tracking(
    database_url: str, inspector: SqlCaseSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUELAMP_TRACK_LIMIT_PER_CONVERSATION", "2 per 15 minutes")
    reference = await seeded(inspector)
    await track(reference, "NE2 2AA")
    await track(reference, "NE2 3AA")
    said = await say(
        ActionUpdateCase(),
        case_reference=reference,
        verify_detail="NE1 4ST",
        case_update_text="more information here",
    )
    assert "too many attempts" in said
    case = await inspector.get_case(reference)
    assert case is not None and case.updates == ()


async def test_limits_in_redis_are_shared_by_separate_action_servers(
    database_url: str, inspector: SqlCaseSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two adapters built from the same settings (as two processes would) share the counts."""
    async with redis_prefix() as (client, prefix):
        monkeypatch.setenv("REDIS_URL", TEST_REDIS_URL)
        monkeypatch.setenv("BLUELAMP_REDIS_PREFIX", prefix)
        monkeypatch.setenv("BLUELAMP_TRACK_LIMIT_PER_CONVERSATION", "2 per 15 minutes")
        reference = await seeded(inspector)
        await reset_case_system()
        assert reference in await track(reference, "NE1 4ST")
        await reset_case_system()  # a second action server starts with nothing in memory
        assert reference in await track(reference, "NE1 4ST")
        await reset_case_system()
        assert "too many attempts" in await track(reference, "NE1 4ST")
        assert [key async for key in client.scan_iter(match=f"{prefix}limits*")]
        await reset_case_system()


async def test_tracking_when_the_limit_store_is_down_refuses_politely(
    database_url: str, inspector: SqlCaseSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.triage_queue.support import closed_port_url

    reference = await seeded(inspector)
    monkeypatch.setenv("REDIS_URL", closed_port_url())
    monkeypatch.setenv("BLUELAMP_REDIS_PREFIX", f"t-{uuid.uuid4().hex}:")
    await reset_case_system()
    said = await track(reference, "NE1 4ST")
    assert "cannot check cases right now" in said and reference not in said


def test_the_tracking_forms_accept_a_receipt_code_as_typed() -> None:
    from actions.form_validation import ValidateTrackCaseForm
    from triage.cases.references import new_receipt_code

    code = new_receipt_code()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(active_loop="track_case_form")
    validator = ValidateTrackCaseForm()
    for typed in (f"my receipt is {code.lower()}", code.lower().replace("-", " ")):
        assert validator.validate_case_reference(typed, dispatcher, tracker, DOMAIN) == {
            "case_reference": code
        }
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    refused = validator.validate_case_reference(wrong, dispatcher, tracker, DOMAIN)
    assert refused["case_reference"] is None
    assert "RC-" in texts(dispatcher)[-1]
