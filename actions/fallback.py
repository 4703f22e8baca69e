"""The two-stage fallback: "Did you mean ...?" first, then the main options."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages
from actions.buttons import button
from triage.guidance import emergency_guidance

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
        buttons = [
            button(messages.friendly_intent(intent), f"/{intent}")
            for intent in top_intents(tracker.latest_message)
        ]
        buttons.append(messages.SOMETHING_ELSE)
        dispatcher.utter_message(
            text=f"{messages.ASK_AFFIRMATION} {messages.DANGER_LINE}", buttons=buttons
        )
        return []


class ActionDefaultFallback(Action):
    """Final stage: say what the assistant can do, with buttons and the 999/101 line."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=messages.FALLBACK, buttons=list(messages.MAIN_OPTION_BUTTONS))
        dispatcher.utter_message(text=messages.EMERGENCY_AND_101)
        # like Rasa's own fallback: the message that was not understood must not steer
        # the next prediction
        return [UserUtteranceReverted()]
