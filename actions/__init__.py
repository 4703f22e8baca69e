"""bluelamp's action server: custom actions for the Rasa engine.

Run with `python -m rasa_sdk --actions actions --port 5055`. Every module with actions
is imported here so rasa-sdk registers them all.
"""

from actions import (
    ask_questions,
    emergency_and_handoff,
    enquiries,
    fallback,
    form_validation,
    report_actions,
)

__all__ = [
    "ask_questions",
    "emergency_and_handoff",
    "enquiries",
    "fallback",
    "form_validation",
    "report_actions",
]
