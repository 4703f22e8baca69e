"""Form validation: one `FormValidationAction` per form, sharing the validators below.

A bad answer leaves the slot empty and says exactly what was wrong. After three bad
answers to one question the person is offered a way out (a person, or stopping), and
questions that can do without an answer then accept "not known".
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions import messages
from actions.case_access import settings
from actions.clock import Clock, local_now, system_clock
from actions.conversation import failures, held_before_latest_message
from actions.report_spec import FORM_SLOTS, applies
from triage.validation import (
    NOT_KNOWN,
    Parsed,
    is_unknown,
    parse_contact,
    parse_description,
    parse_free_text,
    parse_money,
    parse_name,
    parse_place,
    parse_reference,
    parse_vehicle_reg,
    parse_verify_detail,
    parse_when,
)
from triage.validation.unknown import normalise_phrase

WAY_OUT_AFTER = 3
NONE_GIVEN = "none given"
NONE = "none"
_NO_SUSPECT = frozenset(
    {"none given", "not seen", "didnt see them", "i didnt see them", "i did not see them"}
)
_NO_EVIDENCE = frozenset(
    {"no cctv or witnesses", "no cctv", "no witnesses", "no evidence", "no footage"}
)
_YES = re.compile(r"^(?:y|yes|yeah|yep|ok|okay|sure|fine|of course|yes please|that s fine)$")
_NO = re.compile(r"^(?:n|no|nope|no thanks|no thank you|please dont|dont)$")

Slots = dict[str, Any]


def _as_text(value: Any) -> str:
    """Slot candidates are usually text, but entities can arrive as lists."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return " ".join(str(item) for item in value)
    return "" if value is None else str(value)


