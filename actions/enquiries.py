"""Fraud redirects, tracking and updating a case, and station opening times."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.case_access import call_case_system, case_system, tracking
from actions.conversation import input_channel, latest_intent
from triage.cases.ports import ContactRecord
from triage.cases.service import TrackOutcome, TrackResult
from triage.cases.statuses import CaseStatus

logger = logging.getLogger(__name__)

STATIONS_FILE = Path(__file__).resolve().parent / "data" / "stations.yml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _clear(*slots: str) -> list[EventType]:
    return [SlotSet(slot, None) for slot in slots]


class ActionReportFraud(Action):
    """Fraud goes to Report Fraud (formerly Action Fraud); keep a record of the contact."""

    def name(self) -> str:
        return "action_report_fraud"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=messages.FRAUD)
        dispatcher.utter_message(text=messages.FRAUD_BANK)
        try:
            await call_case_system(
                case_system().record_contact(
                    ContactRecord(
                        conversation_id=tracker.sender_id,
                        channel=input_channel(tracker),
                        kind="fraud_redirect",
                        summary={"intent": latest_intent(tracker) or "report_fraud"},
                    )
                )
            )
        except Exception:  # the advice was given; a missing log line must not stop it
            logger.exception("recording a fraud redirect failed")
        return [SlotSet("crime_type", None)]


def _day(at: datetime) -> str:
    return f"{at.day} {at:%b %Y}"


def _track_lines(result: TrackResult) -> list[str]:
    """What a verified person is told about their case."""
    view = result.view
    assert view is not None
    lines = []
    if result.receipt_code:
        lines.append(
            messages.TRACK_FOUND_FROM_RECEIPT.format(
                receipt=result.receipt_code, reference=view.reference
            )
        )
    lines.append(
        messages.TRACK_FOUND.format(
            reference=view.reference, status_label=view.status_label, updated=_day(view.updated_at)
        )
    )
    if view.outcome_label:
        lines.append(messages.TRACK_OUTCOME.format(outcome_label=view.outcome_label))
    if view.messages:
        lines.append(messages.TRACK_MESSAGES_INTRO)
        lines += [
            messages.TRACK_MESSAGE_LINE.format(day=_day(m.at), text=m.text) for m in view.messages
        ]
    if view.status == CaseStatus.FURTHER_INFORMATION_NEEDED.value:
        lines.append(messages.TRACK_FURTHER_INFORMATION)
    return lines


class ActionTrackCase(Action):
    """Look a case up by reference or receipt code, within the rate limits.

    A wrong reference and a wrong detail get the same answer, and so does a receipt code
    whose report is still held unless the detail matches.
    """

    def name(self) -> str:
        return "action_track_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reference = tracker.get_slot("case_reference")
        detail = tracker.get_slot("verify_detail")
        events = _clear("case_reference", "verify_detail")
        if not reference or not detail:
            dispatcher.utter_message(text=messages.TRACK_NOT_FOUND)
            return events
        result = await tracking().track(tracker.sender_id, str(reference), str(detail))
        if result.outcome is TrackOutcome.FOUND:
            dispatcher.utter_message(text="\n".join(_track_lines(result)))
        elif result.outcome is TrackOutcome.PENDING:
            dispatcher.utter_message(
                text=messages.TRACK_PENDING.format(receipt=result.receipt_code)
            )
        elif result.outcome is TrackOutcome.LIMITED:
            dispatcher.utter_message(text=messages.TRACK_LIMITED)
        elif result.outcome is TrackOutcome.UNAVAILABLE:
            dispatcher.utter_message(text=messages.TRACK_UNAVAILABLE)
        else:
            dispatcher.utter_message(text=messages.TRACK_NOT_FOUND)
        return events


class ActionUpdateCase(Action):
    """Add new information to a verified case, within the same rate limits as tracking."""

    def name(self) -> str:
        return "action_update_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reference = tracker.get_slot("case_reference")
        detail = tracker.get_slot("verify_detail")
        text = tracker.get_slot("case_update_text")
        events = _clear("case_reference", "verify_detail", "case_update_text")
        if not reference or not detail or not text:
            dispatcher.utter_message(text=messages.TRACK_NOT_FOUND)
            return events
        try:
            result = await tracking().add_information(
                tracker.sender_id, str(reference), str(detail), str(text)
            )
        except ValueError:  # nothing to add (blank text): same as a failed check
            result = TrackResult(TrackOutcome.NOT_FOUND)
        if result.outcome is TrackOutcome.FOUND:
            dispatcher.utter_message(text=messages.UPDATE_DONE.format(reference=result.reference))
        elif result.outcome is TrackOutcome.PENDING:
            dispatcher.utter_message(
                text=messages.UPDATE_PENDING.format(receipt=result.receipt_code)
            )
        elif result.outcome is TrackOutcome.LIMITED:
            dispatcher.utter_message(text=messages.TRACK_LIMITED)
        elif result.outcome is TrackOutcome.UNAVAILABLE:
            dispatcher.utter_message(text=messages.UPDATE_UNAVAILABLE)
        else:
            dispatcher.utter_message(text=messages.TRACK_NOT_FOUND)
        return events


@dataclass(frozen=True)
class Station:
    """A police station front counter."""

    name: str
    address: str
    postcode: str
    hours: dict[str, str]

    def opening_lines(self) -> str:
        """Opening times with runs of days that share hours grouped ("Mon-Fri 8am-8pm")."""
        groups: list[tuple[int, int, str]] = []
        for index, day in enumerate(WEEKDAYS):
            hours = self.hours.get(day, "closed")
            if groups and groups[-1][2] == hours and groups[-1][1] == index - 1:
                groups[-1] = (groups[-1][0], index, hours)
            else:
                groups.append((index, index, hours))
        parts = []
        for start, end, hours in groups:
            days = _DAY_SHORT[start] if start == end else f"{_DAY_SHORT[start]}-{_DAY_SHORT[end]}"
            parts.append(f"{days} {hours}")
        return ", ".join(parts)

    def describe(self) -> str:
        """One line per station for the chat."""
        return f"{self.name}, {self.address}, {self.postcode}: {self.opening_lines()}"


@cache
def load_stations(path: Path = STATIONS_FILE) -> tuple[Station, ...]:
    """The stations file, read once."""
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    stations = []
    for item in raw["stations"]:
        hours = {str(day).lower(): str(value) for day, value in item["hours"].items()}
        stations.append(
            Station(
                name=str(item["name"]),
                address=str(item["address"]),
                postcode=str(item["postcode"]),
                hours=hours,
            )
        )
    return tuple(stations)


def find_stations(place: str | None, stations: tuple[Station, ...]) -> tuple[Station, ...]:
    """Stations whose name or address mentions the place (case-insensitive)."""
    if not place:
        return ()
    wanted = place.casefold().replace("police station", "").replace("station", "").strip()
    if not wanted:
        return ()
    return tuple(
        station
        for station in stations
        if wanted in station.name.casefold() or wanted in station.address.casefold()
    )


class ActionStationTimes(Action):
    """Front-counter opening times for the station asked about, or all of them."""

    def name(self) -> str:
        return "action_station_times"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        stations = load_stations()
        place = next(tracker.get_latest_entity_values("place"), None)
        matches = find_stations(place, stations)
        if matches:
            lines = [station.describe() for station in matches]
        else:
            intro = (
                messages.STATION_NOT_FOUND.format(place=place) if place else messages.STATIONS_INTRO
            )
            lines = [intro, *(station.describe() for station in stations)]
        dispatcher.utter_message(text="\n".join(lines))
        dispatcher.utter_message(text=messages.STATIONS_FOOTER)
        return []
