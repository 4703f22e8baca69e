"""Form validation: one `FormValidationAction` per form, sharing the validators below.

A bad answer leaves the slot empty and says exactly what was wrong. After three bad
answers to one question the person is offered a way out (a person, or stopping), and
questions that can do without an answer then accept "not known".
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.types import DomainDict

from actions import messages
from actions.case_access import settings
from actions.clock import Clock, local_now, system_clock
from actions.conversation import (
    display_value,
    failures,
    held_before_latest_message,
    latest_text,
    latest_user_index,
)
from actions.drafts import keep_draft
from actions.report_spec import FORM_SLOTS, REPORT_FORMS, applies, required_slots_for
from actions.story import (
    NONE,
    NONE_GIVEN,
    answer_validator,
    answered_elsewhere,
    apply_correction,
    entity_facts,
    is_side_question,
    noted_message,
    report_texts,
    start_facts,
)
from triage.understanding import facts_in
from triage.understanding.facts import (
    find_amount,
    find_contact,
    find_name,
    find_place,
    find_reference,
    find_vehicle_reg,
    find_when,
    more_exact_place,
    when_words,
)
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


def _first_ok(
    parse: Callable[[str], Parsed], text: str, find: Callable[[str], str | None]
) -> Parsed:
    """The whole answer if it parses, else the part of it that does ("my name's Sam and
    my number is 07700 900456" gives both a name and a number)."""
    parsed = parse(text)
    if parsed.ok:
        return parsed
    found = find(text)
    return parse(found) if found is not None else parsed


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

    # --- listening to the whole message ------------------------------------------------------

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate the answer, and take every other fact the person gave on the way.

        Before the usual validation: a side question ("what time do you open?") is handed
        back to the dialogue (rejected, so its own rule answers it and the form asks again);
        a correction of an earlier answer ("actually it was 4pm") is applied instead of
        being stored as this answer. Facts for questions not yet asked are added as slot
        candidates and validated like answers, then shown back once instead of asked.
        """
        form = self.form_name()
        answering = self._answering(tracker)
        now = self._now_local()
        # what the latest message says, read once for every use below
        said = facts_in(latest_text(tracker), now, form).found if answering is not None else {}
        if answering is not None:
            if is_side_question(tracker, answering, said):
                raise ActionExecutionRejection(self.name(), "a side question, not an answer")
            corrected = apply_correction(
                dispatcher, tracker, form, now, self._validated, asking=answering
            )
            if corrected is not None:
                return corrected
        else:
            tracker.add_slots(self._side_question_words(tracker))
        filled = self._prefill(tracker, form, answering, now, said)
        if answering is not None and filled and answered_elsewhere(answering, said):
            # the answer to another question (who did it, when asked about injuries): kept
            # there, shown back, and this question asked again
            tracker.add_slots([SlotSet(answering, None)])
        events = await super().run(dispatcher, tracker, domain)
        kept = {
            event["name"]: event["value"]
            for event in events
            if event.get("event") == "slot" and event.get("name") in filled
        }
        noted = [(slot, kept[slot]) for slot in filled if kept.get(slot) is not None]
        if noted:
            dispatcher.utter_message(text=noted_message(form, noted, starting=answering is None))
        if form in REPORT_FORMS:
            await self._keep_draft(tracker, form, events)
        return events

    @staticmethod
    async def _keep_draft(tracker: Tracker, form: str, events: list[EventType]) -> None:
        """Keep what has been said so far as an unsent draft for staff, so a person who
        leaves half-way loses nothing (discarded when the report is sent or cancelled)."""
        slots = {**tracker.slots}
        slots.update(
            {str(event["name"]): event["value"] for event in events if event.get("event") == "slot"}
        )
        answers = {
            slot: display_value(slots[slot])
            for slot in required_slots_for(form, slots)
            if slots.get(slot) is not None
        }
        crime_type = slots.get("crime_type")
        if answers and isinstance(crime_type, str):
            asking = slots.get(REQUESTED_SLOT)
            await keep_draft(
                tracker, answers, crime_type, asking if isinstance(asking, str) else None
            )

    @staticmethod
    def _side_question_words(tracker: Tracker) -> list[EventType]:
        """Back from a side question: the engine had already put its words in the pending
        question's slot before the form handed them back; clear them so it is asked again."""
        requested = tracker.get_slot(REQUESTED_SLOT)
        if not isinstance(requested, str) or tracker.slots.get(requested) != latest_text(tracker):
            return []
        last_user = latest_user_index(tracker)
        if last_user < 0:
            return []
        handed_back = False
        for event in tracker.events[last_user:]:
            if event.get("event") == "action_execution_rejected":
                handed_back = True
            elif event.get("event") == "action" and event.get("name") == "action_emergency":
                handed_back = False  # an action after it set the answer on purpose
        return [SlotSet(requested, None)] if handed_back else []

    def _answering(self, tracker: Tracker) -> str | None:
        """The question the latest message answers, or None (the form is starting or back)."""
        requested = tracker.get_slot(REQUESTED_SLOT)
        if tracker.active_loop_name != self.form_name() or not isinstance(requested, str):
            return None
        return requested if requested in tracker.slots_to_validate() else None

    def _prefill(
        self,
        tracker: Tracker,
        form: str,
        answering: str | None,
        now: datetime,
        said: dict[str, str],
    ) -> list[str]:
        """Add what the person already said as candidates for unanswered questions."""
        required = required_slots_for(form, tracker.slots)
        starting = answering is None and all(tracker.slots.get(slot) is None for slot in required)
        if answering is None and not starting:
            return []  # back after an interruption: nothing new was said for this form
        found = start_facts(report_texts(tracker), now, form) if starting else dict(said)
        found = {**entity_facts(tracker, form, now), **found}  # the rules' reading first
        candidates = [
            SlotSet(slot, found[slot])
            for slot in required
            if slot != answering and tracker.slots.get(slot) is None and slot in found
        ]
        place = found.get("incident_where")
        held = tracker.slots.get("incident_where")
        if answering not in (None, "incident_where") and place and isinstance(held, str):
            more = more_exact_place(held, place)
            if more is not None:
                candidates.append(SlotSet("incident_where", more))
        tracker.add_slots(candidates)
        return [str(event["name"]) for event in candidates]

    def _validated(self, slot: str, text: str) -> Any:
        """The normalised value of ``text`` as an answer to ``slot``, or None if refused."""
        return answer_validator(self.form_name(), self._now_local())(slot, text)

    def _gave_other_facts(self, tracker: Tracker, slot: str) -> bool:
        """True when the latest message answered other questions of this form, not this one
        (a place given when asked the time): no error then, the question is simply asked
        again after the facts are noted."""
        form = self.form_name()
        found = facts_in(latest_text(tracker), self._now_local(), form).found
        return any(
            other != slot for other in found if other in required_slots_for(form, tracker.slots)
        )

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
        if self._answering(tracker) == slot and self._gave_other_facts(tracker, slot):
            return {slot: None}
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
        text = _as_text(value)
        parsed = parse_when(text, self._now_local())
        if not parsed.ok and (phrase := find_when(text, self._now_local())) is not None:
            parsed = parse_when(phrase, self._now_local())
        return self._outcome("incident_when", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_incident_where(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """Where: a real place, with any postcode checked and tidied."""
        text = _as_text(value)
        place = find_place(text) if when_words(text) else None
        parsed = parse_place(place or text)
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
        parsed = _first_ok(parse_money, _as_text(value), find_amount)
        return self._outcome("property_value", value, parsed, dispatcher, tracker, NOT_KNOWN)

    def validate_vehicle_reg(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """A UK registration; "not known" is fine for someone else's vehicle (road_form)."""
        allow_unknown = self.form_name() == "road_form"
        parsed = _first_ok(
            lambda text: parse_vehicle_reg(text, allow_unknown=allow_unknown),
            _as_text(value),
            find_vehicle_reg,
        )
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
        parsed = _first_ok(
            lambda text: parse_name(text, allow_anonymous=allow_anonymous),
            _as_text(value),
            find_name,
        )
        return self._outcome("reporter_name", value, parsed, dispatcher, tracker)

    def validate_reporter_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """An email address or a UK phone number, normalised."""
        parsed = _first_ok(parse_contact, _as_text(value), find_contact)
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
        parsed = _first_ok(parse_reference, _as_text(value), find_reference)
        return self._outcome("case_reference", value, parsed, dispatcher, tracker)

    def validate_verify_detail(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        """The email, phone number or postcode given when reporting."""
        parsed = _first_ok(parse_verify_detail, _as_text(value), find_contact)
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
