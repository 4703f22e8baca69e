"""Free-text answers (what happened, what was stolen): enough words to act on."""

from __future__ import annotations

from triage.validation.result import NOT_KNOWN, Parsed
from triage.validation.text_quality import letter_count, looks_like_garbage
from triage.validation.unknown import is_unknown

MAX_FREE_TEXT_CHARS = 2000


def parse_free_text(
    text: str,
    min_letters: int = 3,
    unknown_value: str | None = None,
) -> Parsed:
    """Tidied text; "don't know" gives ``unknown_value`` when the question allows it."""
    if not isinstance(text, str):
        return Parsed.bad("empty")
    cleaned = " ".join(text.split())
    if not cleaned:
        return Parsed.bad("empty")
    if is_unknown(cleaned):
        return Parsed.good(unknown_value) if unknown_value else Parsed.bad("unknown_not_allowed")
    if len(cleaned) > MAX_FREE_TEXT_CHARS:
        return Parsed.bad("too_long")
    if letter_count(cleaned) < min_letters:
        return Parsed.bad("too_short")
    if looks_like_garbage(cleaned):
        return Parsed.bad("text_unclear")
    return Parsed.good(cleaned)


def parse_description(text: str) -> Parsed:
    """What happened: at least a short sentence (ten letters) so an officer can act."""
    return parse_free_text(text, min_letters=10)


__all__ = ["NOT_KNOWN", "parse_description", "parse_free_text"]
