"""Fraud redirects, tracking and updating cases, station times, questions and fallbacks."""

from __future__ import annotations

from typing import Any

from action_testing import DOMAIN, all_buttons, custom_payloads, make_tracker, slot_events, texts
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.case_access import case_system
from actions.enquiries import (
    ActionReportFraud,
    ActionStationTimes,
    ActionTrackCase,
    ActionUpdateCase,
    load_stations,
)
from actions.fallback import ActionDefaultAskAffirmation, ActionDefaultFallback
from triage.cases.models import ContactLog
from triage.cases.ports import ReportSubmission
from triage.cases.sql_store import SqlCaseSystem


async def run(action: Any, **tracker_args: Any) -> tuple[list[Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(**tracker_args), DOMAIN)
    return events, dispatcher


async def existing_case() -> str:
    """A case submitted through the same (migrated) store the actions use."""
    receipt = await case_system().submit(
        ReportSubmission(
            idempotency_key="seed:0",
            conversation_id="seed",
            channel="web",
            crime_type="theft",
            details={},
            location="Station Road, NE1 4ST",
            reporter_name="Jo Bloggs",
            reporter_contact="jo@example.com",
            contact_consent=True,
        )
    )
    return receipt.reference


async def test_fraud_points_to_report_fraud_and_records_the_contact(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    events, dispatcher = await run(
        ActionReportFraud(), intent="report_fraud", text="I was scammed", sender_id="conv-f"
    )
    said = " ".join(texts(dispatcher))
    assert "Report Fraud (formerly Action Fraud)" in said
    assert "https://www.actionfraud.police.uk" in said and "0300 123 2040" in said
    assert slot_events(events) == {"crime_type": None}
    async with AsyncSession(inspector.engine) as session:
        [log] = (await session.scalars(select(ContactLog))).all()
    assert (log.conversation_id, log.kind, log.channel) == ("conv-f", "fraud_redirect", "web")


async def test_track_case_shows_status_only_with_the_right_detail(database_url: str) -> None:
    reference = await existing_case()

    events, dispatcher = await run(
        ActionTrackCase(), slots={"case_reference": reference, "verify_detail": "NE1 4ST"}
    )
    found = texts(dispatcher)[0]
    assert reference in found and "Received" in found
    assert slot_events(events) == {"case_reference": None, "verify_detail": None}

    _, wrong_detail = await run(
        ActionTrackCase(), slots={"case_reference": reference, "verify_detail": "NE2 2AA"}
    )
    _, wrong_reference = await run(
        ActionTrackCase(), slots={"case_reference": "BL-0000-0000", "verify_detail": "NE1 4ST"}
    )
    assert texts(wrong_detail) == texts(wrong_reference)
    assert reference not in texts(wrong_detail)[0]


async def test_update_case_adds_information_to_a_verified_case(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    reference = await existing_case()
    events, dispatcher = await run(
        ActionUpdateCase(),
        slots={
            "case_reference": reference,
            "verify_detail": "jo@example.com",
            "case_update_text": "I found the bike's serial number: WTU123",
        },
    )
    assert "added your information" in texts(dispatcher)[0]
    assert slot_events(events)["case_update_text"] is None
    case = await inspector.get_case(reference)
    assert case is not None
    assert [u.text for u in case.updates] == ["I found the bike's serial number: WTU123"]

    _, refused = await run(
        ActionUpdateCase(),
        slots={
            "case_reference": reference,
            "verify_detail": "someone@else.com",
            "case_update_text": "spam",
        },
    )
    assert "could not find" in texts(refused)[0]


async def test_track_case_when_the_database_is_down(unreachable_database: str) -> None:
    _, dispatcher = await run(
        ActionTrackCase(), slots={"case_reference": "BL-0000-0000", "verify_detail": "NE1 4ST"}
    )
    assert "cannot check cases right now" in texts(dispatcher)[0]


def test_stations_file_has_four_to_six_stations_with_every_weekday() -> None:
    stations = load_stations()
    assert 4 <= len(stations) <= 6
    for station in stations:
        assert set(station.hours) == {
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        }


async def test_station_times_for_a_named_station() -> None:
    _, dispatcher = await run(
        ActionStationTimes(),
        intent="station_opening_times",
        entities=[{"entity": "place", "value": "Eastbridge"}],
    )
    first = texts(dispatcher)[0]
    assert first.startswith("Eastbridge Police Station")
    assert "Mon-Fri 9am-5pm, Sat-Sun closed" in first
    assert "Millford" not in first
    assert "999" in texts(dispatcher)[1]


async def test_station_times_for_all_or_an_unknown_station() -> None:
    _, everything = await run(ActionStationTimes(), intent="station_opening_times")
    assert all(station.name in texts(everything)[0] for station in load_stations())
    _, unknown = await run(
        ActionStationTimes(), entities=[{"entity": "place", "value": "Atlantis"}]
    )
    assert "Atlantis" in texts(unknown)[0]
    assert "Saltmouth Police Station" in texts(unknown)[0]


async def test_ask_affirmation_offers_top_two_intents_and_something_else() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "report_theft", "confidence": 0.3},
        {"name": "lost_property", "confidence": 0.25},
        {"name": "report_burglary", "confidence": 0.05},
    ]
    events, dispatcher = await run(
        ActionDefaultAskAffirmation(), text="my wallet went", intent_ranking=ranking
    )
    assert events == []
    assert [(b["title"], b["payload"]) for b in all_buttons(dispatcher)] == [
        ("Report a theft", "/report_theft"),
        ("Lost property", "/lost_property"),
        ("Something else", "/out_of_scope"),
    ]
    assert "999" in texts(dispatcher)[0]


async def test_ask_affirmation_leads_with_999_guidance_when_an_emergency_is_likely() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "report_assault", "confidence": 0.3},
        {"name": "emergency_violence", "confidence": 0.2},
    ]
    _, dispatcher = await run(
        ActionDefaultAskAffirmation(), text="hes got a blade outside", intent_ranking=ranking
    )
    said = texts(dispatcher)
    assert said[0].startswith("If you or anyone else is in immediate danger, call 999 now")
    assert any("take a weapon" in line for line in said)
    assert any("55" in line for line in said)


async def test_ask_affirmation_stays_calm_when_an_emergency_is_unlikely() -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "lost_property", "confidence": 0.4},
        {"name": "emergency_violence", "confidence": 0.05},
    ]
    _, dispatcher = await run(
        ActionDefaultAskAffirmation(), text="lost my keys", intent_ranking=ranking
    )
    said = texts(dispatcher)
    assert len(said) == 1 and "immediate danger" not in said[0]


async def test_default_fallback_queues_a_person_instead_of_a_menu() -> None:
    events, dispatcher = await run(ActionDefaultFallback(), text="blorp")
    assert {"bluelamp": {"handoff": {"reason": "human_requested", "priority": "P3"}}} in (
        custom_payloads(dispatcher)
    )
    said = " ".join(texts(dispatcher))
    assert "member of staff" in said
    assert "999" in said and "101" in said
    assert not any(b["payload"].startswith("/report_") for b in all_buttons(dispatcher))
    assert events[-1] == {"event": "rewind", "timestamp": None}
