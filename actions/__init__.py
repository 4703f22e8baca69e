"""bluelamp's action server: custom actions for the Rasa engine.

Run with `python -m rasa_sdk --actions actions --port 5055`. Every module with actions
is imported here so rasa-sdk registers them all. rasa-sdk has configured its logging by
the time it imports this package, so the redaction filter goes on its handlers here, and
every action's ``run`` is wrapped to declare the person's name to it (`actions.known_names`).
"""

import sys

from actions import (
    emergency_and_handoff,
    enquiries,
    fallback,
    form_validation,
    known_names,
    report_actions,
    understand,
)
from triage.log_redaction import install_stdlib_redaction
from triage.log_setup import configure_structlog

install_stdlib_redaction()
known_names.install()
if getattr(sys.modules.get("__main__"), "__package__", None) == "rasa_sdk":
    # Only in the action server itself (`python -m rasa_sdk`), not in tests that import us:
    # our structlog events become redacted JSON lines like the gateway's.
    configure_structlog()

__all__ = [
    "emergency_and_handoff",
    "enquiries",
    "fallback",
    "form_validation",
    "known_names",
    "report_actions",
    "understand",
]
