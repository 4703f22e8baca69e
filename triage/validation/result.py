"""The one result type every parser returns, so callers never need try/except."""

from __future__ import annotations

from dataclasses import dataclass

NOT_KNOWN = "not known"
"""The value stored when the person does not know and the slot allows that."""


@dataclass(frozen=True)
class Parsed:
    """A normalised value, or a short error code saying why the answer was refused.

    Error codes are stable identifiers (for example ``"future_time"``); the action server
    turns them into wording, so the pure parsers carry no user-facing text.
    """

    value: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the answer was accepted."""
        return self.error is None and self.value is not None

    @classmethod
    def good(cls, value: str) -> Parsed:
        """An accepted, normalised answer."""
        return cls(value=value, error=None)

    @classmethod
    def bad(cls, error: str) -> Parsed:
        """A refused answer with the reason code."""
        return cls(value=None, error=error)
