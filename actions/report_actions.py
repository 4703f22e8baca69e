"""Starting, summarising, correcting, sending and cancelling a crime report."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.case_access import call_case_system, case_system
from actions.conversation import (
    collected_answers,
    display_value,
    failures,
    handoff_summary,
    input_channel,
    is_anonymous_reporter,
    latest_intent,
    report_form,
    submission_count,
)
from actions.emergency_and_handoff import handoff_payload
from actions.questions import button
from actions.report_spec import INTENT_TO_CRIME_TYPE, REPORT_SLOTS
from triage.cases.ports import HandoffRequest, ReportSubmission

logger = logging.getLogger(__name__)

_CONTACT_SLOTS = ("reporter_name", "reporter_contact", "contact_consent")
_NOT_INJURED = frozenset({"none", "not known"})


def clear_report_slots() -> list[EventType]:
    """Events that forget every answer of the current report."""
    return [SlotSet(slot, None) for slot in REPORT_SLOTS]


class ActionStartReport(Action):
    """Set the crime type from the intent, forget any earlier report, say what will happen."""

    def name(self) -> str:
        return "action_start_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        crime_type = INTENT_TO_CRIME_TYPE.get(latest_intent(tracker) or "")
        if crime_type is None:
            dispatcher.utter_message(
                text=messages.WHICH_REPORT, buttons=list(messages.REPORT_TYPE_BUTTONS)
            )
            return []
        dispatcher.utter_message(text=messages.START_REPORT)
        return [*clear_report_slots(), SlotSet("crime_type", crime_type)]


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
        return []


class ActionCorrectReport(Action):
    """Clear one answer and reopen the form; without a field, ask which one."""

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
        return [SlotSet("field", None)]


class ActionSubmitReport(Action):
    """Send the report through the case port; on failure keep every answer."""

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
            receipt = await call_case_system(case_system().submit(report))
        except Exception:
            logger.exception("submitting report %s failed", report.idempotency_key)
            await self._tell_failure(dispatcher, tracker)
            return []

        template = messages.SUBMITTED if receipt.created else messages.SUBMITTED_ALREADY
        dispatcher.utter_message(text=template.format(reference=receipt.reference))
        next_steps = [messages.NEXT_STEPS]
        if report.contact_consent:
            next_steps.append(messages.NEXT_STEPS_CONTACT)
        elif not is_anonymous_reporter(tracker):
            next_steps.append(messages.NEXT_STEPS_NO_CONTACT)
        next_steps.append(messages.NEXT_STEPS_TRACK)
        dispatcher.utter_message(text=" ".join(next_steps))
        return [
            *clear_report_slots(),
            SlotSet("report_reference", receipt.reference),
            SlotSet("submission_count", float(count + 1)),
        ]

    @staticmethod
    def _submission(
        tracker: Tracker, crime_type: str, answers: dict[str, Any], count: int
    ) -> ReportSubmission:
        anonymous = is_anonymous_reporter(tracker)
        details = {
            slot: display_value(value)
            for slot, value in answers.items()
            if slot not in _CONTACT_SLOTS
        }
        flags: list[str] = []
        if crime_type == "hate_crime":
            flags.append("hate_crime")
        if str(answers.get("injuries", "none")).casefold() not in _NOT_INJURED:
            flags.append("injuries")
        if anonymous:
            flags.append("anonymous")
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
        except Exception:
            logger.exception("handoff after a failed submission also failed")
        text = messages.SUBMIT_FAILED_WHAT_NEXT
        if handed_off:
            text += " " + messages.SUBMIT_FAILED_HANDOFF
        dispatcher.utter_message(text=text, buttons=list(messages.SUBMIT_FAILED_BUTTONS))


class ActionCancelReport(Action):
    """Forget the report and say nothing was sent."""

    def name(self) -> str:
        return "action_cancel_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=messages.CANCELLED)
        return [*clear_report_slots(), SlotSet("paused_form", None)]