class FormValidation(FormValidationAction, ABC):
    """Shared validators; subclasses only name their form."""

    def __init__(self, clock: Clock | None = None) -> None:
        """``clock`` is injectable so "yesterday" can be tested at a fixed time."""
        self._clock: Clock = clock or system_clock

    @abstractmethod
    def name(self) -> str:
        """``validate_<form>``."""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The contract's order, minus the conditional slots that do not apply."""
        form = self.form_name()
        ordered = FORM_SLOTS.get(form, ())
        slots = tracker.slots
        wanted = [slot for slot in ordered if applies(form, slot, slots)]
        return wanted + [slot for slot in domain_slots if slot not in ordered]

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType | None:
        """Always name the next question (None ends the form), whatever the domain lists."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        missing = next((slot for slot in required if tracker.slots.get(slot) is None), None)
        return SlotSet(REQUESTED_SLOT, missing)

    # --- shared machinery -----------------------------------------------------------------

    def _accept(self, slot: str, value: Any, tracker: Tracker) -> Slots:
        """Store the answer and forget earlier failures on this question."""
        counts = failures(tracker)
        result: Slots = {slot: value}
        if counts.pop(slot, 0):
            result["validation_failures"] = counts
        return result

    def _outcome(
        self,
        slot: str,
        raw: Any,
        parsed: Parsed,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        unknown_after_way_out: str | None = None,
    ) -> Slots:
        """Accept the parsed value, or count the failure and explain what is expected."""
        if raw is None:
            # a slot cleared by an action (e.g. a new report starting) is not an answer
            return {}
        if held_before_latest_message(tracker, slot, raw):
            # re-validation of an answer accepted earlier (the engine re-checks prefilled
            # slots when a form reopens after a correction or an emergency): keep it as is
            return {slot: raw}
        if parsed.ok:
            return self._accept(slot, parsed.value, tracker)
        counts = failures(tracker)
        previous = counts.get(slot, 0)
        if (
            unknown_after_way_out is not None
            and previous >= WAY_OUT_AFTER
            and is_unknown(_as_text(raw))
        ):
            return self._accept(slot, unknown_after_way_out, tracker)
        counts[slot] = previous + 1
        dispatcher.utter_message(text=messages.validation_error(parsed.error))
        if counts[slot] >= WAY_OUT_AFTER:
            allows_unknown = unknown_after_way_out is not None
            dispatcher.utter_message(
                text=messages.WAY_OUT + (messages.WAY_OUT_UNKNOWN if allows_unknown else ""),
                buttons=list(messages.WAY_OUT_BUTTONS),
            )
        return {slot: None, "validation_failures": counts}

    def _now_local(self) -> datetime:
        """Now in the force's timezone, which is what "yesterday" means to the person."""
        return local_now(self._clock, settings().timezone)

    # --- validators (names are rasa-sdk's convention: validate_<slot>) ---------------------

    def validate_incident_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """What happened: a short sentence at least."""
        return self._outcome(
            "incident_description", value, parse_description(_as_text(value)), dispatcher, tracker
        )

    def validate_incident_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """When: a time or window in the past, shown in a normalised way."""
        parsed = parse_when(_as_text(value), self._now_local())
        return self._outcome("incident_when", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_incident_where(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Where: a real place, with any postcode checked and tidied."""
        parsed = parse_place(_as_text(value))
        return self._outcome("incident_where", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_property_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """What was stolen or damaged."""
        parsed = parse_free_text(_as_text(value), min_letters=3)
        return self._outcome("property_details", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_property_value(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """A rough value in pounds, or not known."""
        parsed = parse_money(_as_text(value))
        return self._outcome("property_value", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_vehicle_reg(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """A UK registration; "not known" is fine for someone else's vehicle (road_form)."""
        allow_unknown = self.form_name() == "road_form"
        parsed = parse_vehicle_reg(_as_text(value), allow_unknown=allow_unknown)
        return self._outcome("vehicle_reg", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_injuries(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Injuries, or none."""
        parsed = parse_free_text(_as_text(value), min_letters=2, unknown_value=NONE)
        return self._outcome("injuries", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_hate_motivation(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Why the person thinks it was motivated by hostility."""
        parsed = parse_free_text(_as_text(value), min_letters=3)
        return self._outcome("hate_motivation", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_suspect_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """A description, or "none given" when they did not see anyone."""
        text = _as_text(value)
        if normalise_phrase(text) in _NO_SUSPECT:
            parsed = Parsed.good(NONE_GIVEN)
        else:
            parsed = parse_free_text(text, min_letters=2, unknown_value=NONE_GIVEN)
        return self._outcome("suspect_description", value, parsed, dispatcher, tracker)

    def validate_evidence(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """CCTV, footage or witnesses, or none."""
        text = _as_text(value)
        if normalise_phrase(text) in _NO_EVIDENCE:
            parsed = Parsed.good(NONE)
        else:
            parsed = parse_free_text(text, min_letters=2, unknown_value=NONE)
        return self._outcome("evidence", value, parsed, dispatcher, tracker)

    def validate_reporter_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """A name; "anonymous" only in community reports."""
        allow_anonymous = self.form_name() == "community_form"
        parsed = parse_name(_as_text(value), allow_anonymous=allow_anonymous)
        return self._outcome("reporter_name", value, parsed, dispatcher, tracker)

    def validate_reporter_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """An email address or a UK phone number, normalised."""
        parsed = parse_contact(_as_text(value))
        return self._outcome("reporter_contact", value, parsed, dispatcher, tracker)

    def validate_contact_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Yes or no (filled from the affirm/deny intents, or typed)."""
        answer: bool | None = value if isinstance(value, bool) else None
        if answer is None:
            phrase = normalise_phrase(_as_text(value))
            if _YES.match(phrase):
                answer = True
            elif _NO.match(phrase):
                answer = False
        if answer is None:
            parsed = Parsed.bad("consent_unclear")
            return self._outcome("contact_consent", value, parsed, dispatcher, tracker)
        return self._accept("contact_consent", answer, tracker)

    def validate_case_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """A reference whose check character is right."""
        parsed = parse_reference(_as_text(value))
        return self._outcome("case_reference", value, parsed, dispatcher, tracker)

    def validate_verify_detail(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """The email, phone number or postcode given when reporting."""
        parsed = parse_verify_detail(_as_text(value))
        return self._outcome("verify_detail", value, parsed, dispatcher, tracker)

    def validate_case_update_text(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """New information for a case."""
        parsed = parse_free_text(_as_text(value), min_letters=5)
        return self._outcome("case_update_text", value, parsed, dispatcher, tracker)


class ValidateTheftForm(FormValidation):
    """Theft, burglary and vehicle crime (registration only for vehicle crime)."""

    def name(self) -> str:
        return "validate_theft_form"


class ValidateDamageForm(FormValidation):
    """Criminal damage."""

    def name(self) -> str:
        return "validate_damage_form"


class ValidateViolenceForm(FormValidation):
    """Assault, harassment and hate crime (hate motivation only for hate crime)."""

    def name(self) -> str:
        return "validate_violence_form"


class ValidateCommunityForm(FormValidation):
    """Anti-social behaviour and drugs; anonymous reporters skip contact questions."""

    def name(self) -> str:
        return "validate_community_form"


class ValidateRoadForm(FormValidation):
    """Road offences (registration may be not known)."""

    def name(self) -> str:
        return "validate_road_form"


class ValidateTrackCaseForm(FormValidation):
    """Reference and verifying detail for tracking a case."""

    def name(self) -> str:
        return "validate_track_case_form"


class ValidateUpdateCaseForm(FormValidation):
    """Reference, verifying detail and the new information."""

    def name(self) -> str:
        return "validate_update_case_form"
