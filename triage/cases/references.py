"""Crime references that survive being read aloud: ``BL-XXXX-XXXX`` with a check character.

Receipt codes (``RC-XXXX-XXXX``), given when a report is held in the outbox because the case
system is down, use the same scheme with their own prefix, so neither can be mistaken for
the other and both catch a mistyped character before any lookup.

Alphabet: Crockford base32 (no I, L, O, U), so the confusables a caller may say or type
(O for 0, I or L for 1) can be mapped back. Seven random characters carry the value, the
eighth is a Luhn mod N (N = 32) check character, so a mistyped or misheard character, or
two neighbours swapped, is rejected instead of finding someone else's case.

Luhn mod N has one blind spot: swapping the first and last symbols of the alphabet
(``0`` and ``Z``) next to each other does not change the sum. References whose characters
put ``0`` and ``Z`` side by side are therefore never issued, which makes every adjacent
transposition of an issued reference detectable.
"""

from __future__ import annotations

import itertools
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
PREFIX = "BL"
RECEIPT_PREFIX = "RC"
PAYLOAD_LENGTH = 7
CODE_LENGTH = PAYLOAD_LENGTH + 1

_INDEX = {char: i for i, char in enumerate(ALPHABET)}
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")
# The pair Luhn mod N cannot tell apart when transposed: first and last code points.
_BLIND_PAIR = frozenset({ALPHABET[0], ALPHABET[-1]})


def _luhn_sum(code: str, *, double_first_from_right: bool) -> int:
    """Luhn mod N sum, walking right to left and doubling every other code point."""
    total = 0
    double = double_first_from_right
    for char in reversed(code):
        addend = _INDEX[char] * (2 if double else 1)
        total += addend // N + addend % N  # "sum of digits" in base N
        double = not double
    return total


def check_character(payload: str) -> str:
    """The check character that makes ``payload + check`` Luhn-valid mod 32."""
    remainder = _luhn_sum(payload, double_first_from_right=True) % N
    return ALPHABET[(N - remainder) % N]


def _code_is_valid(code: str) -> bool:
    return _luhn_sum(code, double_first_from_right=False) % N == 0


def format_reference(code: str, prefix: str = PREFIX) -> str:
    """``BL-XXXX-XXXX`` (or another prefix) from the eight canonical characters."""
    return f"{prefix}-{code[:4]}-{code[4:]}"


def is_issuable(code: str) -> bool:
    """False for codes with ``0`` next to ``Z`` (the transposition Luhn mod N misses)."""
    return not any({a, b} == _BLIND_PAIR for a, b in itertools.pairwise(code))


def _new_code(prefix: str) -> str:
    while True:
        payload = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH))
        code = payload + check_character(payload)
        if is_issuable(code):
            return format_reference(code, prefix)


def new_reference() -> str:
    """A fresh random reference; uniqueness is the store's job (it retries on collision)."""
    return _new_code(PREFIX)


def new_receipt_code() -> str:
    """A fresh random receipt code; the outbox refuses a duplicate and the caller retries."""
    return _new_code(RECEIPT_PREFIX)


def _normalise(text: str, prefix: str) -> str | None:
    compact = _SEPARATORS.sub("", text).upper()
    if not compact.startswith(prefix):
        return None
    code = compact[len(prefix) :].translate(_CONFUSABLES)
    if len(code) != CODE_LENGTH or any(char not in _INDEX for char in code):
        return None
    if not _code_is_valid(code):
        return None
    return format_reference(code, prefix)


def normalise_reference(text: str) -> str | None:
    """The canonical ``BL-XXXX-XXXX`` form, or None when it is malformed or fails the check.

    Tolerates lower case, missing or extra hyphens and spaces, and O/I/L for 0/1.
    """
    return _normalise(text, PREFIX)


def normalise_receipt_code(text: str) -> str | None:
    """The canonical ``RC-XXXX-XXXX`` form, or None (same tolerance as references)."""
    return _normalise(text, RECEIPT_PREFIX)


def is_valid_reference(text: str) -> bool:
    """True when ``text`` normalises to a reference with a correct check character."""
    return normalise_reference(text) is not None


def is_valid_receipt_code(text: str) -> bool:
    """True when ``text`` normalises to a receipt code with a correct check character."""
    return normalise_receipt_code(text) is not None
