"""Input checks shared by the REST channel and the WebSocket, so both reject the same things."""

from __future__ import annotations

import re
from typing import Any

# fullmatch, never `$`: `$` would accept a trailing newline.
_ID_RE = re.compile(r"[A-Za-z0-9_\-:.]{1,128}")
MAX_LABEL_CHARS = 200


class InvalidInput(ValueError):
    """A message the person (or client) can act on; safe to send back verbatim."""


def check_conversation_id(value: Any, name: str = "sender") -> str:
    """1–128 characters of letters, digits and `_-:.`."""
    if value is None:
        raise InvalidInput(f"'{name}' is required")
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string")
    if not _ID_RE.fullmatch(value):
        raise InvalidInput(
            f"'{name}' must be 1 to 128 characters: letters, digits, '_', '-', ':' or '.'"
        )
    return value


def check_message_id(value: Any) -> str:
    """Client message ids follow the same rule as conversation ids."""
    return check_conversation_id(value, name="id")


def check_text(value: Any, max_chars: int, name: str = "message") -> str:
    """A non-blank string of at most `max_chars` characters."""
    if value is None:
        raise InvalidInput(f"'{name}' is required")
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string")
    if not value.strip():
        raise InvalidInput(f"'{name}' must not be empty")
    if len(value) > max_chars:
        raise InvalidInput(f"'{name}' must be at most {max_chars} characters")
    return value


def check_label(value: Any) -> str | None:
    """Optional title of the quick reply that produced a payload, shown instead of it."""
    if value is None:
        return None
    return check_text(value, MAX_LABEL_CHARS, name="label")


def check_metadata(value: Any) -> dict[str, Any]:
    """Client metadata must be a JSON object when given."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput("'metadata' must be a JSON object")
    return value
