"""Token patterns (spaCy Matcher) for flags and cues that a phrase list cannot express:
ages under 18, "<someone> in my house", "<partner> ... hitting", "<verb>ing ... now",
negation cues, and wider suppressors ("the website crashed" is no road danger).

Every Python-level predicate (IN, REGEX) on a pattern's first token runs on every token
of every message, so first tokens are kept few and shared, or spelled out one exact value
per pattern (`_each_first_word`: spaCy compares those without calling Python): the whole
tagger has to fit in a fraction of the 0.5 ms per message that 2,000 messages per second
allows.
"""

from __future__ import annotations

from typing import Any

from triage.decisions import RiskFlag
from triage.nlp.flag_phrases import Cue

Pattern = list[dict[str, Any]]

_BE = ["is", "'s", "s", "are", "'re", "re", "am", "'m", "m"]
_AGE_WORDS = ["year", "years", "yr", "yrs"]
_YOUNG_PEOPLE = [
    "he", "she", "hes", "shes", "son", "daughter", "boy", "girl", "grandson",
    "granddaughter", "brother", "sister", "child", "kid", "nephew", "niece",
]  # fmt: skip
_PARTNERS = [
    "partner", "boyfriend", "bf", "husband", "hubby", "wife", "girlfriend", "gf", "ex",
    "fiance", "fiancé", "fiancee", "stepdad", "stepfather", "stepmum",
]  # fmt: skip
_FAMILY = ["dad", "father", "mum", "mother", "son", "brother", "uncle", "stepson"]
_ABUSE_VERBS = [
    "hit", "hits", "hitting", "hittin", "punched", "punching", "punches", "beat", "beats",
    "beating", "battered", "battering", "strangled", "strangling", "choked", "choking",
    "kicked", "kicking", "slapped", "slapping", "attacked", "attacking", "hurting",
    "threatening", "threatened", "assaulted", "pushed", "shoved", "raped", "abusing",
    "abused", "abusive", "controlling", "smashing", "throwing", "headbutted",
]  # fmt: skip
_FAMILY_VICTIMS = ["me", "my", "her", "him", "mum", "us", "mam", "nan"]
_INTRUDERS = [
    "someone", "somebody", "someones", "sum1", "some1", "man", "men", "bloke", "blokes",
    "guy", "guys", "lad", "lads", "woman", "people", "ppl", "burglar", "burglars",
    "stranger", "strangers", "they", "theres", "there",
]  # fmt: skip
_UNKNOWN_PEOPLE = [
    "someone", "somebody", "someones", "sum1", "some1", "stranger", "strangers",
    "burglar", "burglars", "intruder", "intruders",
]  # fmt: skip
_HOME_PLACES = [
    "house", "home", "garden", "shed", "loft", "flat", "room", "bedroom", "kitchen",
    "hallway", "garage", "attic", "yard", "property", "roof", "conservatory", "stairs",
]  # fmt: skip
_NOT_VERBS_ING = (
    "nothing|something|anything|everything|morning|evening|thing|king|ring|sing|bring|during"
    "|building|ceiling|spring|string|wedding|parking|clothing|meeting|shopping|ping|wing"
    "|sibling|darling|pudding|ling|sterling|swing|going|leaving|signing|dealing|waiting|doing"
    "|feeling|sorting|staying|heading|logging|working|living|sleeping|getting|coming"
)
# A verb in -ing ("trying", "hitting"), one predicate so the Matcher stays fast.
_VERB_ING = rf"^(?!(?:{_NOT_VERBS_ING})$)[a-z]{{2,}}ing$"
_WEAPON_OBJECTS = [
    "hammer", "hammers", "bat", "bats", "bar", "brick", "bricks", "spanner", "screwdriver",
    "chain", "stick", "pole", "scissors", "chisel", "plank", "bottle", "wrench", "poker",
]  # fmt: skip
_DEVICES = [
    "website", "site", "app", "page", "form", "computer", "laptop", "browser", "system",
    "chat", "portal", "screen", "phone", "it",
]  # fmt: skip
_CLAUSE_WORDS = ["and", "but", "so", "because", "cos", "coz", "if", "when", "while"]
_GAP = {"IS_PUNCT": False, "LOWER": {"NOT_IN": _CLAUSE_WORDS}}
# Harm being done while the message is written: "he's hitting me", "they are kicking a lad".
# The present progressive says "now" as clearly as "right now" does; "was hitting", "is
# always hitting" (a pattern of abuse, for a report) and "has been hitting" do not match.
_DANGER_ING = [
    "stabbing", "stabbin", "kicking", "kickin", "punching", "punchin", "beating", "battering",
    "batterin", "attacking", "attackin", "strangling", "choking", "hitting", "hittin",
    "smashing", "robbing", "mugging", "breaking", "dragging", "snatching", "stamping",
    "assaulting", "slashing", "waving", "swinging", "brandishing", "wielding", "glassing",
    "bottling", "headbutting", "raping", "chasing",
]  # fmt: skip
_NOW_WORDS = ["still", "now", "currently", "just", "literally", "actually"]
# Harm being suffered while the message is written: "I'm being attacked", "she's being
# followed". Not "harassed" or "bullied": those are usually a course of conduct to report.
_DANGER_DONE = [
    "attacked", "stabbed", "beaten", "battered", "hit", "kicked", "punched", "strangled",
    "choked", "robbed", "mugged", "followed", "chased", "assaulted", "raped", "dragged",
    "hurt", "kidnapped", "abducted", "shot", "glassed", "jumped", "threatened",
]  # fmt: skip
_HELD_WEAPONS = [
    "knife", "knives", "machete", "machetes", "gun", "guns", "pistol", "shotgun", "rifle",
    "axe", "hatchet", "sword", "blade", "bat", "hammer", "crowbar", "bar", "bottle", "brick",
    "cleaver", "crossbow", "taser", "stick", "pole", "chain", "spanner", "screwdriver",
]  # fmt: skip
_DETERMINERS = ["a", "an", "the", "his", "her", "their", "my", "this", "that", "big", "huge"]
# Scores ("5-0", "4 - 1") turn "murdered", "battered", "killed" into football results.
_SPORT_LOSSES = [
    "murdered", "murder", "battered", "slaughtered", "hammered", "thrashed", "destroyed",
    "smashed", "beat", "beaten", "killed", "mauled", "annihilated", "massacred", "spanked",
    "humiliated", "robbed", "mugged", "lost", "won", "shot",
]  # fmt: skip
_SCORE: Pattern = [{"LIKE_NUM": True}, {"ORTH": {"IN": ["-", "–"]}}, {"LIKE_NUM": True}]
_TAKE_VERBS = ["taken", "took", "take", "swallowed", "necked", "downed", "had", "eaten", "ate"]
# Past tense only for a bare count: "I take 20 tablets a week" is a prescription.
_TAKEN = ["taken", "took", "swallowed", "necked", "downed"]
_SET = ["set", "setting", "sets"]
_QUANTITY = [
    "all", "whole", "load", "loads", "lot", "lots", "handful", "packet", "packets", "bottle",
    "box", "boxes", "pack", "packs", "strip", "strips", "bunch", "entire", "stash", "tub",
]  # fmt: skip
_PILLS = [
    "pills", "tablets", "paracetamol", "painkillers", "co-codamol", "codeine", "meds",
    "medication", "antidepressants", "insulin", "sleeping", "ibuprofen", "aspirin",
]  # fmt: skip
_FORCE_VERBS = [
    "drag", "dragging", "dragged", "bundle", "bundling", "bundled", "force", "forcing",
    "forced", "shove", "shoving", "shoved", "push", "pushing", "pushed", "pull", "pulling",
    "pulled", "grab", "grabbing", "grabbed",
]  # fmt: skip
_VEHICLES = ["car", "van", "vehicle", "motor", "boot", "truck", "minibus", "lorry", "taxi"]
_STRANGERS = [
    "man", "men", "stranger", "strangers", "someone", "somebody", "woman", "gang", "group",
    "bloke", "guy", "lads", "people",
]  # fmt: skip

