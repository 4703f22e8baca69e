"""Corrections of something said earlier: "actually it was 4pm", "the value was £600",
"my number is wrong, it's 07700 900456".

A correction names the answer it changes (by a word such as "time" or "number", or by
giving a new value of that kind) and carries the new value; the caller applies it through
the same validator as a typed answer and goes back to where the person was.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_MARKERS = re.compile(
    r"^\s*(?:actually|sorry|oops|no wait|wait|hang on|correction|i meant|i mean|my mistake|"
    r"scratch that|my bad|on second thoughts?|ah|oh)\b|"
    r"\bi (?:said|put|told you|wrote|typed)\b.*\bbut\b|"
    r"\b(?:not|wrong|mistake|meant to say|should (?:be|have said|say)|instead|incorrect|"
    r"change (?:the|my)|update (?:the|my)|it was actually|was actually|is actually)\b",
    re.I,
)
# Words that name an answer, in the order they are tried.
_FIELD_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (slot, re.compile(pattern, re.I))
    for slot, pattern in (
        ("reporter_contact", r"\b(?:number|phone|mobile|email|e-mail|contact)\b"),
        ("reporter_name", r"\b(?:my name|name is|surname|spelt|spelled)\b"),
        ("vehicle_reg", r"\b(?:reg|registration|number ?plate|plate)\b"),
        ("property_value", r"\b(?:value|worth|cost|price|costs|valued)\b|£"),
        (
            "incident_when",
            r"\b(?:time|date|day|when|o'?clock|am|pm|morning|afternoon|evening|night)\b",
        ),
        ("incident_where", r"\b(?:place|where|address|street|road|location|postcode|town)\b"),
        ("property_details", r"\b(?:items?|stolen|taken|took|what was)\b"),
        ("injuries", r"\b(?:injur\w*|hurt)\b"),
        ("suspect_description", r"\b(?:suspect|description|he was|she was|they were|wearing)\b"),
        ("evidence", r"\b(?:cctv|footage|witness\w*|camera|evidence)\b"),
    )
)


def looks_like_correction(text: str) -> bool:
    """True when the words correct something ("actually", "not 3 but 4", "is wrong")."""
    return isinstance(text, str) and bool(_MARKERS.search(text))


# "I said Monday but it was Tuesday", "Tuesday, not Monday": the old value is not the new one.
_SAID_BEFORE = re.compile(
    r"^.*?\b(?:i (?:said|put|told you|wrote|typed)|you(?:'ve| have) got)\b.*?\b(?:but|when|and)\b",
    re.I,
)
_NOT_THAT = re.compile(r"\b(?:not|rather than|instead of)\s+(?:the\s+)?[\w£:.'-]+", re.I)


def new_value_words(text: str) -> str:
    """The part of a correction that holds the new value, without the old one it names."""
    cleaned = _SAID_BEFORE.sub(" ", text)
    return " ".join(_NOT_THAT.sub(" ", cleaned).split())


def correction_slot(
    text: str, answered: Collection[str], fact_slots: Collection[str]
) -> str | None:
    """The answer a correction changes: one whose new value the text gives, preferring the
    one its words name; None when it names nothing already answered."""
    candidates = [slot for slot in fact_slots if slot in answered]
    for slot, pattern in _FIELD_WORDS:
        if slot in candidates and pattern.search(text):
            return slot
    if len(candidates) == 1:
        return candidates[0]
    return None


_DATE_PART = re.compile(r"^(?P<date>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} \w{3} \d{4})")
_HAS_DAY = re.compile(
    r"\b(?:yesterday|today|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"week|weekend|month|ago|\d{1,2}/\d{1,2}|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|"
    r"aug\w*|sep\w*|oct\w*|nov\w*|dec\w*|last night|\d{1,2}(?:st|nd|rd|th))\b",
    re.I,
)


def merge_when(old_value: str | None, new_phrase: str) -> str:
    """A new time of day keeps the day already given ("it was 4pm" after "yesterday")."""
    if not old_value or _HAS_DAY.search(new_phrase):
        return new_phrase
    match = _DATE_PART.match(old_value)
    return f"{match.group('date')} {new_phrase}" if match else new_phrase
