"""Starting, summarising, correcting, sending and cancelling a crime report."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.buttons import button
from actions.case_access import call_case_system, case_system, intake, settings
from actions.clock import Clock, local_now, system_clock
from actions.conversation import (
    collected_answers,
    display_value,
    failures,
    handoff_summary,
    input_channel,
    is_anonymous_reporter,
    latest_intent,
    latest_text,
    report_form,
    report_triage,
    submission_count,
)
from actions.drafts import discard_draft
from actions.emergency_and_handoff import handoff_payload
from actions.report_spec import INTENT_TO_CRIME_TYPE, REPORT_SLOTS, form_for
from actions.story import answer_validator, correction_events, family_in_words, report_in_progress
from triage.cases.ports import HandoffRequest, ReportSubmission
from triage.cases.service import Held, Submitted, key_digest
from triage.understanding.crime_family import words_fit

log = structlog.get_logger(__name__)

_CONTACT_SLOTS = ("reporter_name", "reporter_contact", "contact_consent")
# Answers with columns of their own in the case system, so not repeated in `details`.
_OWN_FIELDS = ("incident_description", "incident_where", "incident_when")
_NOT_INJURED = frozenset({"none", "not known"})
# True while a summary waits for the person's yes: a "yes" after a send that never ran
# (action server down, case system and outbox down) sends again (bot/data/rules/reports.yml).
REPORT_READY = "report_ready"


def _optional_text(value: Any) -> str | None:
    return None if value is None else display_value(value)


def clear_report_slots(tracker: Tracker) -> list[EventType]:
    """Events that forget every answer of the current report (and that one was ready).

    Only for slots that hold something: the engine loads and replays every event of the
    conversation on each later turn, and a new report in a fresh conversation would
    otherwise start with a dozen events that change nothing."""
    return [
        SlotSet(slot, None)
        for slot in (*REPORT_SLOTS, REPORT_READY)
        if tracker.get_slot(slot) is not None
    ]


# A story names its crime more exactly than a one-label intent can: a window smashed to
# take a bag from a car is vehicle crime, not damage; hostility makes it a hate crime.
_MORE_EXACT: dict[str, frozenset[str]] = {
    # keyed, scratched or smashed with nothing taken: damage, even to a vehicle
    "criminal_damage": frozenset({"vehicle_crime"}),
    "vehicle_crime": frozenset({"theft", "criminal_damage", "burglary"}),
    "burglary": frozenset({"theft", "criminal_damage"}),
    "hate_crime": frozenset({"assault", "harassment", "criminal_damage"}),
}


# Kinds whose words are not part of other crimes (damage and theft are part of burglary
# and vehicle crime): named alone, they outweigh an intent its words do not support.
_DISTINCT = frozenset({"drugs", "road_offence", "harassment", "asb"})


def refined_crime_type(
    intent_type: str | None, words_type: str | None, text: str = ""
) -> str | None:
    """The intent's crime type, unless the words name a more exact one of the same kind, or
    name another kind while saying nothing of the intent's ("the street stinks of weed"
    taken for a theft)."""
    if intent_type is None:
        return words_type if words_type != "fraud" else None
    if words_type is None or words_type == "fraud":
        return intent_type
    if intent_type in _MORE_EXACT.get(words_type, frozenset()):
        if words_type == "criminal_damage" and text and words_fit("theft", text):
            return intent_type  # something was taken too: the intent's kind stands
        return words_type
    if words_type in _DISTINCT and text and not words_fit(intent_type, text):
        return words_type
    if intent_type == "hate_crime" and text and not words_fit("hate_crime", text):
        # no word of hostility: the offence itself ("threw his coffee at me because we
        # would not refund him" is an assault); the person can still say why later
        return words_type if words_type in _MORE_EXACT["hate_crime"] else intent_type
    return intent_type


def start_report_events(
    dispatcher: CollectingDispatcher, tracker: Tracker, crime_type: str, intro: str | None = None
) -> list[EventType]:
    """Forget any earlier report, say what will happen and open the crime type's form."""
    form = form_for(crime_type)
    if form is None:
        return []
    text = messages.START_REPORT if intro is None else f"{intro} {messages.START_REPORT}"
    dispatcher.utter_message(text=text)
    events: list[EventType] = [*clear_report_slots(tracker), SlotSet("crime_type", crime_type)]
    if tracker.get_slot("paused_form"):
        events.append(SlotSet("paused_form", None))
    return [*events, FollowupAction(form)]


