"""Verifying details: what a caller must repeat to see or add to their own case.

At submission the store keeps the emails, phone numbers and postcodes found in the contact
and the incident location, each normalised (lower-case email, E.164 phone, ``NE1 4ST``
postcode). A detail given later goes through the same extraction, so ``ne14st`` matches
``NE1 4ST`` and ``+44 7700 900123`` matches ``07700900123``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Sequence

import phonenumbers

_EMAIL = re.compile(r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)\s*([0-9][A-Za-z]{2})(?![A-Za-z0-9])"
)
_REGION = "GB"
# Compared against when a case has no tokens or does not exist, so the work done (and so
# the time taken) does not reveal which of the two it was. Its result is never used.
_DUMMY_TOKEN = "\x00no-token\x00"


def normalise_email(text: str) -> str:
    """Emails compare case-insensitively in practice, so keep them lower-case."""
    return text.strip().lower()


def normalise_postcode(outward: str, inward: str) -> str:
    """``NE1 4ST``: upper case, one space before the three-character inward code."""
    return f"{outward.upper()} {inward.upper()}"


def _plausible(number: phonenumbers.PhoneNumber) -> bool:
    """Valid numbers, plus full-length possible ones.

    Ofcom's drama ranges (07700 900xxx, used in tests and demos) are not "valid" in the
    metadata but are full national numbers; short digit runs like ``123456`` are not.
    """
    if phonenumbers.is_valid_number(number):
        return True
    reason = phonenumbers.is_possible_number_with_reason(number)
    national = phonenumbers.national_significant_number(number)
    return reason == phonenumbers.ValidationResult.IS_POSSIBLE and len(national) >= 9


def _phones(text: str) -> list[str]:
    matcher = phonenumbers.PhoneNumberMatcher(
        text, _REGION, leniency=phonenumbers.Leniency.POSSIBLE
    )
    return [
        phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        for match in matcher
        if _plausible(match.number)
    ]


def extract_tokens(texts: Iterable[str | None]) -> list[str]:
    """Every normalised email, phone number and postcode in ``texts``, sorted, no repeats."""
    found: set[str] = set()
    for text in texts:
        if not text:
            continue
        emails = _EMAIL.findall(text)
        found.update(normalise_email(email) for email in emails)
        without_emails = _EMAIL.sub(" ", text)
        found.update(_phones(without_emails))
        found.update(normalise_postcode(o, i) for o, i in _POSTCODE.findall(without_emails))
    return sorted(found)


def detail_matches(detail: str, tokens: Sequence[str]) -> bool:
    """True when any normalised form of ``detail`` equals a stored token.

    Every candidate is compared with every token with no early exit, each comparison in
    constant time, so timing does not leak how close a guess was. With no tokens (unknown
    case, anonymous report) a dummy comparison stands in and the answer is always False.
    """
    candidates = extract_tokens([detail]) or [normalise_email(detail)]
    compared = list(tokens) or [_DUMMY_TOKEN]
    matched = False
    for candidate in candidates:
        for token in compared:
            matched |= hmac.compare_digest(candidate.encode(), token.encode())
    return matched and bool(tokens)
