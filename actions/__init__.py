"""bluelamp's action server: custom actions for the Rasa engine.

Run with `python -m rasa_sdk --actions actions --port 5055`. Every module with actions
is imported here so rasa-sdk registers them all. rasa-sdk has configured its logging by
the time it imports this package, so the redaction filter goes on its handlers here.
"""

from actions import (
    emergency_and_handoff,
    enquiries,
    fallback,
    form_validation,
    report_actions,
)
from triage.log_redaction import install_stdlib_redaction

install_stdlib_redaction()

__all__ = [
    "emergency_and_handoff",
    "enquiries",
    "fallback",
    "form_validation",
    "report_actions",
]