class ActionStartReport(Action):
    """Start the report the person asked for, or carry on with the one they are in.

    The crime type comes from the intent, refined by the words of the story. A report
    already waiting for its "yes" or paused half-way is never thrown away by a message
    that sounds like a new one ("it was my phone that was stolen" at the summary): the
    person is taken back to it instead.
    """

    def name(self) -> str:
        return "action_start_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        in_progress = report_in_progress(tracker)
        if in_progress is not None:
            dispatcher.utter_message(text=messages.REPORT_IN_PROGRESS)
            return [SlotSet("paused_form", None), FollowupAction(in_progress)]
        crime_type = refined_crime_type(
            INTENT_TO_CRIME_TYPE.get(latest_intent(tracker) or ""),
            family_in_words(tracker),
            latest_text(tracker),
        )
        if crime_type is None:
            dispatcher.utter_message(
                text=messages.WHICH_REPORT, buttons=list(messages.REPORT_TYPE_BUTTONS)
            )
            return []
        return start_report_events(dispatcher, tracker, crime_type)


class ActionReportSummary(Action):
    """Show every answer with a friendly label and ask whether to send."""

    def name(self) -> str:
        return "action_report_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = report_form(tracker)
        answers = collected_answers(tracker)
        if form is None or not answers:
            dispatcher.utter_message(
                text=messages.NO_REPORT, buttons=list(messages.REPORT_TYPE_BUTTONS)
            )
            return []
        crime_label = messages.CRIME_TYPE_LABELS.get(str(tracker.get_slot("crime_type")), "")
        lines = [messages.SUMMARY_INTRO.format(crime_label=crime_label.lower())]
        lines += [
            f"- {messages.slot_label(form, slot)}: {display_value(value)}"
            for slot, value in answers
        ]
        dispatcher.utter_message(text="\n".join(lines))
        dispatcher.utter_message(
            text=messages.SUMMARY_QUESTION, buttons=list(messages.SUMMARY_BUTTONS)
        )
        return [SlotSet(REPORT_READY, True)]


