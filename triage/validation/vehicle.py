"""UK vehicle registrations in the current, prefix, suffix and dateless formats."""

from __future__ import annotations

import re

from triage.validation.result import NOT_KNOWN, Parsed
from triage.validation.unknown import is_unknown

# (pattern on the compact upper-case text, how many groups go before the space)
_FORMATS: tuple[tuple[re.Pattern[str], int], ...] = (
    # current, since 2001: AB12 CDE
    (re.compile(r"^([A-HJ-PR-Y][A-HJ-PR-Y])([0-9]{2})([A-HJ-PR-Z]{3})$"), 2),
    # prefix, 1983-2001: A123 BCD
    (re.compile(r"^([A-HJ-NP-Y])([0-9]{1,3})([A-Z]{3})$"), 2),
    # suffix, 1963-1983: ABC 123D
    (re.compile(r"^([A-Z]{3})([0-9]{1,3})([A-HJ-NP-Y])$"), 1),
    # dateless: ABC 123 or 1234 AB
    (re.compile(r"^([A-Z]{1,3})([0-9]{1,4})$"), 1),
    (re.compile(r"^([0-9]{1,4})([A-Z]{1,3})$"), 1),
)
_CURRENT_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2}[0-9]{2}) ?([A-Za-z]{3})(?![A-Za-z0-9])"
)
_FILLER = re.compile(
    r"^(?:(?:the\s+)?(?:reg(?:istration)?|number\s*plate|plate)\s*(?:was|is|:)?\s*)", re.I
)


def _format_compact(compact: str) -> str | None:
    for pattern, split_after in _FORMATS:
        match = pattern.match(compact)
        if match:
            groups = match.groups()
            head = "".join(groups[:split_after])
            tail = "".join(groups[split_after:])
            return f"{head} {tail}"
    return None


def parse_vehicle_reg(text: str, allow_unknown: bool = False) -> Parsed:
    """A registration normalised with its usual space (``AB12 CDE``, ``A123 BCD``)."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if len(text) > 100:
        return Parsed.bad("vehicle_reg_invalid")
    if is_unknown(text):
        return Parsed.good(NOT_KNOWN) if allow_unknown else Parsed.bad("unknown_not_allowed")
    stripped = _FILLER.sub("", text.strip()).strip(" .!")
    compact = re.sub(r"[\s-]+", "", stripped).upper()
    if compact.isascii():
        formatted = _format_compact(compact)
        if formatted:
            return Parsed.good(formatted)
    # a current-format plate inside a sentence ("it was a blue Ford, AB12 CDE")
    found = _CURRENT_IN_TEXT.search(text)
    if found:
        formatted = _format_compact((found.group(1) + found.group(2)).upper())
        if formatted:
            return Parsed.good(formatted)
    return Parsed.bad("vehicle_reg_invalid")
