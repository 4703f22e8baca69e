"""Contact details: a UK phone number (E.164) or an email address (lower case)."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from triage.validation.result import Parsed

_UK_REGIONS = frozenset({"GB", "GG", "JE", "IM"})
# Ofcom reserves these ranges for drama and documentation; the demo and tests use them,
# so they are accepted even though libphonenumber calls them unassigned.
_OFCOM_DRAMA = (
    re.compile(r"^\+447700900\d{3}$"),
    re.compile(r"^\+441632960\d{3}$"),
)
_EMAIL_IN_TEXT = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
MAX_CONTACT_CHARS = 254


def parse_phone(text: str) -> Parsed:
    """A UK phone number as E.164 (``+447700900123``)."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if len(text) > MAX_CONTACT_CHARS:
        return Parsed.bad("phone_invalid")
    candidates: list[phonenumbers.PhoneNumber] = []
    try:
        candidates.append(phonenumbers.parse(text, "GB"))
    except phonenumbers.NumberParseException:
        candidates.extend(match.number for match in phonenumbers.PhoneNumberMatcher(text, "GB"))
    for number in candidates:
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if any(pattern.match(e164) for pattern in _OFCOM_DRAMA):
            return Parsed.good(e164)
        if not phonenumbers.is_valid_number(number):
            continue
        if phonenumbers.region_code_for_number(number) not in _UK_REGIONS:
            return Parsed.bad("phone_not_uk")
        return Parsed.good(e164)
    return Parsed.bad("phone_invalid")


def parse_email(text: str) -> Parsed:
    """An email address, checked for shape only (no DNS), stored in lower case."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if len(text) > MAX_CONTACT_CHARS:
        return Parsed.bad("email_invalid")
    stripped = text.strip()
    found = _EMAIL_IN_TEXT.search(stripped)
    candidate = (found.group(0) if found else stripped).rstrip(".")
    try:
        result = validate_email(candidate, check_deliverability=False)
    except (EmailNotValidError, ValueError, UnicodeError):
        return Parsed.bad("email_invalid")
    return Parsed.good(result.normalized.lower())


def parse_contact(text: str) -> Parsed:
    """An email address if the answer has an @ in it, otherwise a UK phone number."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if "@" in text:
        return parse_email(text)
    phone = parse_phone(text)
    if phone.ok or phone.error == "phone_not_uk":
        return phone
    return Parsed.bad("contact_invalid")
