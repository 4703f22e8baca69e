"""Starting, summarising, correcting, submitting and cancelling a report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from action_testing import DOMAIN, all_buttons, custom_payloads, make_tracker, slot_events, texts
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.report_actions import (
    ActionCancelReport,
    ActionCorrectReport,
    ActionReportSummary,
    ActionStartReport,
    ActionSubmitReport,
)
from triage.cases.models import Case, HandoffRequestRecord
from triage.cases.references import is_valid_receipt_code, is_valid_reference
from triage.cases.spool_outbox import SpoolOutbox
from triage.cases.sql_store import SqlCaseSystem

BURGLARY = {
    "crime_type": "burglary",
    "incident_description": "Someone broke in through the back door and took my laptop",
    "incident_when": "Tue 24 Nov 2026, at night",
    "incident_where": "12 Station Road, NE1 4ST",
    "property_details": "a silver Dell laptop",
    "property_value": "£800",
    "suspect_description": "none given",
    "evidence": "doorbell camera",
    "reporter_name": "Jo Bloggs",
    "reporter_contact": "jo@example.com",
    "contact_consent": True,
}


async def run(action: Any, **tracker_args: Any) -> tuple[dict[str, Any], list[Any], Any]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(**tracker_args), DOMAIN)
    return slot_events(events), events, dispatcher


async def test_start_report_sets_crime_type_and_clears_an_earlier_report() -> None:
    slots, _, dispatcher = await run(
        ActionStartReport(), slots=BURGLARY, intent="report_hate_crime", text="I was abused"
    )
    assert slots["crime_type"] == "hate_crime"
    assert slots["incident_description"] is None
    assert slots["reporter_name"] is None
    message = texts(dispatcher)[0]
    assert "5 minutes" in message
    assert "stop" in message
    assert "999" in message


async def test_start_report_in_a_fresh_conversation_sets_only_the_crime_type() -> None:
    # Nothing to forget, so no clearing events: the engine replays every event each turn.
    slots, events, _ = await run(ActionStartReport(), intent="report_theft", text="bike nicked")
    assert slots == {"crime_type": "theft"}
    assert events[1:] == [{"event": "followup", "timestamp": None, "name": "theft_form"}]


async def test_start_report_without_a_report_intent_asks_which_kind() -> None:
    slots, _, dispatcher = await run(ActionStartReport(), intent="greet", text="hello")
    assert "crime_type" not in slots
    assert "/report_theft" in [b["payload"] for b in all_buttons(dispatcher)]


async def test_summary_lists_every_answer_with_a_label_and_offers_three_buttons() -> None:
    slots, _, dispatcher = await run(ActionReportSummary(), slots=BURGLARY)
    assert slots == {"report_ready": True}  # a "yes" now (or again, after a failed send) sends
    summary = texts(dispatcher)[0]
    assert "burglary" in summary
    assert "- What was stolen: a silver Dell laptop" in summary
    assert "- When: Tue 24 Nov 2026, at night" in summary
    assert "- OK to contact you: Yes" in summary
    assert "- Your contact details: jo@example.com" in summary
    assert "Vehicle registration" not in summary  # not asked for a burglary
    assert texts(dispatcher)[1] == "Shall I send this report?"
    assert [(b["title"], b["payload"]) for b in all_buttons(dispatcher)] == [
        ("Yes, send it", "/affirm"),
        ("Change something", "/correct_field"),
        ("Cancel", "/stop"),
    ]


async def test_summary_of_anonymous_community_report_hides_unasked_contact() -> None:
    slots = {
        "crime_type": "asb",
        "incident_description": "Groups shouting and throwing bottles every night",
        "incident_when": "Tue 24 Nov 2026, at night",
        "incident_where": "the park on Mill Lane",
        "suspect_description": "teenagers",
        "evidence": "none",
        "reporter_name": "anonymous",
        "reporter_contact": "left over from before",
    }
    _, _, dispatcher = await run(ActionReportSummary(), slots=slots)
    assert "left over" not in texts(dispatcher)[0]
    assert "- Your name: anonymous" in texts(dispatcher)[0]


async def test_correct_with_a_field_clears_it_and_reopens_the_form() -> None:
    slots, events, dispatcher = await run(
        ActionCorrectReport(),
        slots={**BURGLARY, "validation_failures": {"incident_where": 2, "evidence": 1}},
        intent="correct_field",
        entities=[{"entity": "field", "value": "incident_where"}],
    )
    assert slots["incident_where"] is None
    assert slots["validation_failures"] == {"evidence": 1}
    assert slots["report_ready"] is None  # no longer the summary the person saw
    assert {"event": "followup", "timestamp": None, "name": "theft_form"} in events
    assert texts(dispatcher)


async def test_correct_for_violence_report_reopens_violence_form() -> None:
    _, events, _ = await run(
        ActionCorrectReport(),
        slots={
            "crime_type": "assault",
            "incident_description": "I was punched",
            "injuries": "a black eye",
            "field": "injuries",
        },
    )
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "violence_form"}


async def test_correct_without_a_field_offers_one_button_per_answer() -> None:
    _, events, dispatcher = await run(ActionCorrectReport(), slots=BURGLARY, intent="correct_field")
    assert not any(event["event"] == "followup" for event in events)
    buttons = all_buttons(dispatcher)
    assert len(buttons) == len(BURGLARY) - 1  # every answer except crime_type
    where = next(b for b in buttons if b["title"] == "Where")
    assert where["payload"].startswith("/correct_field")
    assert json.loads(where["payload"][len("/correct_field") :]) == {"field": "incident_where"}


async def test_correct_refuses_a_field_that_is_not_an_answer() -> None:
    _, events, dispatcher = await run(
        ActionCorrectReport(),
        slots=BURGLARY,
        entities=[{"entity": "field", "value": "submission_count"}],
    )
    assert not any(event["event"] == "followup" for event in events)
    assert "not one of your answers" in texts(dispatcher)[0]


async def test_submit_stores_the_report_and_tells_the_reference(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    slots, _, dispatcher = await run(
        ActionSubmitReport(),
        slots={**BURGLARY, "report_ready": True},
        sender_id="conv-1",
        channel="webchat",
    )
    reference = slots["report_reference"]
    assert is_valid_reference(reference)
    assert slots["submission_count"] == 1
    assert slots["incident_description"] is None
    assert slots["crime_type"] is None
    assert slots["report_ready"] is None  # a later "yes" does not send again
    said = " ".join(texts(dispatcher))
    assert reference in said
    assert "within 48 hours" in said

    case = await inspector.get_case(reference)
    assert case is not None
    assert case.summary.crime_type == "burglary"
    assert case.details["property_details"] == "a silver Dell laptop"
    assert "reporter_contact" not in case.details
    assert case.reporter_contact == "jo@example.com"
    assert case.contact_consent is True
    view = await inspector.lookup(reference, "NE1 4ST")
    assert view is not None


async def test_submitting_again_with_the_same_count_returns_the_same_reference(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    first, _, _ = await run(ActionSubmitReport(), slots=BURGLARY, sender_id="conv-2")
    again, _, dispatcher = await run(
        ActionSubmitReport(), slots={**BURGLARY, "submission_count": 0.0}, sender_id="conv-2"
    )
    assert again["report_reference"] == first["report_reference"]
    assert "already sent" in texts(dispatcher)[0]
    next_report, _, _ = await run(
        ActionSubmitReport(), slots={**BURGLARY, "submission_count": 1.0}, sender_id="conv-2"
    )
    assert next_report["report_reference"] != first["report_reference"]
    assert next_report["submission_count"] == 2
    async with inspector.engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(Case))
    assert count == 2


async def test_submit_when_the_database_is_unreachable_holds_the_report_with_a_receipt(
    unreachable_database: str, tmp_path: Path
) -> None:
    slots, _, dispatcher = await run(ActionSubmitReport(), slots=BURGLARY, sender_id="conv-h")
    said = " ".join(texts(dispatcher))
    receipt = re.search(r"RC-[0-9A-Z]{4}-[0-9A-Z]{4}", said)
    assert receipt is not None and is_valid_receipt_code(receipt.group())
    assert "reference will follow" in said and "track my case" in said
    # The report is safe, so the form is done: answers cleared, the next report gets a new key.
    assert slots["incident_description"] is None and slots["submission_count"] == 1
    assert "report_reference" not in slots  # no reference yet
    assert custom_payloads(dispatcher) == []  # nothing for staff to rescue

    outbox = SpoolOutbox(tmp_path / "var" / "outbox.db")
    try:
        held = await outbox.find(receipt.group())
        [item] = await outbox.claim(10)
    finally:
        await outbox.close()
    assert held is not None and held.state.value == "pending"
    assert item.report.idempotency_key == "conv-h:0"
    assert item.report.receipt_code == receipt.group()
    assert item.report.account == BURGLARY["incident_description"]
    assert item.report.location == "12 Station Road, NE1 4ST"


async def test_double_click_while_the_database_is_down_gives_one_receipt(
    unreachable_database: str, tmp_path: Path
) -> None:
    _, _, first = await run(ActionSubmitReport(), slots=BURGLARY, sender_id="conv-d")
    _, _, again = await run(ActionSubmitReport(), slots=BURGLARY, sender_id="conv-d")
    code = re.compile(r"RC-[0-9A-Z]{4}-[0-9A-Z]{4}")
    first_code = code.search(texts(first)[0])
    again_code = code.search(texts(again)[0])
    assert first_code is not None and again_code is not None
    assert first_code.group() == again_code.group()
    assert "already received" in texts(again)[0]
    outbox = SpoolOutbox(tmp_path / "var" / "outbox.db")
    try:
        assert (await outbox.counts())["pending"] == 1
    finally:
        await outbox.close()


async def test_submit_when_the_database_and_the_outbox_fail_keeps_answers_and_says_what_to_do(
    unreachable_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("BLUELAMP_OUTBOX_PATH", str(blocker / "outbox.db"))
    slots, events, dispatcher = await run(ActionSubmitReport(), slots=BURGLARY)
    assert events == []  # nothing cleared, nothing lost: report_ready stays, "Try again" sends
    assert "report_reference" not in slots
    said = " ".join(texts(dispatcher))
    assert "could not send your report" in said
    assert "101" in said
    assert "try again" in said.lower()
    assert "/affirm" in [b["payload"] for b in all_buttons(dispatcher)]
    # The case system is down, but the gateway's operator queue still hears about it.
    assert custom_payloads(dispatcher) == [
        {"bluelamp": {"handoff": {"reason": "human_requested", "priority": "P3"}}}
    ]


async def test_submit_keeps_account_place_and_time_in_their_own_columns(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    slots, _, _ = await run(ActionSubmitReport(), slots=BURGLARY, sender_id="conv-c")
    case = await inspector.get_case(slots["report_reference"])
    assert case is not None
    assert case.account == BURGLARY["incident_description"]
    assert case.location == "12 Station Road, NE1 4ST"
    assert case.time_window == "Tue 24 Nov 2026, at night"
    assert case.summary.crime_family == "acquisitive"
    assert not {"incident_description", "incident_where", "incident_when"} & set(case.details)
    assert case.details["evidence"] == "doorbell camera"


async def test_submit_failure_asks_for_a_person_when_only_the_submit_fails(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    too_long_sender = "x" * 300  # the store refuses idempotency keys over 255 characters
    _, events, dispatcher = await run(
        ActionSubmitReport(), slots=BURGLARY, sender_id=too_long_sender
    )
    assert events == []
    assert "asked a member of staff" in " ".join(texts(dispatcher))
    async with inspector.engine.connect() as connection:
        reasons = (await connection.scalars(select(HandoffRequestRecord.reason))).all()
    assert reasons == ["failure"]


async def test_submit_with_nothing_collected_sends_nothing(database_url: str) -> None:
    slots, _, dispatcher = await run(ActionSubmitReport(), slots={"crime_type": "theft"})
    assert "report_reference" not in slots
    assert "no report in progress" in texts(dispatcher)[0].lower()


@pytest.mark.parametrize("paused", ["theft_form", None])
async def test_cancel_clears_answers_and_says_nothing_was_sent(paused: str | None) -> None:
    slots, _, dispatcher = await run(
        ActionCancelReport(), slots={**BURGLARY, "paused_form": paused, "report_ready": True}
    )
    assert all(slots[slot] is None for slot in BURGLARY)
    assert slots["paused_form"] is None
    assert slots["report_ready"] is None  # a later "yes" is not a send
    assert "Nothing has been sent" in texts(dispatcher)[0]


async def test_submit_keeps_the_gateways_triage_priority_and_flags_for_this_report(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    tracker = make_tracker(BURGLARY, sender_id="conv-p", text="yes")

    def said(text: str, priority: str, flags: list[str]) -> dict[str, Any]:
        triage = {"category": "crime_report", "priority": priority, "flags": flags}
        return {"event": "user", "text": text, "metadata": {"triage": triage}}

    start = {"event": "action", "name": "action_start_report"}
    earlier = said("an older report", "P1", ["from_an_earlier_report"])
    tracker.events[2:2] = [
        earlier,
        start,
        said("they had a knife", "P2", ["weapon"]),
        said("yesterday", "P3", []),
    ]
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitReport().run(dispatcher, tracker, DOMAIN)
    case = await inspector.get_case(slot_events(events)["report_reference"])
    assert case is not None
    assert case.summary.priority == "P2"
    assert case.summary.flags == ("weapon",)
    # Without any triage opinion the report is routine.
    plain, _, _ = await run(ActionSubmitReport(), slots=BURGLARY, sender_id="conv-q")
    routine = await inspector.get_case(plain["report_reference"])
    assert routine is not None and routine.summary.priority == "P3"