class ActionCorrectReport(Action):
    """Change one answer: to the new value the message gives, or ask for it again.

    "Actually it was 4pm" changes the time (the day already given is kept) and goes back
    to where the person was: the next question, or the summary. Without a new value the
    named answer is cleared and asked again; without a field, the person picks one.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        """``clock`` is injectable so corrected times can be tested at a fixed time."""
        self._clock: Clock = clock or system_clock

    def name(self) -> str:
        return "action_correct_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = report_form(tracker)
        if form is None:
            dispatcher.utter_message(
                text=messages.NO_REPORT, buttons=list(messages.REPORT_TYPE_BUTTONS)
            )
            return []
        changed = correction_events(tracker, form, self._now(), answer_validator(form, self._now()))
        if changed is not None:
            # at the summary straight back to it; during the form, on to the next question
            if tracker.get_slot(REPORT_READY):
                back: list[EventType] = [FollowupAction("action_report_summary")]
            else:
                back = [SlotSet(REPORT_READY, None), FollowupAction(form)]
            return [*self._changed(dispatcher, form, *changed), *back]
        answers = collected_answers(tracker)
        answered = [slot for slot, _ in answers]
        field = next(tracker.get_latest_entity_values("field"), None) or tracker.get_slot("field")
        if field in answered:
            counts = failures(tracker)
            counts.pop(field, None)
            dispatcher.utter_message(text=messages.CORRECT_GO)
            return [
                SlotSet(field, None),
                SlotSet("validation_failures", counts),
                SlotSet("field", None),
                SlotSet(REPORT_READY, None),
                FollowupAction(form),
            ]
        text = messages.CORRECT_UNKNOWN_FIELD if field else messages.CORRECT_WHICH
        buttons = [
            button(
                messages.slot_label(form, slot),
                "/correct_field" + json.dumps({"field": slot}, separators=(",", ":")),
            )
            for slot in answered
        ]
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("field", None), SlotSet(REPORT_READY, None)]

    def _now(self) -> datetime:
        return local_now(self._clock, settings().timezone)

    @staticmethod
    def _changed(
        dispatcher: CollectingDispatcher, form: str, slot: str, value: Any
    ) -> list[EventType]:
        """Store the new value and say so."""
        dispatcher.utter_message(
            text=messages.CHANGED.format(
                label=messages.slot_label(form, slot).lower(), value=display_value(value)
            )
        )
        return [SlotSet(slot, value), SlotSet("field", None)]


class ActionSummaryReply(Action):
    """Anything but send / change / cancel while a report waits for its "yes".

    A correction ("the value was nearer £600") is applied; anything else is noted as not
    a send. Either way the summary follows again with its buttons (bot/data/rules/
    reports.yml), so the answers are never lost to a message the summary did not expect.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or system_clock

    def name(self) -> str:
        return "action_summary_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = report_form(tracker)
        if form is None or not collected_answers(tracker):
            dispatcher.utter_message(
                text=messages.NO_REPORT, buttons=list(messages.REPORT_TYPE_BUTTONS)
            )
            return [SlotSet(REPORT_READY, None)]
        now = local_now(self._clock, settings().timezone)
        changed = correction_events(tracker, form, now, answer_validator(form, now))
        if changed is not None:
            return ActionCorrectReport._changed(dispatcher, form, *changed)
        dispatcher.utter_message(text=messages.SUMMARY_NOT_SENT)
        return []