_MISSING_PEOPLE = [
    "son", "daughter", "child", "kid", "boy", "girl", "mum", "mam", "mother", "dad",
    "father", "nan", "grandad", "grandma", "granddad", "husband", "wife", "partner",
    "brother", "sister", "friend", "mate", "uncle", "aunt", "auntie", "baby", "toddler",
    "grandson", "granddaughter", "he", "she", "stepson", "stepdaughter", "niece", "nephew",
]  # fmt: skip


def _each_first_word(words: list[str], rest: Pattern) -> list[Pattern]:
    """One pattern per first word: an exact value is compared without calling Python."""
    return [[{"LOWER": word}, *rest] for word in words]


FLAG_PATTERNS: dict[RiskFlag, list[Pattern]] = {
    RiskFlag.IN_PROGRESS: [
        [{"ORTH": "NOW"}],
        [{"LOWER": "now"}, {"ORTH": "!"}],
        [
            {"LOWER": {"REGEX": _VERB_ING}},
            {"IS_PUNCT": False, "LOWER": {"NOT_IN": ["right"]}, "OP": "{0,5}"},
            {"LOWER": {"IN": ["now", "rn"]}},
        ],
        [
            {"LOWER": {"IN": ["outside", "inside", "downstairs", "upstairs"]}},
            {"IS_PUNCT": False, "LOWER": {"NOT_IN": [*_CLAUSE_WORDS, "right"]}, "OP": "{0,3}"},
            {"LOWER": {"IN": ["now", "rn"]}},
        ],
        [
            {"NORM": {"IN": _BE}},
            {"LOWER": {"IN": _NOW_WORDS}, "OP": "?"},
            {"LOWER": {"IN": _DANGER_ING}},
        ],
        [
            {"NORM": {"IN": _BE}},
            {"LOWER": {"IN": _NOW_WORDS}, "OP": "?"},
            {"LOWER": "being"},
            {"LOWER": {"IN": _DANGER_DONE}},
        ],
        # "they're still here", "the man is still there"; not the chat's "I'm still here"
        # or "are you still there?"
        [
            {"NORM": {"IN": ["is", "'s", "s", "are", "'re", "re"]}},
            {"LOWER": "still"},
            {"LOWER": {"IN": ["here", "there"]}},
        ],
        [
            {"LOWER": {"IN": ["waving", "swinging", "brandishing", "wielding", "pointing"]}},
            {"LOWER": {"IN": _DETERMINERS}, "OP": "*"},
            {"LOWER": {"IN": _HELD_WEAPONS}},
        ],
    ],
    RiskFlag.SELF_HARM: [
        [
            {"LOWER": {"IN": _TAKE_VERBS}},
            {"LOWER": {"IN": ["a", "the", "his", "her", "their", "my", "of"]}, "OP": "?"},
            {"LOWER": {"IN": _QUANTITY}},
            {
                "LOWER": {"IN": ["of", "the", "my", "his", "her", "their", "a", *_QUANTITY]},
                "OP": "{0,3}",
            },
            {"LOWER": {"IN": _PILLS}},
        ],
        # a count no dose comes to: "took 40 paracetamol", "swallowed 30 of my tablets"
        *_each_first_word(
            _TAKEN,
            [
                {"LOWER": {"REGEX": r"^[1-9][0-9]+$"}},
                {"LOWER": {"IN": ["of", "the", "my", "his", "her", "their"]}, "OP": "{0,2}"},
                {"LOWER": {"IN": _PILLS}},
            ],
        ),
        [
            {"LOWER": {"IN": ["found", "find", "finding"]}},
            {"LOWER": {"IN": ["my", "our", "his", "her", "a", "the"]}, "OP": "?"},
            {"LOWER": {"IN": [*_MISSING_PEOPLE, "him", "her", "them", "someone", "body"]}},
            {"LOWER": "hanging"},
        ],
    ],
    RiskFlag.THREAT_TO_LIFE: [
        [
            {"LOWER": {"IN": _FORCE_VERBS}},
            {**_GAP, "OP": "{0,3}"},
            {"LOWER": "into"},
            {"LOWER": {"IN": ["a", "the", "their", "his", "her", "an", "some"]}, "OP": "?"},
            {"LOWER": {"IN": _VEHICLES}},
        ],
        [
            {"LOWER": {"IN": ["snatched", "snatching", "snatch", "snatches"]}},
            {"LOWER": {"IN": ["a", "the", "my", "our", "her", "his", "this"]}, "OP": "?"},
            {"LOWER": {"IN": ["little", "young", "small", "baby"]}, "OP": "?"},
            {"LOWER": {"IN": [*_MISSING_PEOPLE, "woman", "child", "children", "kids", "lass"]}},
        ],
        [
            {"LOWER": {"IN": _MISSING_PEOPLE}},
            {"NORM": {"IN": [*_BE, "has", "have", "was", "were", "been", "got"]}, "OP": "{1,2}"},
            {"LOWER": "taken"},
            {"LOWER": "away", "OP": "?"},
            {"LOWER": "by"},
            {"LOWER": {"IN": ["a", "an", "two", "three", "some", "this", "that"]}, "OP": "?"},
            {"LOWER": {"IN": ["older", "young", "strange", "unknown", "random"]}, "OP": "?"},
            {"LOWER": {"IN": _STRANGERS}},
        ],
    ],
    RiskFlag.DOMESTIC_ABUSE: [
        [
            {"LOWER": {"IN": _PARTNERS}},
            {**_GAP, "OP": "{0,4}"},
            {"NORM": {"IN": _ABUSE_VERBS}},
        ],
        [
            {"LOWER": {"IN": _FAMILY}},
            {"NORM": {"IN": [*_BE, "keeps", "has", "just", "always"]}, "OP": "*"},
            {"NORM": {"IN": _ABUSE_VERBS}},
            {"NORM": {"IN": _FAMILY_VICTIMS}},
        ],
    ],
    RiskFlag.VIOLENCE: [
        # "a gang jumping one lad", "they're jumping him" (not "jumping on the trampoline")
        *_each_first_word(
            ["jumping", "jumpin"],
            [
                {
                    "LOWER": {"IN": ["a", "an", "one", "some", "the", "this", "that", "my"]},
                    "OP": "?",
                },
                {"LOWER": {"IN": [*_STRANGERS, "lad", "kid", "boy", "girl", "him", "her", "me"]}},
            ],
        ),
    ],
    RiskFlag.FIRE: [
        # "someone's set my car alight", "set the bins on fire"
        *_each_first_word(
            _SET,
            [{"IS_PUNCT": False, "OP": "{1,3}"}, {"LOWER": {"IN": ["alight", "ablaze", "afire"]}}],
        ),
        *_each_first_word(
            _SET, [{"IS_PUNCT": False, "OP": "{1,3}"}, {"LOWER": "on"}, {"LOWER": "fire"}]
        ),
    ],
    RiskFlag.WEAPON: [
        [
            {"LOWER": {"IN": ["with", "wielding", "waving", "swinging", "holding", "carrying"]}},
            {"LOWER": {"IN": ["a", "an", "the", "his", "her", "their", "big"]}, "OP": "*"},
            {"LOWER": {"IN": _WEAPON_OBJECTS}},
        ],
    ],
    RiskFlag.INJURY: [
        [
            {"NORM": "not"},
            {"IS_PUNCT": False, "OP": "{0,4}"},
            {"LOWER": {"IN": ["breathing", "breathe", "moving", "responding", "conscious"]}},
        ],
    ],
}

