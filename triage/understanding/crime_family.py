"""Which kind of crime report a story describes, from the words a person uses.

The NLU model gives one intent per message; a story ("I parked up, came back and the back
window was in pieces and my bag was gone") often lands on `inform` or on the wrong family.
These rules read the story as a caller-handler would: a break-in to a vehicle is vehicle
crime even when something was taken from it; hostility because of who someone is makes any
offence a hate crime. Families are tried most specific first.
"""

from __future__ import annotations

import re

from triage.understanding.text_speak import spell_out

_VEHICLE = (
    r"(?:car|van|motor ?bike|motorcycle|moped|vehicle|truck|lorry|camper(?:van)?|pick-?up|motor)"
)
_HOME = r"(?:house|home|flat|shed|garage|property|place|bungalow|caravan|outbuilding|allotment)"

# (crime type, pattern): first match wins, so the more specific family comes first.
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (family, re.compile(pattern, re.I))
    for family, pattern in (
        (
            "fraud",
            r"\b(?:scam(?:med|mer|mers)?|fraud\w*|phishing|conned|con artist|"
            r"bank (?:account )?details|fake (?:website|seller|text|email|profile|invoice)|"
            r"sent (?:them|him|her) (?:money|£)|never (?:arrived|received|turned up)|"
            r"hacked (?:my )?(?:account|bank|email)|identity theft|rogue trader\w*|"
            r"cowboy builder\w*|paid (?:them|him|her) £[\d,]+[^.]*?never (?:came back|turned up)|"
            r"never came back to do|"
            r"(?:money|£\d[\d,]*) (?:from|out of) (?:my|our|his|her) (?:bank|account|card))\b",
        ),
        (
            "hate_crime",
            r"\b(?:hate crime|racis[mt]\w*|racial(?:ly)?|homophob\w*|transphob\w*|islamophob\w*|"
            r"antisemit\w*|anti-semit\w*|because (?:i'm|i am|i was|we are|we're|he's|she's|"
            r"they're|of my|of (?:his|her|their)) (?:\w+ )?(?:gay|black|muslim|jewish|disabled|"
            r"trans|asian|lesbian|bi|polish|sikh|hindu|colour|race|religion|disability|"
            r"sexuality|skin|accent|headscarf|hijab|turban|wheelchair)|"
            r"(?:n-word|p-word)|called me a (?:paki|n\w+|faggot|queer|spastic|retard))\b",
        ),
        (
            "burglary",
            rf"\b(?:burgl\w*|broke(?:n)? into (?:my |our |the |his |her )?{_HOME}|"
            rf"break-?in at (?:my|our|the) {_HOME}|"
            rf"(?:got|gone|been) in(?:to)? (?:my|our|the) {_HOME}|"
            rf"(?:my|our|the) {_HOME} (?:was|got|has been|had been) "
            r"(?:broken into|done|turned over)|"
            r"ransack\w*|came home to find|"
            r"(?:door|window|lock)s? (?:(?:had been|has been|was|were|been) )?"
            r"(?:forced|jemmied|kicked in)|(?:place|house|flat) (?:was |had been )?"
            r"(?:turned upside down|trashed|ransacked|turned over)|"
            r"forced (?:the|my|our) (?:back |front |patio )?(?:door|window|lock))\b",
        ),
        (
            "vehicle_crime",
            rf"\b(?:(?:my|our|the|his|her) {_VEHICLE}\b[^.]{{0,40}}?"
            r"(?:broken into|broke into|stolen|nicked|taken|pinched|gone|missing|window|"
            r"smashed|jacked)|"
            rf"(?:broke into|broken into|stole|nicked|took|pinched|jacked|broke in to) "
            rf"(?:my|our|the|his|her) {_VEHICLE}|"
            r"vehicle crime|car crime|catalytic converter|number plates?|"
            r"parked (?:up|it|the car|my car|the van|my van)|"
            r"(?:from|out of|in) (?:my|the|our) (?:car|van|boot|glovebox)|"
            rf"(?:back|came back|got back|returned) to (?:my|our|the) {_VEHICLE}\b[^.]*?"
            r"(?:window|smashed|broken|took|taken|stolen|nicked|gone))\b",
        ),
        (
            "assault",
            r"\b(?:punched|hit (?:me|him|her|us|my)|attacked|assaulted|beat (?:me|him|her|us) up|"
            r"beaten up|kicked (?:me|him|her|us)|head-?butt\w*|glassed|slapped|"
            r"pushed (?:me|him|her)|shoved|spat (?:at|on)|bit (?:me|him|her)|strangled|"
            r"choked|jumped (?:me|him|her|us)|got jumped|jumped by|set upon|battered|assault|"
            r"threw (?:\w+ ){0,3}(?:at|over) (?:me|him|her|us)|grabbed (?:me|my arm|my hair|"
            r"hold of me|my throat)|dragged (?:me|him|her)|pinned (?:me|him|her))\b",
        ),
        (
            "harassment",
            r"\b(?:harass\w*|stalk\w*|keeps? (?:messaging|texting|calling|ringing|turning up|"
            r"following|contacting)|won'?t leave (?:me|us) alone|threatening (?:messages|texts|"
            r"calls|letters)|abusive (?:messages|texts|calls)|following me|"
            r"bombarding|intimidat\w*|revenge porn|sharing (?:my )?(?:pictures|photos|nudes)|"
            r"(?:won'?t|will not|doesn'?t|does not|wouldn'?t) stop (?:messaging|texting|calling|"
            r"ringing|contacting|following|turning up|bothering)|shouts? abuse|shouting abuse|"
            r"abuse at me|left (?:a|another) note|(?:'d|had) better watch (?:myself|yourself|out)|"
            r"every (?:single )?time I (?:leave|go out|walk))\b",
        ),
        (
            "criminal_damage",
            r"\b(?:smashed|vandal\w*|graffiti\w*|keyed|slashed|damaged|damage|spray ?painted|"
            r"egged|kicked in|kicked (?:my|the|our) (?:door|fence|gate|car)|"
            r"broke (?:my|our|the) (?:window|fence|door|gate|wing mirror)|"
            r"set fire to|burnt out|dented|scratched|(?:threw|thrown|chucked|lobbed) (?:a |an )?"
            r"(?:brick|stone|rock|bottle|egg)s? (?:through|at))\b",
        ),
        (
            "theft",
            r"\b(?:stole|stolen|nicked|pinched|swiped|robbed|snatched|shoplift\w*|"
            r"(?<!nearly )(?<!almost )took (?:my|our|his|her|£\d)|"
            r"robbed (?:my|our|his|her)|taken|theft|thief|thieves|"
            r"pickpocket\w*|mugged|lifted my|"
            r"(?:is|was|went|has gone|gone) missing from|nabbed|had away|made off with)\b",
        ),
        (
            "drugs",
            r"\b(?:drug\w*|dealing|dealer|cannabis|weed|skunk|crack|cocaine|coke|heroin|"
            r"county lines|spice|ket|smell of (?:weed|cannabis)|needles|cuckoo\w*)\b",
        ),
        (
            "asb",
            r"\b(?:anti-?social|youths|gang of (?:kids|youths|lads|teenagers)|kids (?:hanging|"
            r"causing|shouting|throwing|messing|riding|on (?:motor ?bikes|scramblers|quads?))|"
            r"racing up and down|scramblers|nuisance (?:neighbours|behaviour)|"
            r"throwing stones|fireworks at|off-?road bikes?|quad bikes?|drinking in the|"
            r"loitering|intimidating (?:people|residents)|rowdy)\b",
        ),
        (
            "road_offence",
            r"\b(?:speeding|dangerous(?:ly)? driv\w*|drink[- ]driv\w*|drunk driv\w*|drug driv\w*|"
            r"no insurance|uninsured|ran a red|jumped (?:the|a) (?:red )?lights?|cut me up|"
            r"road rage|driving on the pavement|on (?:his|her|their) phone (?:while|whilst) "
            r"driving|tailgat\w*|boy racers|undertook|"
            r"nearly hit me|no licence|hit and run|hit my (?:parked )?car|"
            r"(?:rode|drove|went|riding|driving|cycling) (?:\w+ ){0,3}(?:on|along|down) "
            r"the pavement|"
            r"mounted the pavement|nearly took my \w+(?: end)? off|cut across)\b",
        ),
    )
)

