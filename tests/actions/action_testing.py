"""Helpers for the action server tests: the contract's forms, real trackers, a fixed clock."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

# The forms exactly as docs/bot-contract.md lists them (typed out here, not imported, so
# a drift between the contract and actions/report_spec.py shows up as a failing test).
CONTRACT_FORMS: dict[str, list[str]] = {
    "theft_form": [
        "incident_description",
        "incident_when",
        "incident_where",
        "property_details",
        "property_value",
        "vehicle_reg",
        "suspect_description",
        "evidence",
        "reporter_name",
        "reporter_contact",
        "contact_consent",
    ],
    "damage_form": [
        "incident_description",
        "incident_when",
        "incident_where",
        "property_details",
        "property_value",
        "suspect_description",
        "evidence",
        "reporter_name",
        "reporter_contact",
        "contact_consent",
    ],
    "violence_form": [
        "incident_description",
        "incident_when",
        "incident_where",
        "injuries",
        "hate_motivation",
        "suspect_description",
        "evidence",
        "reporter_name",
        "reporter_contact",
        "contact_consent",
    ],
    "community_form": [
        "incident_description",
        "incident_when",
        "incident_where",
        "suspect_description",
        "evidence",
        "reporter_name",
        "reporter_contact",
        "contact_consent",
    ],
    "road_form": [
        "incident_description",
        "incident_when",
        "incident_where",
        "vehicle_reg",
        "suspect_description",
        "evidence",
        "reporter_name",
        "reporter_contact",
        "contact_consent",
    ],
    "track_case_form": ["case_reference", "verify_detail"],
    "update_case_form": ["case_reference", "verify_detail", "case_update_text"],
}
ALL_SLOTS = sorted(
    {slot for slots in CONTRACT_FORMS.values() for slot in slots}
    | {
        "crime_type",
        "paused_form",
        "report_reference",
        "submission_count",
        "validation_failures",
        "field",
        "requested_slot",
    }
)
DOMAIN: dict[str, Any] = {
    "forms": {name: {"required_slots": slots} for name, slots in CONTRACT_FORMS.items()},
    "slots": {
        slot: {
            "type": "any",
            "mappings": [{"type": "from_text", "conditions": [{"active_loop": "theft_form"}]}],
        }
        for slot in ALL_SLOTS
    },
}
# Wed 25 Nov 2026, 10:00 in London (GMT in November)
FIXED_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    """The tests' "now"."""
    return FIXED_NOW


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_tracker(
    slots: dict[str, Any] | None = None,
    *,
    text: str = "",
    intent: str | None = None,
    entities: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = "test-user",
    channel: str = "web",
    candidates: dict[str, Any] | None = None,
    intent_ranking: list[dict[str, Any]] | None = None,
) -> Tracker:
    """A rasa_sdk Tracker shaped like the one the Rasa 3.6 engine sends.

    ``slots`` were set on earlier turns (they appear as slot events before the latest user
    message). ``candidates`` are values the form just extracted: like the engine's
    temporary tracker, they follow a ``requested_slot`` event and the form's own
    ``action`` event, so `slots_to_validate()` sees exactly them.
    """
    all_slots: dict[str, Any] = dict.fromkeys(ALL_SLOTS)
    all_slots.update(slots or {})
    ranking = intent_ranking
    if ranking is None:
        ranking = [{"name": intent, "confidence": 0.95}] if intent else []
    latest_message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95} if intent else {},
        "intent_ranking": ranking,
        "entities": entities or [],
    }
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
    ]
    events += [
        {"event": "slot", "name": name, "value": value}
        for name, value in (slots or {}).items()
        if value is not None
    ]
    events += [
        {"event": "action", "name": "action_listen"},
        {
            "event": "user",
            "text": text,
            "parse_data": latest_message,
            "input_channel": channel,
        },
    ]
    if active_loop:
        events.append(
            {"event": "slot", "name": "requested_slot", "value": all_slots.get("requested_slot")}
        )
        events.append({"event": "action", "name": active_loop})
    for name, value in (candidates or {}).items():
        all_slots[name] = value
        events.append({"event": "slot", "name": name, "value": value})
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message=latest_message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    """The texts the action sent (messages that only carry a custom payload are not text)."""
    return [
        message.get("text") or ""
        for message in dispatcher.messages
        if message.get("text") or not message.get("custom")
    ]


def custom_payloads(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """The `json_message` payloads the action sent, for the gateway rather than the person."""
    return [message["custom"] for message in dispatcher.messages if message.get("custom")]


def all_buttons(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """Every button the action sent, in order."""
    return [button for message in dispatcher.messages for button in message.get("buttons") or []]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The final value of each slot set by a list of events."""
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}
