"""Places and UK postcodes: a place must say something; a postcode must be well formed."""

from __future__ import annotations

import re

from triage.validation.result import Parsed
from triage.validation.text_quality import letter_count, looks_like_garbage
from triage.validation.unknown import is_unknown

# BS 7666 shape: letters that never appear in a given position are excluded.
_OUTWARD = (
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_STRICT = re.compile(rf"^(?:(?P<out>{_OUTWARD})(?P<in>{_INWARD})|(?P<gir>GIR0AA))$")
# Anything shaped roughly like a postcode inside a sentence (checked strictly afterwards).
_LOOSE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2}[0-9][A-Za-z0-9]?) ?([0-9][A-Za-z]{2})(?![A-Za-z0-9])"
)

MIN_PLACE_LETTERS = 3
MAX_PLACE_CHARS = 300


def parse_postcode(text: str) -> Parsed:
    """A UK postcode, normalised to upper case with one space (``NE1 4ST``)."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    compact = re.sub(r"\s+", "", text).upper()
    if len(compact) > 8:
        return Parsed.bad("postcode_invalid")
    match = _STRICT.match(compact)
    if not match:
        return Parsed.bad("postcode_invalid")
    if match.group("gir"):
        return Parsed.good("GIR 0AA")
    return Parsed.good(f"{match.group('out')} {match.group('in')}")


def find_postcode(text: str) -> Parsed | None:
    """The first postcode-shaped part of a sentence, checked; None when there is none."""
    match = _LOOSE.search(text)
    if match is None:
        return None
    return parse_postcode(match.group(1) + match.group(2))


def parse_place(text: str) -> Parsed:
    """Where it happened: a few letters of real text, with any postcode normalised."""
    if not isinstance(text, str):
        return Parsed.bad("empty")
    cleaned = " ".join(text.split())
    if not cleaned:
        return Parsed.bad("empty")
    if len(cleaned) > MAX_PLACE_CHARS:
        return Parsed.bad("too_long")
    if is_unknown(cleaned):
        return Parsed.bad("unknown_not_allowed")
    postcode_match = _LOOSE.search(cleaned)
    if postcode_match is not None:
        postcode = parse_postcode(postcode_match.group(1) + postcode_match.group(2))
        if not postcode.ok or postcode.value is None:
            return Parsed.bad("postcode_invalid")
        start, end = postcode_match.span()
        return Parsed.good((cleaned[:start] + postcode.value + cleaned[end:]).strip())
    if letter_count(cleaned) < MIN_PLACE_LETTERS or looks_like_garbage(cleaned):
        return Parsed.bad("place_unclear")
    return Parsed.good(cleaned)