# Words that say something happened to the person, without saying what kind of crime.
_SOMETHING_HAPPENED = re.compile(
    r"\b(?:someone|somebody|they|a (?:man|woman|lad|guy|bloke|group)|some (?:lads|kids|guys))\b"
    r"[^.]{0,60}?\b(?:my|me|our|us)\b|\b(?:report (?:a|an) (?:crime|incident)|"
    r"victim of|happened to (?:me|us|my))\b",
    re.I,
)


# Single words that are enough once the person has been asked which kind of report it is
# ("it was my car", "the house"), tried after the full patterns.
_ANSWER_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (family, re.compile(pattern, re.I))
    for family, pattern in (
        ("fraud", r"\b(?:scam|fraud|online|bank|card|money)\b"),
        ("hate_crime", r"\b(?:hate|race|religion|gay|disab\w*)\b"),
        ("burglary", rf"\b(?:{_HOME}|break-?in|broke in)\b"),
        ("vehicle_crime", rf"\b(?:{_VEHICLE}|cars|vans)\b"),
        ("assault", r"\b(?:hit|punch\w*|attack\w*|fight|violence|assault\w*)\b"),
        ("harassment", r"\b(?:messages|texts|threat\w*|following|ex)\b"),
        ("criminal_damage", r"\b(?:damage\w*|window|fence|graffiti|broken)\b"),
        ("theft", r"\b(?:phone|bike|bicycle|wallet|purse|bag|laptop|stole\w*|nicked|taken|took)\b"),
        ("drugs", r"\b(?:drug\w*|weed|dealing)\b"),
        ("road_offence", r"\b(?:driv\w*|speed\w*|road)\b"),
        ("asb", r"\b(?:noise|kids|youths|neighbours?|nuisance)\b"),
    )
)