class ActionSubmitReport(Action):
    """Send the report; if the case system is down, hold it and give a receipt code.

    Only when both the case system and the outbox fail are the answers kept for a retry;
    `report_ready` then stays true, so the next "yes" runs this again (as it does when the
    action server was down). A send that worked clears it, so a later "yes" sends nothing.
    """

    def name(self) -> str:
        return "action_submit_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        crime_type = tracker.get_slot("crime_type")
        answers = dict(collected_answers(tracker))
        if report_form(tracker) is None or not answers:
            dispatcher.utter_message(
                text=messages.NO_REPORT, buttons=list(messages.REPORT_TYPE_BUTTONS)
            )
            return []
        count = submission_count(tracker)
        report = self._submission(tracker, str(crime_type), answers, count)
        try:
            result = await intake().submit(report)
        except Exception as exc:
            log.error(
                "report_not_submitted",
                key=key_digest(report.idempotency_key),
                error=type(exc).__name__,
            )
            await self._tell_failure(dispatcher, tracker)
            return []

        if isinstance(result, Submitted):
            template = messages.SUBMITTED if result.created else messages.SUBMITTED_ALREADY
            dispatcher.utter_message(text=template.format(reference=result.reference))
        else:
            template = messages.HELD if result.created else messages.HELD_ALREADY
            dispatcher.utter_message(text=template.format(receipt=result.receipt_code))
        dispatcher.utter_message(text=self._next_steps(tracker, report, result))
        await discard_draft(tracker)  # a case now, or held in the outbox: no longer a draft
        events: list[EventType] = [
            *clear_report_slots(tracker),
            SlotSet("submission_count", float(count + 1)),
        ]
        if isinstance(result, Submitted):
            events.append(SlotSet("report_reference", result.reference))
        return events

    @staticmethod
    def _next_steps(tracker: Tracker, report: ReportSubmission, result: Submitted | Held) -> str:
        steps = [messages.NEXT_STEPS]
        if report.contact_consent:
            steps.append(messages.NEXT_STEPS_CONTACT)
        elif not is_anonymous_reporter(tracker):
            steps.append(messages.NEXT_STEPS_NO_CONTACT)
        steps.append(
            messages.NEXT_STEPS_TRACK if isinstance(result, Submitted) else messages.NEXT_STEPS_HELD
        )
        return " ".join(steps)

    @staticmethod
    def _submission(
        tracker: Tracker, crime_type: str, answers: dict[str, Any], count: int
    ) -> ReportSubmission:
        anonymous = is_anonymous_reporter(tracker)
        details = {
            slot: display_value(value)
            for slot, value in answers.items()
            if slot not in _CONTACT_SLOTS and slot not in _OWN_FIELDS
        }
        flags: list[str] = []
        if crime_type == "hate_crime":
            flags.append("hate_crime")
        if str(answers.get("injuries", "none")).casefold() not in _NOT_INJURED:
            flags.append("injuries")
        if anonymous:
            flags.append("anonymous")
        triage_priority, triage_flags = report_triage(tracker)
        flags += [flag for flag in triage_flags if flag not in flags]
        contact = answers.get("reporter_contact")
        return ReportSubmission(
            idempotency_key=f"{tracker.sender_id}:{count}",
            conversation_id=tracker.sender_id,
            channel=input_channel(tracker),
            crime_type=crime_type,
            details=details,
            reporter_name=None if anonymous else answers.get("reporter_name"),
            reporter_contact=None if anonymous or contact is None else str(contact),
            contact_consent=bool(answers.get("contact_consent")) and not anonymous,
            flags=tuple(flags),
            priority=triage_priority or "P3",
            account=str(answers.get("incident_description") or ""),
            location=_optional_text(answers.get("incident_where")),
            time_window=_optional_text(answers.get("incident_when")),
        )

    @staticmethod
    async def _tell_failure(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(text=messages.SUBMIT_FAILED)
        # The gateway queues the conversation for staff even when the case system is down.
        dispatcher.utter_message(json_message=handoff_payload("human_requested", "P3"))
        handed_off = False
        try:
            await call_case_system(
                case_system().request_handoff(
                    HandoffRequest(
                        conversation_id=tracker.sender_id,
                        channel=input_channel(tracker),
                        reason="failure",
                        priority="P3",
                        intent=latest_intent(tracker),
                        summary={"problem": "report could not be submitted"}
                        | handoff_summary(tracker),
                    )
                )
            )
            handed_off = True
        except Exception as exc:
            log.error("handoff_after_failed_submission_failed", error=type(exc).__name__)
        text = messages.SUBMIT_FAILED_WHAT_NEXT
        if handed_off:
            text += " " + messages.SUBMIT_FAILED_HANDOFF
        dispatcher.utter_message(text=text, buttons=list(messages.SUBMIT_FAILED_BUTTONS))


class ActionCancelReport(Action):
    """Forget the report and say nothing was sent.

    Not when the words are a correction that NLU took for "stop" ("actually it was 4pm
    not 3pm" at the summary): every answer would be deleted for a changed time. The
    correction is applied and the summary shown again instead.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or system_clock

    def name(self) -> str:
        return "action_cancel_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        form = report_form(tracker)
        if form is not None and tracker.get_slot(REPORT_READY):
            now = local_now(self._clock, settings().timezone)
            changed = correction_events(tracker, form, now, answer_validator(form, now))
            if changed is not None:
                return [
                    *ActionCorrectReport._changed(dispatcher, form, *changed),
                    FollowupAction("action_report_summary"),
                ]
        dispatcher.utter_message(text=messages.CANCELLED)
        await discard_draft(tracker)  # the person chose to delete their answers
        return [*clear_report_slots(tracker), SlotSet("paused_form", None)]
