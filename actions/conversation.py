"""Small readers of the tracker shared by the actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Tracker

from actions.report_spec import form_for, required_slots_for
from triage.validation import ANONYMOUS

UNKNOWN_CHANNEL = "unknown"


def latest_intent(tracker: Tracker) -> str | None:
    """The intent of the latest user message (button payloads included)."""
    intent = tracker.latest_message.get("intent") or {}
    name = intent.get("name") if isinstance(intent, Mapping) else None
    if isinstance(name, str) and name and name != "nlu_fallback":
        return name
    return tracker.get_intent_of_latest_message()


def latest_text(tracker: Tracker) -> str:
    """The text of the latest user message, or an empty string."""
    text = tracker.latest_message.get("text")
    return text if isinstance(text, str) else ""


def input_channel(tracker: Tracker) -> str:
    """The channel the latest message came in on (web, x, rest ...)."""
    channel = tracker.latest_message.get("input_channel") or tracker.get_latest_input_channel()
    return channel if isinstance(channel, str) and channel else UNKNOWN_CHANNEL


def failures(tracker: Tracker) -> dict[str, int]:
    """The per-slot failure counts kept in `validation_failures` (a copy)."""
    raw = tracker.get_slot("validation_failures")
    if not isinstance(raw, Mapping):
        return {}
    counts: dict[str, int] = {}
    for key, value in raw.items():
        try:
            counts[str(key)] = int(value)
        except (TypeError, ValueError):
            continue
    return counts


def display_value(value: Any) -> str:
    """How an answer is shown back to the person."""
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


def report_form(tracker: Tracker) -> str | None:
    """The report form for the current crime type."""
    return form_for(tracker.get_slot("crime_type"))


def collected_answers(tracker: Tracker) -> list[tuple[str, Any]]:
    """(slot, value) for every answer of the current report, in the form's order."""
    form = report_form(tracker)
    if form is None:
        return []
    slots = tracker.current_slot_values()
    return [
        (slot, slots.get(slot))
        for slot in required_slots_for(form, slots)
        if slots.get(slot) is not None
    ]


def handoff_summary(tracker: Tracker) -> dict[str, str]:
    """What an operator needs to pick the conversation up, as plain strings."""
    summary: dict[str, str] = {}
    crime_type = tracker.get_slot("crime_type")
    if isinstance(crime_type, str):
        summary["crime_type"] = crime_type
    for slot, value in collected_answers(tracker):
        summary[slot] = display_value(value)
    if tracker.active_loop_name:
        summary["active_form"] = tracker.active_loop_name
    text = latest_text(tracker)
    if text:
        summary["latest_message"] = text[:500]
    return summary


def is_anonymous_reporter(tracker: Tracker) -> bool:
    """True when the person chose to stay anonymous (community reports only)."""
    return tracker.get_slot("reporter_name") == ANONYMOUS


def submission_count(tracker: Tracker) -> int:
    """How many reports this conversation has sent so far."""
    raw = tracker.get_slot("submission_count")
    try:
        return int(raw or 0)
    except (TypeError, ValueError):
        return 0


def latest_user_index(tracker: Tracker) -> int:
    """The index in ``tracker.events`` of the latest user message, or -1 when there is none."""
    return max(
        (index for index, event in enumerate(tracker.events) if event.get("event") == "user"),
        default=-1,
    )


def held_before_latest_message(tracker: Tracker, slot: str, value: Any) -> bool:
    """True when ``slot`` already held exactly ``value`` before the latest user message.

    Such a value was validated on an earlier turn; it is not a new answer.
    """
    events = tracker.events
    last_user = latest_user_index(tracker)
    if last_user < 0:
        return False
    held: Any = None
    for event in events[:last_user]:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == slot:
            held = event.get("value")
        elif kind in ("restart", "reset_slots", "session_started"):
            held = None
    return held is not None and held == value


_PRIORITY_ORDER = ("P1", "P2", "P3", "P4")


def report_triage(tracker: Tracker) -> tuple[str | None, list[str]]:
    """The most urgent triage priority and every flag name the gateway attached to the
    messages of the current report (since the last `action_start_report`).

    The gateway classifies every message and passes its opinion as message metadata
    (docs/bot-contract.md); a report whose account mentioned a weapon keeps that flag even
    though the form's answers do not say so.
    """
    events = tracker.events
    start = max(
        (
            index
            for index, event in enumerate(events)
            if event.get("event") == "action" and event.get("name") == "action_start_report"
        ),
        default=0,
    )
    priority: str | None = None
    flags: set[str] = set()
    for event in events[start:]:
        if event.get("event") != "user":
            continue
        metadata = event.get("metadata")
        triage = metadata.get("triage") if isinstance(metadata, Mapping) else None
        if not isinstance(triage, Mapping):
            continue
        seen = triage.get("priority")
        if seen in _PRIORITY_ORDER and (
            priority is None or _PRIORITY_ORDER.index(seen) < _PRIORITY_ORDER.index(priority)
        ):
            priority = seen
        raw_flags = triage.get("flags")
        if isinstance(raw_flags, list):
            flags.update(str(flag) for flag in raw_flags if isinstance(flag, str))
    return priority, sorted(flags)