# Hostility because of who someone is, said without the word "hate": who they are and what
# was done to them, anywhere in the story ("my son is autistic ... calling him names").
_IDENTITY = re.compile(
    r"\b(?:autistic|autism|disabled|disability|wheelchair|learning (?:disability|difficulties)|"
    r"down'?s syndrome|deaf|blind|gay|lesbian|bisexual|trans|transgender|black|asian|muslim|"
    r"jewish|sikh|hindu|polish|romanian|immigrant|refugee|headscarf|hijab|turban)\b",
    re.I,
)
_HOSTILITY = re.compile(
    r"\b(?:call(?:ing|ed|s)? (?:him|her|me|us|them) (?:names|a \w+)|names at|abuse|abusive|"
    r"mock\w*|taunt\w*|slurs?|go back to|spat at|laugh(?:ing|ed) at)\b",
    re.I,
)


def crime_family(text: str, *, answering_which: bool = False) -> str | None:
    """The report's crime type (as in `report_spec.INTENT_TO_CRIME_TYPE`), or None.

    ``answering_which``: the person was just asked which kind of report it is, so one word
    ("my car") is enough.
    """
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return None
    text = spell_out(text)
    for family, pattern in _FAMILIES:
        if family == "burglary" and _IDENTITY.search(text) and _HOSTILITY.search(text):
            return "hate_crime"  # tried after fraud and the explicit hate words
        if pattern.search(text):
            return family
    if answering_which:
        for family, pattern in _ANSWER_CUES:
            if pattern.search(text):
                return family
    return None


def words_fit(family: str, text: str) -> bool:
    """True when the text has any of the words of ``family`` (so an intent of that family
    is not contradicted by the words)."""
    pattern = dict(_FAMILIES).get(family)
    return bool(pattern is not None and isinstance(text, str) and pattern.search(spell_out(text)))


def sounds_like_crime(text: str) -> bool:
    """True when the words describe something done to the person, known family or not."""
    return crime_family(text) is not None or bool(
        isinstance(text, str) and _SOMETHING_HAPPENED.search(text)
    )
