"""The `action_ask_<slot>` and `action_ask_<form>_<slot>` actions that put form questions.

One small class per question is generated from `actions.questions.QUESTIONS`, because
rasa-sdk registers actions by class.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.questions import QUESTIONS, Question


class AskQuestion(Action, ABC):
    """Ask one form question with its quick replies."""

    question_key: str = ""

    @abstractmethod
    def question(self) -> Question:
        """The question this action puts."""

    def name(self) -> str:
        return f"action_ask_{self.question_key}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        question = self.question()
        dispatcher.utter_message(text=question.text, buttons=list(question.buttons))
        return []


def _make_ask_action(key: str) -> type[AskQuestion]:
    def question(self: AskQuestion) -> Question:
        return QUESTIONS[self.question_key]

    namespace: dict[str, Any] = {
        "question_key": key,
        "question": question,
        "__doc__": f"Ask the `{key}` question.",
        "__module__": __name__,
    }
    class_name = "ActionAsk" + "".join(part.capitalize() for part in key.split("_"))
    return type(class_name, (AskQuestion,), namespace)


ASK_ACTIONS: dict[str, type[AskQuestion]] = {
    f"action_ask_{key}": _make_ask_action(key) for key in QUESTIONS
}
# Module attributes, so Sanic can pickle the executor when it starts its worker process.
globals().update({action.__name__: action for action in ASK_ACTIONS.values()})
