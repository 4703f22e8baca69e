"""Starting, summarising, correcting, sending and cancelling a crime report."""

from __future__ import annotations

import json
from typing import Any

import structlog
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.buttons import button
from actions.case_access import call_case_system, case_system, intake
from actions.conversation import (
    collected_answers,
    display_value,
    failures,
    handoff_summary,
    input_channel,
    is_anonymous_reporter,
    latest_intent,
    report_form,
    report_triage,
    submission_count,
)
from actions.emergency_and_handoff import handoff_payload
from actions.report_spec import INTENT_TO_CRIME_TYPE, REPORT_SLOTS
from triage.cases.ports import HandoffRequest, ReportSubmission
from triage.cases.service import Held, Submitted, key_digest

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
        return [*clear_report_slots(tracker), SlotSet("crime_type", crime_type)]


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
    """Forget the report and say nothing was sent."""

    def name(self) -> str:
        return "action_cancel_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=messages.CANCELLED)
        return [*clear_report_slots(tracker), SlotSet("paused_form", None)]