# Ages: the number is checked in code (under 18) so the Matcher needs no regex per token.
AGE_PATTERNS: list[Pattern] = [
    [
        {"LIKE_NUM": True},
        {"ORTH": "-", "OP": "?"},
        {"LOWER": {"IN": _AGE_WORDS}},
        {"ORTH": "-", "OP": "?"},
        {"LOWER": "old"},
    ],
    [{"LIKE_NUM": True}, {"LOWER": {"IN": ["yo", "y/o", "yr", "yrs"]}}],
    [{"SHAPE": {"IN": ["dxx", "ddxx", "dxxx", "ddxxx", "dxxxxx", "ddxxxxx"]}}],
    [{"LOWER": "aged"}, {"LIKE_NUM": True}],
    [
        {"LOWER": {"IN": _YOUNG_PEOPLE}},
        {"NORM": {"IN": _BE}, "OP": "?"},
        {"LOWER": {"IN": ["only", "just"]}, "OP": "?"},
        {"LIKE_NUM": True},
    ],
]
AGE_SUFFIXES = ("yo", "y/o", "yr", "yrs", "yrold")
CHILD_AGE_LIMIT = 18


CUE_PATTERNS: dict[Cue, list[Pattern]] = {
    # "I can't get my mum to wake up"; a person, and only waking or breathing: not "can't
    # get the council to respond" or "can't get my car to move"
    Cue.SERIOUS_HARM: [
        [
            {"NORM": {"IN": ["can", "could", "ca"]}, "OP": "?"},
            {"NORM": {"IN": ["not", "cannot"]}},
            {"LOWER": "get"},
            {"LOWER": {"IN": ["my", "our", "his", "her", "the", "this", "a", "that"]}, "OP": "?"},
            {"LOWER": {"IN": ["little", "baby", "young", "elderly", "old"]}, "OP": "?"},
            {"LOWER": {"IN": [*_MISSING_PEOPLE, *_STRANGERS, "him", "her", "them", "lad"]}},
            {"LOWER": "to"},
            {"LOWER": {"IN": ["wake", "breathe"]}},
        ],
    ],
    Cue.MISSING: [
        [
            {"LOWER": {"IN": _MISSING_PEOPLE}},
            {"IS_PUNCT": False, "OP": "{0,2}"},
            {"LOWER": {"IN": ["missing", "disappeared", "vanished"]}},
        ],
        [
            {"LOWER": {"IN": _MISSING_PEOPLE}},
            {"IS_PUNCT": False, "OP": "{0,2}"},
            {"NORM": {"IN": ["not", "never"]}},
            {"LOWER": {"IN": ["come", "came", "returned", "been"]}},
            {"LOWER": {"IN": ["home", "back", "seen"]}},
        ],
        [
            {"NORM": {"IN": ["can", "could", "ca"]}, "OP": "?"},
            {"NORM": {"IN": ["not", "cannot"]}},
            {"LOWER": {"IN": ["find", "found", "locate"]}},
            {"LOWER": {"IN": ["my", "our", "her", "his", "the"]}, "OP": "?"},
            {"LOWER": {"IN": ["little", "baby", "young", "elderly", "old"]}, "OP": "?"},
            {"LOWER": {"IN": _MISSING_PEOPLE}},
        ],
        # lost somewhere ("lost my little boy in the shopping centre"), not bereaved
        [
            {"LOWER": "lost"},
            {"LOWER": {"IN": ["my", "our"]}},
            {"LOWER": {"IN": ["little", "baby", "young", "elderly", "old"]}, "OP": "?"},
            {"LOWER": {"IN": _MISSING_PEOPLE}},
            {"LOWER": {"IN": ["in", "at", "near", "on", "somewhere", "round", "around"]}},
        ],
        # "my grandad went out for a walk this morning and never came back"
        [
            {"LOWER": {"IN": _MISSING_PEOPLE}},
            {"LOWER": {"IN": ["went", "left", "walked", "ran", "wandered", "headed", "popped"]}},
            {"IS_PUNCT": False, "OP": "{0,8}"},
            {"NORM": {"IN": ["never", "not", "has", "did"]}},
            {"NORM": {"IN": ["not", "never"]}, "OP": "?"},
            {"LOWER": {"IN": ["come", "came", "returned", "been"]}},
            {"LOWER": {"IN": ["home", "back"]}},
        ],
    ],
    Cue.INTRUDER: [
        [
            {"NORM": {"IN": _INTRUDERS}},
            {"NORM": {"IN": [*_BE, "was", "been"]}, "OP": "?"},
            {"LOWER": {"IN": ["still", "now", "currently"]}, "OP": "?"},
            {"LOWER": {"IN": ["in", "inside", "on"]}},
            {"LOWER": {"IN": ["my", "the", "our", "me", "mums", "mum's", "nans"]}, "OP": "?"},
            {"LOWER": {"IN": ["back", "front"]}, "OP": "?"},
            {"LOWER": {"IN": _HOME_PLACES}},
        ],
        # "at" only with a possessive: "someone at my back door", not "the man at the garage"
        [
            {"NORM": {"IN": _INTRUDERS}},
            {"NORM": {"IN": [*_BE, "was", "been"]}, "OP": "?"},
            {"LOWER": {"IN": ["still", "now", "currently"]}, "OP": "?"},
            {"LOWER": "at"},
            {"LOWER": {"IN": ["my", "our", "me", "mums", "mum's", "nans"]}},
            {"LOWER": {"IN": ["back", "front"]}, "OP": "?"},
            {"LOWER": {"IN": [*_HOME_PLACES, "door", "window", "windows"]}},
        ],
        [
            {"NORM": {"IN": _UNKNOWN_PEOPLE}},
            {"NORM": {"IN": _BE}, "OP": "?"},
            {"LOWER": {"IN": ["downstairs", "upstairs"]}},
        ],
        [
            {"LOWER": {"IN": ["hear", "heard"]}},
            {"LOWER": {"IN": ["someone", "somebody", "people", "footsteps", "voices", "glass"]}},
        ],
    ],
    Cue.HIDING: [
        [
            {"NORM": {"IN": ["am", "are", "'m", "'re", "m", "re"]}},
            {"LOWER": {"IN": _NOW_WORDS}, "OP": "?"},
            {"LOWER": "hiding"},
            {"LOWER": {"IN": ["in", "under", "behind", "upstairs", "downstairs", "inside"]}},
        ],
        [
            {"NORM": {"IN": ["am", "are", "'m", "'re", "m", "re"]}},
            {"LOWER": {"IN": _NOW_WORDS}, "OP": "?"},
            {"LOWER": "hiding"},
            {"LOWER": "from"},
            {"LOWER": {"IN": ["him", "her", "them", "my", "someone", "somebody", "a", "the"]}},
        ],
    ],
}

