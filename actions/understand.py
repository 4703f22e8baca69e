"""A message outside any question: a story, a reference, "carry on", or words not understood.

NLU labels such messages `inform` (an answer with no question pending) or gives up on them;
neither should be a dead end. What the words describe decides: a crime starts its report,
a reference opens the case, an unfinished report is taken up again, and a person who is
still not understood after two tries is passed to a member of staff.
"""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.conversation import latest_text
from actions.report_actions import start_report_events
from actions.story import (
    family_in_words,
    is_question,
    report_in_progress,
    told_story,
    triage_of_latest,
)
from triage.understanding import crime_family, sounds_like_crime
from triage.understanding.facts import find_reference

_CARRY_ON = re.compile(
    r"\b(?:carry on|continue|go on|back to (?:my|the) report|finish (?:my|the) report|"
    r"where (?:were|was) we|resume|pick up where)\b",
    re.I,
)
_UPDATE = re.compile(
    r"\b(?:add|more (?:info|information|details)|new (?:info|information)|update (?:my|the)|"
    r"forgot to (?:say|mention|tell)|remembered)\b",
    re.I,
)
# Something left or lost, not taken: the lost property answer.
_LOST = re.compile(
    r"\b(?:lost|left|dropped|mislaid) (?:my|our|his|her|me|a|an)\b|\bhanded in\b|"
    r"\bhand (?:things|it|them|stuff|anything) in\b",
    re.I,
)
# Turns the assistant could not make sense of: the fallback's stages, and this action
# when it asked again instead of starting something.
_UNCLEAR_ACTIONS = frozenset(
    {
        "action_two_stage_fallback",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
        "action_default_fallback",
    }
)
PERSON_AFTER = 2
"""Misunderstood turns in a row after which a member of staff is asked to join."""


def _turns(tracker: Tracker) -> list[list[str]]:
    """The actions run after each user message, oldest first (action_listen left out)."""
    turns: list[list[str]] = []
    for event in tracker.events:
        kind = event.get("event")
        if kind == "user":
            turns.append([])
        elif kind == "action" and turns:
            name = event.get("name")
            if isinstance(name, str) and name not in ("action_listen", "action_extract_slots"):
                turns[-1].append(name)
    return turns


def unclear_in_a_row(tracker: Tracker) -> int:
    """How many turns in a row, this one included, the assistant did not understand."""
    count = 1
    for actions in reversed(_turns(tracker)[:-1]):
        unclear = bool(_UNCLEAR_ACTIONS.intersection(actions)) or actions == [
            ActionUnderstandMessage.NAME
        ]
        if not unclear:
            break
        count += 1
    return count


def _asked_which_report(tracker: Tracker) -> bool:
    """True when the assistant's last words asked which kind of report this is."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            text = event.get("text")
            return isinstance(text, str) and text.endswith(messages.WHICH_REPORT)
    return False


def _triage_category(tracker: Tracker) -> str | None:
    triage = triage_of_latest(tracker)
    category = triage.get("category") if triage is not None else None
    return category if isinstance(category, str) else None


class ActionUnderstandMessage(Action):
    """Make something of a message that answers no question; never a dead end."""

    NAME = "action_understand_message"

    def name(self) -> str:
        return self.NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        text = latest_text(tracker)
        in_progress = report_in_progress(tracker)
        if in_progress is not None and _CARRY_ON.search(text):
            dispatcher.utter_message(text=messages.RESUME_REPORT)
            return [FollowupAction(in_progress)]
        if find_reference(text) is not None:
            form = "update_case_form" if _UPDATE.search(text) else "track_case_form"
            return [FollowupAction(form)]
        family = family_in_words(tracker) or crime_family(
            text, answering_which=_asked_which_report(tracker)
        )
        if family == "fraud":
            return [FollowupAction("action_report_fraud")]
        if family is not None:
            if in_progress is not None:
                dispatcher.utter_message(text=messages.REPORT_IN_PROGRESS)
                return [FollowupAction(in_progress)]
            noun = messages.REPORT_NOUNS.get(family, family)
            intro = messages.UNDERSTOOD_REPORT.format(crime_label=noun)
            return start_report_events(dispatcher, tracker, family, intro=intro)
        if sounds_like_crime(text) or _triage_category(tracker) == "crime_report":
            dispatcher.utter_message(
                text=messages.WHICH_REPORT, buttons=list(messages.REPORT_TYPE_BUTTONS)
            )
            return []
        if _LOST.search(text):
            return [FollowupAction("utter_lost_property")]
        if unclear_in_a_row(tracker) >= PERSON_AFTER:
            dispatcher.utter_message(text=messages.PASSING_TO_PERSON)
            return [FollowupAction("action_handoff")]
        dispatcher.utter_message(
            text=messages.NOT_UNDERSTOOD, buttons=list(messages.MAIN_OPTION_BUTTONS)
        )
        dispatcher.utter_message(text=messages.EMERGENCY_AND_101)
        return []


def story_report_events(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Start the report a crime story describes (or Report Fraud); [] when it is not one."""
    family = told_story(tracker)
    if family is None:
        return []
    if family == "fraud":
        return [FollowupAction("action_report_fraud")]
    noun = messages.REPORT_NOUNS.get(family, family)
    intro = messages.UNDERSTOOD_REPORT.format(crime_label=noun)
    return start_report_events(dispatcher, tracker, family, intro=intro)


class ActionStoryOrEnquiry(Action):
    """Before an enquiry's answer: a message that tells a crime story starts its report.

    "I parked up, came back and the window was in pieces and my bag was gone" can land on
    an enquiry intent (how to report online, lost property); a caller-handler would take
    the report. When the words describe a crime of a known kind and read as an account,
    the report starts (FollowupAction), otherwise nothing is said and the enquiry's own
    answer follows (bot/data/rules/enquiries.yml).
    """

    def name(self) -> str:
        return "action_story_or_enquiry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.active_loop_name or report_in_progress(tracker) is not None:
            return []
        if is_question(latest_text(tracker)):
            return []  # "my son's car was seized, how do we get it back?" is the enquiry
        return story_report_events(dispatcher, tracker)
