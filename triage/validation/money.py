"""Rough values of stolen or damaged property ("£300", "about 150 quid", "2k")."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from triage.validation.result import NOT_KNOWN, Parsed
from triage.validation.unknown import is_unknown

MAX_VALUE = Decimal("100000000")
_HEDGES = re.compile(
    r"\b(?:about|around|roughly|approx(?:imately)?|approx\.|maybe|perhaps|circa|ish|"
    r"at least|over|under|nearly|almost|just over|just under|probably)\b|~",
    re.I,
)
_WORD_AMOUNTS = {
    "a fiver": Decimal(5),
    "a tenner": Decimal(10),
    "a score": Decimal(20),
    "a hundred": Decimal(100),
    "a couple of hundred": Decimal(200),
    "a few hundred": Decimal(300),
    "a grand": Decimal(1000),
    "a thousand": Decimal(1000),
    "a couple of grand": Decimal(2000),
}
_NOTHING = frozenset({"nothing", "worthless", "no value", "nothing of value", "0", "£0"})
_AMOUNT = re.compile(
    r"(?:£|gbp\s*)?\s*(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?|[0-9]+(?:\.[0-9]{1,2})?)"
    r"\s*(?P<mult>k|grand|thousand|hundred|m|million)?\b",
    re.I,
)
_MULTIPLIERS = {
    "k": Decimal(1000),
    "grand": Decimal(1000),
    "thousand": Decimal(1000),
    "hundred": Decimal(100),
    "m": Decimal(1000000),
    "million": Decimal(1000000),
}


def _format_pounds(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return f"£{int(amount):,}"
    return f"£{amount:,.2f}"


def parse_money(text: str) -> Parsed:
    """A value in pounds (``£1,250``); "not sure" gives ``not known``; hedges keep "about"."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if len(text) > 200:
        return Parsed.bad("money_invalid")
    if is_unknown(text) and text.strip().casefold() not in _NOTHING:
        return Parsed.good(NOT_KNOWN)
    lowered = " ".join(text.casefold().split())
    if lowered.strip(" .!") in _NOTHING:
        return Parsed.good("£0")
    hedged = bool(_HEDGES.search(lowered))
    amount: Decimal | None = None
    for phrase, value in _WORD_AMOUNTS.items():
        if phrase in lowered:
            amount = value
            break
    if amount is None:
        if re.search(r"-\s*£?\s*[0-9]", lowered):
            return Parsed.bad("money_invalid")
        matches = list(_AMOUNT.finditer(lowered))
        if len(matches) != 1:
            return Parsed.bad("money_invalid")
        match = matches[0]
        try:
            amount = Decimal(match.group("num").replace(",", ""))
        except InvalidOperation:
            return Parsed.bad("money_invalid")
        multiplier = match.group("mult")
        if multiplier:
            amount *= _MULTIPLIERS[multiplier.lower()]
        leftovers = _AMOUNT.sub(" ", lowered)
        leftovers = _HEDGES.sub(" ", leftovers)
        leftovers = re.sub(
            r"\b(?:pounds?|quid|gbp|worth|it was|it's|its|value|of|in total|total|each|"
            r"the|was|is|bucks|sterling|or so)\b|[£.,!?]",
            " ",
            leftovers,
        )
        if re.search(r"[^\W\d_]{2,}", leftovers):
            # words we do not understand next to the number: ask again rather than guess
            return Parsed.bad("money_invalid")
    if amount > MAX_VALUE:
        return Parsed.bad("money_too_large")
    formatted = _format_pounds(amount.quantize(Decimal("0.01")).normalize())
    return Parsed.good(f"about {formatted}" if hedged else formatted)
