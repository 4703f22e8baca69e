"""Emergencies, requests for a person, and carrying on after either.

A handoff is recorded in the case system and also sent to the gateway as a custom payload
(`handoff_payload`), because the operator queue lives with the gateway, not here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.buttons import button
from actions.case_access import call_case_system, case_system, settings
from actions.clock import Clock, local_now, system_clock
from actions.conversation import display_value, handoff_summary, input_channel, latest_intent
from actions.emergency_doubt import emergency_words_as_answer, emergency_words_as_correction
from actions.story import meant_instead_of_999, report_in_progress, tells_a_story
from triage.cases.ports import HandoffRequest
from triage.guidance import emergency_guidance

logger = logging.getLogger(__name__)


def handoff_payload(reason: str, priority: str) -> dict[str, Any]:
    """The `json_message` the gateway turns into an operator queue item and never shows the
    person (docs/bot-contract.md). ``reason`` is one of the queue's reasons: ``emergency``,
    ``urgent_risk``, ``human_requested``; ``priority`` is ``P1`` to ``P3``."""
    return {"bluelamp": {"handoff": {"reason": reason, "priority": priority}}}


def _paused_form_events(tracker: Tracker) -> list[EventType]:
    """Remember the interrupted form so `action_resume_report` can reopen it."""
    active = tracker.active_loop_name
    return [SlotSet("paused_form", active)] if active else []


async def _record_handoff(request: HandoffRequest) -> bool:
    """Record a handoff request; False (and logged) when the case system is unreachable."""
    try:
        await call_case_system(case_system().request_handoff(request))
    except Exception:
        logger.exception("recording a %s handoff request failed", request.priority)
        return False
    return True


class ActionEmergency(Action):
    """999 guidance first, then a P1 handoff record; pauses any active form."""

    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        taken = emergency_words_as_answer(tracker, local_now(system_clock, settings().timezone))
        if taken is not None and tracker.active_loop_name:
            # the answer to the form's question after all: kept, with the 999 line, and the
            # form goes on (instead of being paused by the rule's next step)
            logger.info("emergency intent taken as a form answer: %s", intent)
            dispatcher.utter_message(text=messages.DANGER_LINE)
            return [SlotSet(taken[0], taken[1]), FollowupAction(tracker.active_loop_name)]
        corrected = emergency_words_as_correction(
            tracker, local_now(system_clock, settings().timezone)
        )
        if corrected is not None:
            # at the summary: "the reg is MA21 VZP not MA21 VZB" is a correction
            slot, value, form = corrected
            dispatcher.utter_message(text=messages.DANGER_LINE)
            dispatcher.utter_message(
                text=messages.CHANGED.format(
                    label=messages.slot_label(form, slot).lower(), value=display_value(value)
                )
            )
            return [SlotSet(slot, value), FollowupAction("action_report_summary")]
        for text in emergency_guidance(intent):
            dispatcher.utter_message(text=text)
        # Queued by the gateway even if the case system below cannot be reached.
        dispatcher.utter_message(json_message=handoff_payload("emergency", "P1"))
        recorded = await _record_handoff(
            HandoffRequest(
                conversation_id=tracker.sender_id,
                channel=input_channel(tracker),
                reason="emergency",
                priority="P1",
                intent=intent,
                summary=handoff_summary(tracker),
            )
        )
        if recorded:
            dispatcher.utter_message(text=messages.EMERGENCY_STAFF_ALERTED)
        return _paused_form_events(tracker)


def _clock_label(hour: int) -> str:
    hour %= 24
    if hour == 0:
        return "midnight"
    if hour == 12:
        return "midday"
    return f"{hour % 12}{'am' if hour < 12 else 'pm'}"


def live_chat_open(moment: datetime, open_hour: int, close_hour: int) -> bool:
    """Whether staff are on live chat at this local time (hours may run past midnight)."""
    hour = moment.hour
    if open_hour == close_hour % 24 and close_hour != open_hour:
        return True  # e.g. 0 to 24: always open
    if open_hour < close_hour:
        return open_hour <= hour < close_hour
    return hour >= open_hour or hour < close_hour % 24


class ActionHandoff(Action):
    """Ask for a person: record it, say when staff are on, and what to do out of hours."""

    def __init__(self, clock: Clock | None = None) -> None:
        """``clock`` is injectable to test opening hours."""
        self._clock: Clock = clock or system_clock

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        config = settings()
        intent = latest_intent(tracker)
        reason = "requested" if intent == "request_human" else "failure"
        recorded = await _record_handoff(
            HandoffRequest(
                conversation_id=tracker.sender_id,
                channel=input_channel(tracker),
                reason=reason,
                priority="P3",
                intent=intent,
                summary=handoff_summary(tracker),
            )
        )
        dispatcher.utter_message(json_message=handoff_payload("human_requested", "P3"))
        hours = messages.HANDOFF_HOURS.format(
            open=_clock_label(config.live_chat_open_hour),
            close=_clock_label(config.live_chat_close_hour),
        )
        now = local_now(self._clock, config.timezone)
        if not recorded:
            dispatcher.utter_message(text=messages.HANDOFF_FAILED)
        elif live_chat_open(now, config.live_chat_open_hour, config.live_chat_close_hour):
            dispatcher.utter_message(text=f"{messages.HANDOFF_IN_HOURS} {hours}")
        else:
            closed = messages.HANDOFF_OUT_OF_HOURS.format(
                open=_clock_label(config.live_chat_open_hour)
            )
            dispatcher.utter_message(text=f"{closed} {hours}")
            dispatcher.utter_message(text=messages.HANDOFF_OUT_OF_HOURS_WHAT_TO_DO)
        return _paused_form_events(tracker)


class ActionResumeReport(Action):
    """After "I'm safe now" or "carry on": back to the unsent report, wherever it stopped."""

    def name(self) -> str:
        return "action_resume_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.active_loop_name:
            # "carry on" in the middle of a form: the form asks its question again
            dispatcher.utter_message(text=messages.RESUME_REPORT)
            return []
        paused = tracker.get_slot("paused_form")
        if isinstance(paused, str) and paused:
            dispatcher.utter_message(text=messages.RESUME_REPORT)
            return [SlotSet("paused_form", None), FollowupAction(paused)]
        waiting = report_in_progress(tracker)
        if waiting is not None:
            dispatcher.utter_message(text=messages.RESUME_REPORT)
            return [FollowupAction(waiting)]
        if tells_a_story(tracker):
            # "came back and the window was in pieces" is not "carry on", whatever NLU says
            return [FollowupAction("action_story_or_enquiry")]
        text = (
            messages.NOTHING_TO_CONTINUE
            if latest_intent(tracker) == "continue_report"
            else messages.GLAD_SAFE
        )
        buttons = list(messages.MAIN_OPTION_BUTTONS)
        meant = meant_instead_of_999(tracker)
        if meant is not None:
            # what the message that brought the guidance most likely asked, offered first
            offer = button(messages.friendly_intent(meant), f"/{meant}")
            buttons = [offer, *(b for b in buttons if b["payload"] != offer["payload"])]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
