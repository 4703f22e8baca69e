"""Decision audit: every triage decision stored, redacted, with its reasons and route."""

from triage.audit.memory import InMemoryDecisionLog
from triage.audit.ports import DecisionEntry, DecisionLog, redacted_entry

__all__ = ["DecisionEntry", "DecisionLog", "InMemoryDecisionLog", "redacted_entry"]
