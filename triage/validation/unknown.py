"""Recognise "I don't know" style answers, which some questions may accept."""

from __future__ import annotations

import re

_UNKNOWN_PHRASES = frozenset(
    {
        "dont know",
        "do not know",
        "i dont know",
        "i do not know",
        "dunno",
        "i dunno",
        "no idea",
        "i have no idea",
        "not sure",
        "im not sure",
        "i am not sure",
        "unsure",
        "none",
        "no",
        "nope",
        "n a",
        "na",
        "not known",
        "unknown",
        "idk",
        "no clue",
        "not a clue",
        "cant remember",
        "can not remember",
        "cannot remember",
        "dont remember",
        "i cant remember",
        "i dont remember",
        "not applicable",
        "no one",
        "nobody",
        "nothing",
    }
)


def normalise_phrase(text: str) -> str:
    """Lower-case, drop apostrophes and punctuation, collapse spaces."""
    lowered = text.casefold().replace("'", "").replace("\u2019", "").replace("`", "")
    words = re.sub(r"[^\w]+", " ", lowered).split()
    return " ".join(words)


def is_unknown(text: str) -> bool:
    """True when the whole answer only says the person does not know (or there is none)."""
    if not isinstance(text, str):
        return False
    return normalise_phrase(text) in _UNKNOWN_PHRASES
