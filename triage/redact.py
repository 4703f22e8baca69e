"""Remove personal data from text before it reaches logs, audit rows, queues or public replies.

Over-redaction is the safe failure: a log line that loses a date is harmless, a log line that
keeps a phone number is not. Each kind of detail is replaced by a placeholder such as
``[email]`` so a reader still sees what sort of thing was said. Placeholders are never
matched again, so redacting twice gives the same text as redacting once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_STREET_TYPES = (
    "street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|court|ct|place|pl"
    "|terrace|gardens|gdns|grove|hill|row|square|sq|walk|park|mews|view|green|rise|parade"
    "|gate|wharf|yard|bank|boulevard|estate|vale|wynd|chase|approach|circus|croft|meadow"
    "|meadows|fold|heights"
)
# Words that end a name after "my name is": the rest of the sentence is not the name.
_NOT_NAME = (
    "and|but|or|so|because|i|im|i'm|my|me|from|at|in|on|the|a|an|is|was|it|this|that|"
    "please|thanks|thank|can|could|would|need|want|have|had|who|with|to|of|for|not|just|"
    "calling|here|live|living|ringing"
)
# Words that cannot be part of a street's name, so "2 men in the park" is not an address.
_NOT_STREET = "the|a|an|in|on|at|by|near|of|to|and|or|with|from|outside|inside|behind|into|over"
_STREET_WORD = rf"(?!(?:{_NOT_STREET})\b)[^\W\d_][\w'’-]*"
_NAME_WORD = rf"(?!(?:{_NOT_NAME})\b)[^\W\d_][\w'’.-]*"

# (placeholder, pattern) in the order they run: emails before handles (an email holds an
# "@name"), phones before the catch-all digit runs so they are labelled as phones.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "[email]",
        re.compile(r"[^\s@<>()\[\],;:\"]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    ),
    # +44 / 0044 / 0 (never 00: that starts an international number), then nine or ten more
    # digits with spaces, dashes, dots or brackets between them.
    (
        "[phone]",
        re.compile(
            r"(?<!\d)(?:(?:\+|00)[\s.-]{0,3}44[\s.-]{0,3}(?:\(0\)[\s.-]{0,3})?|\(?0(?!0))"
            r"(?:\d[\s\-.)]{0,3}){8,9}\d(?!\d)"
        ),
    ),
    ("[sort code]", re.compile(r"(?<!\d)\d{2}-\d{2}-\d{2}(?![\d-])")),
    # Card numbers (12 to 19 digits, spaced or dashed in any grouping) and any other long
    # digit run: account numbers, IBAN tails, phone numbers written oddly.
    ("[card]", re.compile(r"(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)")),
    # Account numbers: seven to eleven digits, run together or spaced (not dashed: dates).
    ("[account]", re.compile(r"(?<![\d-])\d(?: ?\d){6,10}(?![\d-])")),
    # Vehicle registrations: current format in any case; older formats in capitals only,
    # since in lower case they look like ordinary words and numbers.
    ("[vehicle]", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2} ?[A-Za-z]{3}(?![A-Za-z0-9])")),
    ("[vehicle]", re.compile(r"(?<![A-Za-z0-9])[A-Z][0-9]{1,3} ?[A-Z]{3}(?![A-Za-z0-9])")),
    ("[vehicle]", re.compile(r"(?<![A-Za-z0-9])[A-Z]{3} ?[0-9]{1,3}[A-Z](?![A-Za-z0-9])")),
    # Anything shaped like a postcode, valid or not.
    (
        "[postcode]",
        re.compile(
            r"(?<![A-Za-z0-9])[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}(?![A-Za-z0-9])"
        ),
    ),
    (
        "[address]",
        re.compile(
            r"(?<![\w])(?:flat\s+\d+[a-z]?,?\s+)?\d{1,4}[a-z]?,?\s+"
            rf"(?:the\s+)?(?:{_STREET_WORD}\s+){{0,3}}(?:{_STREET_TYPES})\b\.?",
            re.IGNORECASE,
        ),
    ),
)
_NAME = re.compile(
    r"(?P<lead>\b(?:my\s+name\s+is|my\s+name's|my\s+name’s|i'?m\s+called|i’m\s+called"
    r"|i\s+am\s+called)\s+)"
    rf"(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,3}})",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@\[])@[A-Za-z0-9_]{1,30}")

PLACEHOLDERS = frozenset(
    {label for label, _ in _PATTERNS} | {"[name]", "[handle]"},
)


def _name(match: re.Match[str]) -> str:
    return f"{match.group('lead')}[name]"


def redact(text: str, *, handles: bool = True) -> str:
    """``text`` with emails, phones, bank and card numbers, vehicle registrations, postcodes,
    street addresses, self-given names and (unless ``handles=False``) @handles replaced.
    """
    steps: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
        (pattern, label) for label, pattern in _PATTERNS
    ]
    steps.append((_NAME, _name))
    if handles:
        steps.append((_HANDLE, "[handle]"))
    for pattern, replacement in steps:
        text = pattern.sub(replacement, text)
    return text


def summarise(text: str, limit: int = 280) -> str:
    """Redacted and cut to ``limit`` characters, for queue items and alerts."""
    redacted = " ".join(redact(text).split())
    if len(redacted) <= limit:
        return redacted
    return redacted[: limit - 1].rstrip() + "…"
