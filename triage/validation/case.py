"""Answers to the case-tracking questions: a reference and a verifying detail."""

from __future__ import annotations

from triage.cases.references import normalise_receipt_code, normalise_reference
from triage.validation.contact import parse_email, parse_phone
from triage.validation.place import find_postcode, parse_postcode
from triage.validation.result import Parsed


def parse_reference(text: str) -> Parsed:
    """A ``BL-XXXX-XXXX`` reference, or an ``RC-XXXX-XXXX`` receipt code (given when a report
    waited in the outbox), with a correct check character, in canonical form."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if len(text) > 100:
        return Parsed.bad("reference_invalid")
    candidates = [text, *text.split()]
    for candidate in candidates:
        reference = normalise_reference(candidate) or normalise_receipt_code(candidate)
        if reference is not None:
            return Parsed.good(reference)
    return Parsed.bad("reference_invalid")


def parse_verify_detail(text: str) -> Parsed:
    """The email, UK phone number or postcode given at report time, normalised the same way."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if "@" in text:
        email = parse_email(text)
        return email if email.ok else Parsed.bad("verify_invalid")
    postcode = parse_postcode(text)
    if postcode.ok:
        return postcode
    found = find_postcode(text)
    if found is not None and found.ok:
        return found
    phone = parse_phone(text)
    if phone.ok:
        return phone
    return Parsed.bad("verify_invalid")
