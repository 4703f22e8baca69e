"""Emergencies, handoff to a person (inside and outside live-chat hours), and resuming."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from action_testing import DOMAIN, all_buttons, custom_payloads, make_tracker, slot_events, texts
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.emergency_and_handoff import (
    ActionEmergency,
    ActionHandoff,
    ActionResumeReport,
    handoff_payload,
    live_chat_open,
)
from triage.cases.models import HandoffRequestRecord
from triage.cases.sql_store import SqlCaseSystem
from triage.guidance import CALL_999_NOW, emergency_guidance

EMERGENCY_PAYLOAD = {"bluelamp": {"handoff": {"reason": "emergency", "priority": "P1"}}}
HANDOFF_PAYLOAD = {"bluelamp": {"handoff": {"reason": "human_requested", "priority": "P3"}}}

IN_FORM = {
    "crime_type": "theft",
    "incident_description": "My bike was taken from the rack",
    "requested_slot": "incident_when",
}


async def handoffs(store: SqlCaseSystem) -> list[HandoffRequestRecord]:
    async with AsyncSession(store.engine) as session:
        return list((await session.scalars(select(HandoffRequestRecord))).all())


async def run(action: Any, **tracker_args: Any) -> tuple[list[Any], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, make_tracker(**tracker_args), DOMAIN)
    return events, dispatcher


def test_guidance_order_is_999_then_situation_then_cannot_speak() -> None:
    fire = emergency_guidance("emergency_fire")
    assert fire[0] == CALL_999_NOW
    assert "Get out, stay out" in fire[1]
    assert "fire service" in " ".join(fire)
    joined = " ".join(fire)
    assert "55" in joined and "18000" in joined and "emergencySMS" in joined
    assert "116 123" in " ".join(emergency_guidance("emergency_suicide_risk"))
    assert "photo" in " ".join(emergency_guidance("emergency_missing_person"))
    assert "silent call" in " ".join(emergency_guidance("emergency_domestic_abuse"))
    unknown = emergency_guidance(None)
    assert unknown[0] == CALL_999_NOW and len(unknown) >= 4


async def test_emergency_during_a_form_guides_records_p1_and_pauses_the_form(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    events, dispatcher = await run(
        ActionEmergency(),
        slots=IN_FORM,
        intent="emergency_intruder",
        text="someone is in my house right now",
        active_loop="theft_form",
        sender_id="conv-9",
    )
    said = texts(dispatcher)
    assert said[: len(emergency_guidance("emergency_intruder"))] == emergency_guidance(
        "emergency_intruder"
    )
    assert "alerted our staff" in said[-1]
    assert custom_payloads(dispatcher) == [EMERGENCY_PAYLOAD]
    assert slot_events(events) == {"paused_form": "theft_form"}
    [request] = await handoffs(inspector)
    assert (request.priority, request.reason, request.intent) == (
        "P1",
        "emergency",
        "emergency_intruder",
    )
    assert request.conversation_id == "conv-9"
    assert request.summary["latest_message"] == "someone is in my house right now"
    assert request.summary["incident_description"] == "My bike was taken from the rack"


async def test_emergency_outside_a_form_does_not_pause_anything(database_url: str) -> None:
    events, dispatcher = await run(ActionEmergency(), intent="emergency_fire", text="fire!")
    assert events == []
    assert texts(dispatcher)[0] == CALL_999_NOW


async def test_emergency_guidance_is_sent_even_when_the_database_is_down(
    unreachable_database: str,
) -> None:
    events, dispatcher = await run(
        ActionEmergency(), intent="emergency_medical", active_loop="damage_form"
    )
    assert texts(dispatcher) == emergency_guidance("emergency_medical")
    # The gateway still queues it and alerts staff: the queue does not need the case system.
    assert custom_payloads(dispatcher) == [EMERGENCY_PAYLOAD]
    assert slot_events(events) == {"paused_form": "damage_form"}


def test_handoff_payload_is_what_the_gateway_reads() -> None:
    # The shape documented in docs/bot-contract.md and parsed by channels.triage_gate.
    assert handoff_payload("emergency", "P1") == EMERGENCY_PAYLOAD


async def test_resume_reopens_the_paused_form() -> None:
    events, dispatcher = await run(
        ActionResumeReport(), slots={**IN_FORM, "paused_form": "theft_form"}, intent="im_safe"
    )
    assert texts(dispatcher) == ["Thank you. Let us carry on with your report."]
    assert slot_events(events) == {"paused_form": None}
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "theft_form"}


async def test_resume_without_a_paused_form_offers_the_main_options() -> None:
    events, dispatcher = await run(ActionResumeReport(), intent="im_safe")
    assert events == []
    assert "glad you are safe" in texts(dispatcher)[0]
    assert "/request_human" in [b["payload"] for b in all_buttons(dispatcher)]


def clock_at(hour: int, minute: int = 0, month: int = 11) -> Any:
    moment = datetime(2026, month, 25, hour, minute, tzinfo=UTC)
    return lambda: moment


async def test_handoff_in_hours_says_staff_will_join(
    database_url: str, inspector: SqlCaseSystem
) -> None:
    events, dispatcher = await run(
        ActionHandoff(clock=clock_at(14)),
        slots=IN_FORM,
        intent="request_human",
        active_loop="theft_form",
    )
    said = " ".join(texts(dispatcher))
    assert "member of our team to join" in said
    assert "8am to midnight" in said
    assert "closed" not in said
    assert slot_events(events) == {"paused_form": "theft_form"}
    assert custom_payloads(dispatcher) == [HANDOFF_PAYLOAD]
    [request] = await handoffs(inspector)
    assert (request.reason, request.priority) == ("requested", "P3")
    assert request.summary["crime_type"] == "theft"


async def test_handoff_out_of_hours_says_what_to_do_instead(database_url: str) -> None:
    events, dispatcher = await run(ActionHandoff(clock=clock_at(3)), intent="request_human")
    said = " ".join(texts(dispatcher))
    assert "closed" in said
    assert "until 8am" in said
    assert "101" in said and "999" in said and "online" in said
    assert custom_payloads(dispatcher) == [HANDOFF_PAYLOAD]  # queued for the morning
    assert events == []


async def test_handoff_uses_local_time_in_summer(database_url: str) -> None:
    # 07:30 UTC in June is 08:30 in London (BST): open
    _, dispatcher = await run(ActionHandoff(clock=clock_at(7, 30, month=6)), intent="request_human")
    assert "closed" not in " ".join(texts(dispatcher))


async def test_handoff_hours_come_from_settings(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLUELAMP_LIVE_CHAT_OPEN_HOUR", "9")
    monkeypatch.setenv("BLUELAMP_LIVE_CHAT_CLOSE_HOUR", "17")
    _, dispatcher = await run(ActionHandoff(clock=clock_at(18)), intent="request_human")
    said = " ".join(texts(dispatcher))
    assert "9am to 5pm" in said
    assert "until 9am" in said


async def test_handoff_when_the_database_is_down_says_call_101(unreachable_database: str) -> None:
    _, dispatcher = await run(ActionHandoff(clock=clock_at(14)), intent="request_human")
    said = " ".join(texts(dispatcher))
    assert "could not reach our team" in said
    assert "101" in said
    assert custom_payloads(dispatcher) == [HANDOFF_PAYLOAD]


@pytest.mark.parametrize(
    ("hour", "open_hour", "close_hour", "expected"),
    [
        (7, 8, 24, False),
        (8, 8, 24, True),
        (23, 8, 24, True),
        (0, 8, 24, False),
        (1, 22, 6, True),
        (12, 22, 6, False),
        (5, 0, 24, True),
    ],
)
def test_live_chat_open(hour: int, open_hour: int, close_hour: int, expected: bool) -> None:
    moment = datetime(2026, 11, 25, hour, 0)
    assert live_chat_open(moment, open_hour, close_hour) is expected