# Suicidal intent in indirect words (see `flag_phrases.INDIRECT_SELF_HARM_PHRASES`, which
# also spells out the fixed-word combinations: a phrase costs nothing per token, a pattern
# does): the wording that needs a gap. Raises the self-harm flag unless the message is about
# an ordinary departure; the patterns in `FINAL_SELF_HARM_PATTERNS` only where the clause
# ends after the match (`CLAUSE_END_WORDS`, punctuation other than "?", the end).
_LOVED_ONES = [
    "kids", "children", "family", "wife", "husband", "partner", "son", "daughter", "sons",
    "daughters", "mum", "mam", "mom", "dad", "parents", "girls", "boys", "sister", "brother",
    "nan", "grandkids", "everyone", "everybody", "babies", "baby", "friends", "mates",
]  # fmt: skip
_MESSAGES = [
    "text", "texted", "txt", "message", "messaged", "rang", "called", "phoned", "note",
    "letter", "posted", "voicemail", "sent", "wrote",
]  # fmt: skip
_LETTERS = ["letters", "letter", "notes", "note"]

INDIRECT_SELF_HARM_PATTERNS: list[Pattern] = [
    # "tell my kids I love them"
    [
        {"LOWER": "tell"},
        {"IS_PUNCT": False, "OP": "{1,4}"},
        {"LOWER": "that", "OP": "?"},
        {"LOWER": "i"},
        {"LOWER": {"IN": ["love", "luv", "loved"]}},
        {"LOWER": {"IN": ["them", "her", "him", "you", "em", "u", "all"]}},
    ],
    # "goodbye everyone", "goodbye world" (not "bye all": the end of a chat)
    *_each_first_word(
        ["goodbye", "farewell"],
        [{"LOWER": "cruel", "OP": "?"}, {"LOWER": {"IN": ["everyone", "everybody", "world"]}}],
    ),
    # someone else's farewell: "my dad rang to say goodbye", "sent me a text saying goodbye"
    *_each_first_word(
        _MESSAGES,
        [
            {"IS_PUNCT": False, "OP": "{0,4}"},
            {"LOWER": {"IN": ["saying", "say", "said", "sayin"]}},
            {"IS_PUNCT": False, "LOWER": {"NOT_IN": ["to"]}, "OP": "{0,3}"},
            {"LOWER": {"IN": ["goodbye", "goodbyes", "bye", "farewell"]}},
        ],
    ),
    # "left letters for my kids", "wrote a note to my family"
    *_each_first_word(
        ["written", "wrote", "left", "leaving"],
        [
            {"LOWER": {"IN": ["a", "some", "my", "the"]}, "OP": "?"},
            {"LOWER": {"IN": _LETTERS}},
            {"LOWER": {"IN": ["for", "to"]}},
            {"LOWER": {"IN": ["my", "the", "all", "our"]}, "OP": "?"},
            {"LOWER": {"IN": _LOVED_ONES}},
        ],
    ),
    # "left letters for all of us", "wrote notes to each of them" (not "a note for us")
    *_each_first_word(
        ["written", "wrote", "left", "leaving"],
        [
            {"LOWER": {"IN": ["a", "some", "the"]}, "OP": "?"},
            {"LOWER": {"IN": _LETTERS}},
            {"LOWER": {"IN": ["for", "to"]}},
            {"LOWER": {"IN": ["all", "each", "every"]}},
            {"LOWER": "one", "OP": "?"},
            {"LOWER": "of"},
            {"LOWER": {"IN": ["us", "you", "them"]}},
        ],
    ),
    # "love you all, goodbye"
    [
        {"LOWER": "love"},
        {"LOWER": {"IN": ["you", "u", "ya"]}},
        {"LOWER": {"IN": ["all", "both", "guys"]}},
        {"IS_PUNCT": True, "OP": "?"},
        {"LOWER": {"IN": ["goodbye", "bye", "goodbyes"]}},
    ],
]
FINAL_SELF_HARM_PATTERNS: list[Pattern] = [
    # "tell my mum and dad I'm sorry", "tell everyone I'm sorry for everything"
    [
        {"LOWER": "tell"},
        {"IS_PUNCT": False, "OP": "{1,4}"},
        {"LOWER": "that", "OP": "?"},
        {"LOWER": {"IN": ["i", "im"]}},
        {"NORM": {"IN": _BE}, "OP": "?"},
        {"LOWER": {"IN": ["sorry", "soz"]}},
        {"LOWER": {"IN": ["for", "about"]}, "OP": "?"},
        {"LOWER": {"IN": ["everything", "all"]}, "OP": "?"},
    ],
    # "say goodbye to everyone for me", "said goodbye to my kids"
    *_each_first_word(
        ["say", "said"],
        [
            {"LOWER": {"IN": ["goodbye", "bye", "goodbyes"]}},
            {"LOWER": "to"},
            {"LOWER": {"IN": ["my", "all", "the", "our"]}, "OP": "?"},
            {"LOWER": {"IN": [*_LOVED_ONES, "you"]}},
            {"LOWER": {"IN": ["all", "for"]}, "OP": "?"},
            {"LOWER": "me", "OP": "?"},
        ],
    ),
]
# Words after which a clause counts as ended, besides punctuation other than "?".
CLAUSE_END_WORDS = frozenset(["and", "x", "xx", "xxx"])

