"""Text-speak spelled out before the facts are read ("sum1 nicked my fone last nite")."""

from __future__ import annotations

import re

_WORDS: dict[str, str] = {
    "nite": "night",
    "2nite": "tonight",
    "tonite": "tonight",
    "2day": "today",
    "yday": "yesterday",
    "yest": "yesterday",
    "yesterdy": "yesterday",
    "sum1": "someone",
    "some1": "someone",
    "any1": "anyone",
    "no1": "no one",
    "fone": "phone",
    "ur": "your",
    "wiv": "with",
    "wat": "what",
    "b4": "before",
    "gf": "girlfriend",
    "bf": "boyfriend",
    "mins": "minutes",
    "hrs": "hours",
    "cuz": "because",
    "coz": "because",
    "bcoz": "because",
    "outta": "out of",
    "gonna": "going to",
    "wanna": "want to",
    "in2": "into",
    "lastnite": "last night",
    "lastnight": "last night",
    "bout": "about",
    "abt": "about",
    "thru": "through",
    "gaff": "house",
    "n": "and",
    "nd": "and",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "deffo": "definitely",
    "wont": "won't",
    "cant": "can't",
    "didnt": "didn't",
    "dont": "don't",
    "im": "I'm",
    "maccies": "McDonald's",
    "maccys": "McDonald's",
    "spoons": "Wetherspoons",
}
# g-dropped verbs ("messagin", "turnin up"): a list, since many words end in -in anyway.
_DROPPED_G = (
    "messag",
    "turn",
    "do",
    "deal",
    "rac",
    "rid",
    "driv",
    "com",
    "go",
    "say",
    "smok",
    "sell",
    "shout",
    "fight",
    "kick",
    "follow",
    "text",
    "call",
    "ring",
    "hang",
    "chuck",
    "throw",
    "walk",
    "speed",
    "stalk",
    "threaten",
    "scream",
    "smash",
    "break",
    "steal",
    "lurk",
    "park",
)
_WORDS.update({f"{stem}in": f"{stem}ing" for stem in _DROPPED_G})
_WORDS.update({"comin": "coming", "ridin": "riding", "drivin": "driving", "racin": "racing"})
_WORD = re.compile(r"(?<![\w£@.-])(" + "|".join(map(re.escape, _WORDS)) + r")(?![\w@-])", re.I)


def spell_out(text: str) -> str:
    """The text with common text-speak words written in full; everything else unchanged."""
    return _WORD.sub(lambda match: _WORDS[match.group(1).casefold()], text)
