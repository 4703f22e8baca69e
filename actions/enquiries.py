"""Fraud redirects, tracking and updating a case, and station opening times."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.case_access import call_case_system, case_system
from actions.conversation import input_channel, latest_intent
from triage.cases.ports import ContactRecord

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


class ActionTrackCase(Action):
    """Look a case up; a wrong reference and a wrong detail get the same answer."""

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
        try:
            view = await call_case_system(case_system().lookup(str(reference), str(detail)))
        except Exception:
            logger.exception("looking up a case failed")
            dispatcher.utter_message(text=messages.TRACK_UNAVAILABLE)
            return events
        if view is None:
            dispatcher.utter_message(text=messages.TRACK_NOT_FOUND)
            return events
        updated = view.updated_at
        dispatcher.utter_message(
            text=messages.TRACK_FOUND.format(
                reference=view.reference,
                status_label=view.status_label,
                updated=f"{updated.day} {updated:%b %Y}",
            )
        )
        return events


class ActionUpdateCase(Action):
    """Add new information to a verified case."""

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
            added = await call_case_system(
                case_system().add_information(str(reference), str(detail), str(text))
            )
        except Exception:
            logger.exception("adding information to a case failed")
            dispatcher.utter_message(text=messages.UPDATE_UNAVAILABLE)
            return events
        if added:
            dispatcher.utter_message(text=messages.UPDATE_DONE.format(reference=reference))
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