SUPPRESSOR_PATTERNS: dict[tuple[RiskFlag, ...], list[Pattern]] = {
    (RiskFlag.VIOLENCE, RiskFlag.THREAT_TO_LIFE, RiskFlag.WEAPON, RiskFlag.INJURY): [
        [{"NORM": {"IN": _SPORT_LOSSES}}, {**_GAP, "OP": "{0,3}"}, *_SCORE],
        [*_SCORE, {**_GAP, "OP": "{0,3}"}, {"NORM": {"IN": _SPORT_LOSSES}}],
    ],
    (RiskFlag.ROAD_DANGER,): [
        [
            {"NORM": {"IN": _DEVICES}},
            {**_GAP, "OP": "{0,2}"},
            {"NORM": {"IN": ["crash", "crashed", "crashes", "crashing"]}},
        ],
    ],
}

# A negation cue cancels a flag that starts soon after it in the same clause: "no one was
# hurt", "he didn't have a knife". Strong cues reach over up to 3 words, "no"/"without"
# only over 1 ("no weapon", "no serious injuries"), so "no he has a knife" still flags.
NEGATION_REACH = {"strong": 3, "short": 1}
NEGATION_PATTERNS: dict[str, list[Pattern]] = {
    "strong": [
        [{"NORM": {"IN": ["not", "never", "nobody", "noone", "nothing", "none", "neither"]}}],
        [{"LOWER": "no"}, {"ORTH": "-", "OP": "?"}, {"LOWER": {"IN": ["one", "body"]}}],
    ],
    "short": [[{"LOWER": {"IN": ["no", "without", "zero"]}}]],
}
NEGATION_BREAKERS = frozenset([*_CLAUSE_WORDS, "though", "although", "however", "yet", "until"])
