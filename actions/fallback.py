"""The two-stage fallback: "Did you mean ...?" first, then the main options."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.buttons import button
from actions.conversation import latest_text
from actions.emergency_and_handoff import ActionHandoff
from actions.report_spec import FORM_FOR_CRIME_TYPE, INTENT_TO_CRIME_TYPE
from actions.story import family_in_words
from triage.guidance import emergency_guidance
from triage.understanding.facts import find_reference

_INTENT_FOR_CRIME_TYPE = {crime: intent for intent, crime in INTENT_TO_CRIME_TYPE.items()}
_INTENT_FOR_CRIME_TYPE["fraud"] = "report_fraud"

# Never offered as a guess: they are not something a person "means".
_NOT_SUGGESTED = frozenset({"nlu_fallback", "out_of_scope", "inform", "affirm", "deny"})
SUGGESTIONS = 2
# An emergency anywhere this high in the ranking is treated as one: a false alarm costs a
# few lines of advice, a missed emergency can cost a life.
POSSIBLE_EMERGENCY_CONFIDENCE = 0.15


def possible_emergency(latest_message: dict[str, Any]) -> str | None:
    """The emergency intent the message may be, if NLU ranked one with some confidence."""
    for entry in latest_message.get("intent_ranking") or []:
        if not isinstance(entry, dict):
            continue
        name, confidence = entry.get("name"), entry.get("confidence") or 0.0
        if (
            isinstance(name, str)
            and name.startswith("emergency_")
            and confidence >= POSSIBLE_EMERGENCY_CONFIDENCE
        ):
            return name
    return None


def top_intents(latest_message: dict[str, Any], limit: int = SUGGESTIONS) -> list[str]:
    """The most likely intents, best first, skipping ones that make no sense to offer."""
    ranking = latest_message.get("intent_ranking") or []
    names: list[str] = []
    for entry in ranking:
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name not in _NOT_SUGGESTED and name not in names:
            names.append(name)
        if len(names) == limit:
            break
    return names


class ActionDefaultAskAffirmation(Action):
    """Stage 1: offer the two likeliest meanings and "Something else", with the 999 line."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        emergency = possible_emergency(tracker.latest_message)
        if emergency is not None:
            for line in emergency_guidance(emergency):
                dispatcher.utter_message(text=line)
        elif self._offer_what_the_words_say(dispatcher, tracker):
            return []
        buttons = [
            button(messages.friendly_intent(intent), f"/{intent}")
            for intent in top_intents(tracker.latest_message)
        ]
        buttons.append(messages.SOMETHING_ELSE)
        dispatcher.utter_message(
            text=f"{messages.ASK_AFFIRMATION} {messages.DANGER_LINE}", buttons=buttons
        )
        return []

    @staticmethod
    def _offer_what_the_words_say(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
        """One short question when the words name a case or a kind of crime that NLU was
        not sure of ("Would you like to report a theft?"); False when they name neither."""
        text = latest_text(tracker)
        reference = find_reference(text)
        if reference is not None:
            dispatcher.utter_message(
                text=messages.TRACK_OFFER.format(reference=reference),
                buttons=[
                    button(messages.friendly_intent("track_case"), "/track_case"),
                    messages.SOMETHING_ELSE,
                ],
            )
            return True
        family = family_in_words(tracker)
        intent = _INTENT_FOR_CRIME_TYPE.get(family or "")
        if (
            family is None
            or intent is None
            or (family != "fraud" and family not in FORM_FOR_CRIME_TYPE)
        ):
            return False
        noun = messages.REPORT_NOUNS.get(family, family)
        dispatcher.utter_message(
            text=messages.REPORT_OFFER.format(crime_label=noun) + " " + messages.DANGER_LINE,
            buttons=[
                button(messages.REPORT_OFFER_YES.format(crime_label=noun), f"/{intent}"),
                messages.SOMETHING_ELSE,
            ],
        )
        return True


class ActionDefaultAskRephrase(Action):
    """Stage 2: ask once more, and offer a person (never a second menu)."""

    def name(self) -> str:
        return "action_default_ask_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=f"{messages.ASK_REPHRASE_OR_PERSON} {messages.DANGER_LINE}",
            buttons=[button(messages.friendly_intent("request_human"), "/request_human")],
        )
        return []


class ActionDefaultFallback(Action):
    """Final stage: still not understood after asking twice, so a person is asked to join
    (queued like a request for one) instead of a menu the person has already seen."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=messages.PASSING_TO_PERSON)
        events = await ActionHandoff().run(dispatcher, tracker, domain)
        dispatcher.utter_message(text=messages.EMERGENCY_AND_101)
        # like Rasa's own fallback: the message that was not understood must not steer
        # the next prediction
        return [*events, UserUtteranceReverted()]
