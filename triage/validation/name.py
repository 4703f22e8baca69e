"""Names: letters, spaces, hyphens and apostrophes, without the "my name is" preamble."""

from __future__ import annotations

import re

from triage.validation.result import Parsed
from triage.validation.unknown import is_unknown

ANONYMOUS = "anonymous"
MIN_NAME_CHARS = 2
MAX_NAME_CHARS = 100
_PREAMBLE = re.compile(
    r"^\s*(?:hi|hello|hey)?[\s,]*(?:my\s+name\s+is|my\s+name's|name\s*[:=]|name\s+is|"
    r"i\s*am|i'm|im|it's|its|this\s+is|call\s+me|they\s+call\s+me)\s+",
    re.I,
)
_ALLOWED = re.compile(r"^[^\W\d_]+(?:[ \-'’.]+[^\W\d_]+)*\.?$")
_ANON = re.compile(
    r"^(?:i(?:'d| would)?\s+(?:rather|prefer)\s+(?:to\s+)?(?:stay|be|remain)\s+|"
    r"(?:i\s+want\s+to\s+)?(?:stay|be|remain)\s+)?(?:anon|anonymous|anonymously)\.?$|"
    r"^(?:no\s+name|i'd\s+rather\s+not\s+say|rather\s+not\s+say|prefer\s+not\s+to\s+say)\.?$",
    re.I,
)


def is_anonymous(text: str) -> bool:
    """True when the person asks to stay anonymous instead of giving a name."""
    return isinstance(text, str) and bool(_ANON.match(" ".join(text.strip().split())))


def parse_name(text: str, allow_anonymous: bool = False) -> Parsed:
    """A person's name as typed (spaces tidied); ``anonymous`` only where allowed."""
    if not isinstance(text, str) or not text.strip():
        return Parsed.bad("empty")
    if is_anonymous(text):
        return Parsed.good(ANONYMOUS) if allow_anonymous else Parsed.bad("anonymous_not_allowed")
    if is_unknown(text):
        return Parsed.bad("unknown_not_allowed")
    cleaned = " ".join(_PREAMBLE.sub("", text.strip()).split()).strip(" ,.!")
    if len(cleaned) < MIN_NAME_CHARS:
        return Parsed.bad("name_too_short")
    if len(cleaned) > MAX_NAME_CHARS:
        return Parsed.bad("name_too_long")
    if not _ALLOWED.match(cleaned):
        return Parsed.bad("name_invalid")
    return Parsed.good(cleaned)
