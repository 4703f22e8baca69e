"""Facts given in passing: when, where, what was taken or damaged, its value, a registration,
injuries, evidence, the reporter's name and contact details, a case reference.

"My van was broken into last night on Stratford Road and they took my tools" answers three
questions of the report form at once. Each finder picks out the words that answer one
question; a phrase is only kept when the same validator that checks a typed answer
(`triage.validation`) accepts it, so a fact found here is never worse than an answer.
Finders favour precision: a fact missed is asked for (one more turn); a wrong fact would be
shown back to the person and need correcting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from triage.understanding.text_speak import spell_out
from triage.validation import (
    parse_contact,
    parse_free_text,
    parse_money,
    parse_name,
    parse_place,
    parse_reference,
    parse_vehicle_reg,
    parse_when,
)
from triage.validation.place import find_postcode

# --- when ------------------------------------------------------------------------------------

_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WEEKDAY_SHORT = r"(?:mon|tues?|weds?|thurs?|fri|sat|sun)"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_PART = r"(?:morning|afternoon|evening|night|lunchtime|lunch time|teatime|tea time)"
_COUNT = (
    r"(?:\d{1,2}|an?|one|two|three|four|five|six|ten|twenty|thirty|few|a few|couple of|"
    r"a couple of)"
)
_WHEN_PIECES = re.compile(
    r"|".join(
        (
            rf"\b(?:this|last|yesterday|tomorrow) {_PART}\b",
            r"\b(?:yesterday|today|tonight|overnight|just now|earlier today|tomorrow)\b",
            r"\b(?:the night|the day) before (?:last|yesterday)\b",
            rf"\b(?:on |last |this (?:past )?)?{_WEEKDAY}(?: {_PART})?\b",
            rf"\b(?:on |last )?{_WEEKDAY_SHORT}\.? {_PART}\b",
            rf"\b{_COUNT} (?:minutes?|mins?|hours?|hrs?|days?|weeks?) ago\b",
            r"\b(?:last|this|past) (?:week|weekend|month)\b",
            r"\b(?:at|over) the weekend\b|\bearlier this week\b",
            rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}(?: \d{{4}})?\b",
            rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?(?: \d{{4}})?\b",
            r"(?<![\d/])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d/])",
            r"\b(?:at |about |around |approx\w* |roughly |just after |just before |gone )?"
            r"\d{1,2}(?:[:.]\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.)",
            r"\b(?:at |about |around |roughly |just after |just before |gone )?"
            r"\d{1,2}[:.][0-5]\d\b",
            r"\b(?:at |about |around )?\d{1,2}(?: o'?clock|ish)\b",
            r"\b(?:at |about |around )?(?:midnight|midday|noon)\b",
            rf"\bin the (?:early hours|{_PART})\b|\bat (?:night|lunchtime|teatime)\b",
            r"\bthe early hours\b",
            r"\b(?:every|most|each) (?:other )?(?:night|day|evening|morning|weekend|week)s?\b",
            r"\b(?:for|over) (?:the )?(?:past|last) (?:few |couple of )?"
            r"(?:days?|weeks?|months?|years?)\b",
            r"\ball (?:day|night)(?: long)?\b",
        )
    ),
    re.I,
)


_TIME_OF_DAY = re.compile(
    rf"\d(?:am|pm|[:.]\d)|\b(?:{_PART}|midnight|midday|noon|o'?clock|early hours)\b", re.I
)


def when_words(text: str) -> str | None:
    """The time words of a sentence joined in order ("last night about 11pm"), unchecked."""
    pieces = [match.group(0) for match in _WHEN_PIECES.finditer(spell_out(text))]
    return " ".join(pieces) if pieces else None


def find_when(text: str, now: datetime) -> str | None:
    """The time words of a sentence, joined in order, when they make a valid time."""
    pieces = [match.group(0) for match in _WHEN_PIECES.finditer(spell_out(text))]
    if not pieces:
        return None
    phrase = " ".join(pieces)
    parsed = parse_when(phrase, now)
    if parsed.ok:
        return phrase
    if parsed.error == "future_time":
        return None
    # several times in one story ("away since Friday, got back yesterday teatime"): the one
    # that names a time of day is the moment, else the first
    valid = [piece for piece in pieces if parse_when(piece, now).ok]
    timed = [piece for piece in valid if _TIME_OF_DAY.search(piece)]
    return next(iter(timed or valid), None)
    # one piece alone may still be good ("last night" beside a stray "9/10 times")
    return next((piece for piece in pieces if parse_when(piece, now).ok), None)


# --- where -----------------------------------------------------------------------------------

_STREET_WORD = (
    r"(?:road|rd|street|lane|avenue|ave|drive|close|way|crescent|place|gardens|terrace|square|"
    r"hill|grove|court|row|walk|parade|broadway|boulevard|mews|green|park|precinct|estate)"
)
# Street words that are also everyday words ("the whole place", "the car park", "way"):
# a street only after a capitalised name ("St James's Place", "Rowan Drive").
_EVERYDAY_STREET_WORDS = frozenset(
    {
        "place",
        "park",
        "green",
        "hill",
        "court",
        "row",
        "walk",
        "way",
        "square",
        "close",
        "drive",
        "estate",
        "precinct",
        "grove",
        "gardens",
        "terrace",
        "parade",
    }
)
# "17 Heol Las, Cardiff": a house number and a capitalised name, before a comma or postcode.
_HOUSE_ADDRESS = re.compile(
    r"\b\d{1,4}[a-zA-Z]? (?:[A-Z][\w'’-]+ ){0,2}[A-Z][\w'’-]+(?=\s*,|\s+[A-Z]{1,2}\d)"
)


def _address(text: str) -> str | None:
    match = _HOUSE_ADDRESS.search(text)
    return match.group(0) if match is not None else None


# Words that end a place name when walking back from "Road" ("night on Stratford Road").
_NOT_NAME = frozenset(
    """a an the my our his her their your on in at near outside by from of to into onto off
    opposite behind past down up along round around and or but was were is it they he she i we
    last night yesterday today this that then when while just car van bike parked been
    got had have has went came left walking driving stolen nicked taken broken smashed damaged
    someone somebody me him them us""".split()  # noqa: SIM905
)
_STREET = re.compile(rf"\b{_STREET_WORD}\b", re.I)
# "St" only after a capitalised name ("Oak st"): alone it is too often "saint" or a typo.
_ST_ABBREVIATION = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)? [Ss]t\b\.?")
_HOUSE_NUMBER = re.compile(r"\b\d{1,4}[a-z]?$", re.I)
_LANDMARK = (
    r"(?:train station|railway station|bus station|bus stop|station|car park|multi-?storey|"
    r"supermarket|shop|shops|corner shop|newsagents?|pub|bar|club|nightclub|library|gym|"
    r"hospital|leisure centre|shopping centre|town centre|city centre|high street|market|"
    r"school|college|university|uni|church|mosque|temple|cinema|petrol station|garage|"
    r"takeaway|chippy|park|playground|retail park|industrial estate|tesco|asda|aldi|lidl|"
    r"sainsbury'?s|morrisons|co-?op|spoons|wetherspoons?|mcdonald'?s|kfc|greggs|boots|primark|"
    r"argos|b&q|ikea|costa|starbucks|subway|bus|train|tram|tube|metro|field|playing fields?|"
    r"woods|canal|river|alley|alleyway|back lane|beach|shopping precinct|nandos|wetherspoons)"
)
_LANDMARK_PHRASE = re.compile(
    r"\b(?:outside|opposite|behind|near|next to|in front of|at|in|on|by|from|round the back of|"
    r"down|up|across|along|round|around)\s+"
    rf"(?:the\s+|a\s+)?(?:[\w'’&-]+\s+){{0,2}}?{_LANDMARK}\b",
    re.I,
)
_ROAD_NUMBER = re.compile(
    r"\b(?:on|along|down|up|off|near|at|by) (?:the )?(?P<road>[ABM]\d{1,4}(?:\([M]\))?)\b"
)
_CORNER = re.compile(
    r"\bcorner of (?P<a>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?(?: (?:st|street|road|rd|lane|avenue))?)"
    r"(?: and (?P<b>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)?(?: (?:st|street|road|rd|lane|avenue))?))?",
    re.I,
)
_BESIDE_PLACE = re.compile(
    r"\b(?:outside|opposite|behind|next to|in front of|round the back of)\s+"
    r"(?P<name>(?:the\s+)?[\w'’&-]+(?:\s+[\w'’&-]+)?)"
)
_NAMED_PLACE = re.compile(
    r"\b(?:outside|opposite|behind|near|next to|in front of|at|in)\s+"
    r"(?:the\s+)?(?P<name>[A-Z][\w'’&-]+(?:\s+[A-Z][\w'’&-]+){0,2})"
)
# Capitalised words that follow "at" or "in" without being a place.
_NOT_PLACE_NAMES = frozenset(
    """I I'm The A An My It This That He She They We Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April May June July August September October
    November December Christmas Easter Police A&E Hospital""".split()  # noqa: SIM905
)


def _street(text: str) -> str | None:
    for match in _STREET.finditer(text):
        before = text[: match.start()].split()
        words: list[str] = []
        for word in reversed(before):
            bare = word.strip(",.;:!?()\"'").casefold()
            if not bare or bare in _NOT_NAME or not re.fullmatch(r"[\w'’-]+", bare):
                break
            words.insert(0, word.strip(",.;:!?()\"'"))
            if len(words) == 3:
                break
        if not words or all(_HOUSE_NUMBER.fullmatch(word) for word in words):
            continue
        if (
            match.group(0).casefold() in _EVERYDAY_STREET_WORDS
            and not words[-1][:1].isupper()
            and not _HOUSE_NUMBER.fullmatch(words[0])
        ):
            continue  # "the car park", "the whole place": not a street; "14 elm close" is
        return " ".join([*words, match.group(0)])
    abbreviated = _ST_ABBREVIATION.search(text)
    return abbreviated.group(0) if abbreviated is not None else None


_FROM = re.compile(r"^from\s+", re.I)


def _place_words(words: str) -> bool:
    """Words after "outside" that can name a place ("maccies", "the chippy"), not "my house"
    (an address is needed) or a time ("outside yesterday")."""
    bare = [word.casefold().strip(",.") for word in words.split()]
    return bool(bare) and not any(
        word in _NOT_NAME or word in ("house", "home", "flat", "door", "window")
        for word in bare
        if word != "the"
    )


def find_place(text: str) -> str | None:
    """Landmark, street or address and postcode, as far as the sentence gives them."""
    parts: list[str] = []
    street = _street(text) or _address(text)
    landmark = _LANDMARK_PHRASE.search(text)
    if landmark is not None:
        parts.append(_FROM.sub("", landmark.group(0)))
    elif street is None:
        # a capitalised name after "in" or "at" ("in Leeds", "at the Grand") only when no
        # street says more ("staying at my sister's in Swansea ... 17 Heol Las, Cardiff")
        named = _NAMED_PLACE.search(text)
        if named is not None and named.group("name").split()[0] not in _NOT_PLACE_NAMES:
            parts.append(named.group(0))
        elif (beside := _BESIDE_PLACE.search(text)) is not None and _place_words(
            beside.group("name")
        ):
            parts.append(beside.group(0).split(",")[0])
    corner = _CORNER.search(text)
    if corner is not None:
        parts.append(corner.group(0))
    if street is not None and not any(street.casefold() in part.casefold() for part in parts):
        parts.append(street)
    road = _ROAD_NUMBER.search(text)
    if road is not None:
        parts.append(f"the {road.group('road')}")
    postcode = find_postcode(text)
    if postcode is not None and postcode.ok and postcode.value:
        parts.append(postcode.value)
    if not parts:
        return None
    phrase = ", ".join(parts)
    return phrase if parse_place(phrase).ok else None


def more_exact_place(held: str, found: str) -> str | None:
    """The place held, with the street or postcode a later message adds ("at our mosque",
    then "Carlisle Road, BD8 8AD"); None when the new words add neither."""
    adds_postcode = find_postcode(found) is not None and find_postcode(held) is None
    street = _street(found) or _address(found)
    adds_street = street is not None and street.casefold() not in held.casefold()
    if not (adds_postcode or adds_street):
        return None
    extra = [part for part in found.split(", ") if part.casefold() not in held.casefold()]
    phrase = ", ".join([held, *extra])
    return phrase if parse_place(phrase).ok else None


# --- what was taken or damaged ---------------------------------------------------------------

_OBJECT_END = (
    r"(?=\s+(?:from|off|out of|outside|on|at|in|inside|while|whilst|when|last|yesterday|"
    r"this|earlier|today|tonight|and (?:then|ran|drove|legged|made|went|left|smashed|"
    r"broke|got|jumped|sped|scarpered|\w+ed)|then|but|so|because|before|after|about|around|near)\b"
    r"|\s*[.,;!?]|\s*$)"
)
_TAKE_VERBS = (
    r"(?:took|stole|nicked|pinched|swiped|grabbed|snatched|nabbed|lifted|made off with|"
    r"had away|ran off with|run off with|robbed me of|mugged me for|robbed(?= (?:my|our|his|her)))"
)
_TAKEN_STATES = r"(?:stolen|nicked|taken|pinched|swiped|snatched|robbed|gone|missing|lifted)"
_DAMAGE_VERBS = (
    r"(?:smashed|broke|damaged|keyed|scratched|slashed|kicked in|kicked|spray ?painted|"
    r"sprayed|graffitied|dented|set fire to|burnt|burned|vandalised|vandalized|trashed|"
    r"cracked|egged|snapped|ripped off|pulled off)"
)
_DAMAGED_STATES = (
    r"(?:smashed|broken|damaged|keyed|scratched|slashed|kicked in|spray ?painted|sprayed|"
    r"graffitied|dented|burnt|burned|vandalised|vandalized|trashed|cracked|egged|snapped|"
    r"in pieces|caved in)"
)
_OBJ = r"(?P<obj>[\w'’£-]+(?:\s+[\w'’£-]+){0,7}?)"
_TAKEN_ACTIVE = re.compile(rf"(?<!nearly )(?<!almost )\b{_TAKE_VERBS}\s+{_OBJ}{_OBJECT_END}", re.I)
_TAKEN_OFF = re.compile(
    r"(?<!nearly )(?<!almost )\b(?:sawn|sawed|cut|ripped|pulled|had|taken|took|nicked|"
    r"unbolted|prised|jacked)\s+"
    r"(?P<obj>(?:both |all )?(?:the|my|our|his|her|their)\s+[\w'’-]+"
    r"(?:\s+(?!and\b|then\b)[\w'’-]+){0,3}?)\s+(?:off|out)\b",
    re.I,
)
_GONE = re.compile(
    r"\b(?:my|our|his|her|their|the)\s+(?P<obj>[\w'’-]+(?:\s+[\w'’-]+){0,2}?)\s+"
    r"(?:all\s+)?(?:gone|missing)\b",
    re.I,
)
_TAKEN_PASSIVE = re.compile(
    r"\b(?:my|our|his|her|their|the)\s+(?P<obj>(?:[\w'’-]+\s+){0,4}?[\w'’-]+)\s+"
    rf"(?:was|were|has been|have been|got|had been|'s been|is|are|went)\s+"
    rf"(?:all\s+)?{_TAKEN_STATES}\b|"
    r"\b(?:my|our|his|her|their|the)\s+(?P<obj2>[\w-]+)(?:'s|’s) been\s+"
    rf"{_TAKEN_STATES}\b",
    re.I,
)
_DAMAGE_ACTIVE = re.compile(
    rf"\b{_DAMAGE_VERBS}\s+(?P<obj>(?:my|our|his|her|their|the)\s+[\w'’-]+(?:\s+[\w'’-]+){{0,4}}?)"
    rf"{_OBJECT_END}",
    re.I,
)
_DAMAGE_THROUGH = re.compile(
    r"\b(?:threw|thrown|chucked|lobbed|put) (?:a |an |some )?\w+ (?:through|at) "
    r"(?P<obj>(?:my|our|his|her|their|the)\s+[\w'’-]+(?:\s+[\w'’-]+){0,2}?)"
    rf"{_OBJECT_END}",
    re.I,
)
_DAMAGE_PASSIVE = re.compile(
    r"\b(?:my|our|his|her|their|the)\s+(?P<obj>(?:[\w'’-]+\s+){0,4}?[\w'’-]+)\s+"
    rf"(?:was|were|has been|have been|got|had been|'s been|is|are)\s+(?:all\s+)?"
    rf"{_DAMAGED_STATES}",
    re.I,
)
_PRONOUNS = frozenset({"it", "them", "everything", "stuff", "something", "things", "one"})
# "grabbed my arm" is an assault, not a theft of an arm.
_BODY = re.compile(
    r"^(?:arm|arms|hand|hands|hair|neck|face|wrist|leg|legs|shoulder|throat|head|nose|"
    r"mouth|eye|eyes|ear|back|chest|stomach|finger|fingers|foot|feet)$",
    re.I,
)
_LEADING_OWNER = re.compile(r"^(?:my|our|his|her|their|the)\s+", re.I)


_NOT_AN_OBJECT_START = frozenset(
    """on in at from off out outside inside while whilst when last this yesterday today
    earlier tonight and then but so because before after about around near into by""".split()  # noqa: SIM905
)


def _tidy_object(raw: str) -> str | None:
    words = raw.split()
    if not words or words[0].casefold() in _NOT_AN_OBJECT_START:
        return None
    obj = _LEADING_OWNER.sub("", " ".join(words).strip(" ,.")).strip()
    obj = re.sub(r"^(?:both|all)\s+(?:the|my|our)\s+", "", obj, flags=re.I)
    if not obj or obj.casefold() in _PRONOUNS or obj.casefold().startswith(("it ", "them ")):
        return None
    if _BODY.match(obj):
        return None
    return obj


def _objects(text: str, patterns: tuple[re.Pattern[str], ...]) -> str | None:
    found: list[str] = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            obj = _tidy_object(match.group("obj") or match.groupdict().get("obj2") or "")
            if obj and not any(obj.casefold() in seen.casefold() for seen in found):
                found.append(obj)
    if not found:
        return None
    phrase = " and ".join(found)
    return phrase if parse_free_text(phrase, min_letters=3).ok else None


def find_taken(text: str) -> str | None:
    """What was stolen ("they took my tools" -> "tools")."""
    return _objects(text, (_TAKEN_ACTIVE, _TAKEN_PASSIVE, _TAKEN_OFF, _GONE))


_GRAFFITI = re.compile(r"\b(?:graffiti|graffitied|spray ?paint(?:ed)?|tagged|daubed)\b", re.I)


def find_damaged(text: str) -> str | None:
    """What was damaged ("someone keyed my car" -> "car"; graffiti: the words about it)."""
    found = _objects(text, (_DAMAGE_ACTIVE, _DAMAGE_THROUGH, _DAMAGE_PASSIVE))
    graffiti = _GRAFFITI.search(text)
    if found is None and graffiti is not None:
        words = re.split(r"[.,;!?]", text[graffiti.start() :], maxsplit=1)[0].strip()
        return words if parse_free_text(words, min_letters=3).ok else None
    return found


# --- value, registration, contact, name, reference --------------------------------------------

_MONEY = re.compile(
    r"(?:£\s?\d[\d,]*(?:\.\d{1,2})?\s?(?:k|grand)?|"
    r"\b\d[\d,]*(?:\.\d{1,2})?\s?(?:quid|pounds|grand)\b)",
    re.I,
)


def find_value(text: str) -> str | None:
    """A sum of money ("worth about £600", "300 quid")."""
    match = _MONEY.search(text)
    if match is None:
        return None
    amount = match.group(0).strip()
    return amount if parse_money(amount).ok else None


_BARE_AMOUNT = re.compile(
    r"(?<![\w/:.])\d{1,3}(?:,\d{3})+(?![\w/:])|(?<![\w/:.])\d+(?:\.\d{2})?(?![\w/:])"
)


def find_amount(text: str) -> str | None:
    """A sum when the question was about money: a bare number counts ("dunno yet, maybe
    400"), which it would not in a story."""
    found = find_value(text)
    if found is not None:
        return found
    numbers = _BARE_AMOUNT.findall(text)
    if len(numbers) != 1:
        return None
    return numbers[0] if parse_money(numbers[0]).ok else None


_REG = re.compile(r"\b(?:[A-Z]{2}\d{2}\s?[A-Z]{3}|[A-Z]\d{1,3}\s?[A-Z]{3})\b", re.I)


def find_vehicle_reg(text: str) -> str | None:
    """A UK registration ("AB12 CDE")."""
    for match in _REG.finditer(text):
        if parse_vehicle_reg(match.group(0)).ok:
            return match.group(0)
    return None


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d+])(?:\+44\s?\(?0?\)?\s?|0)\d(?:[\s-]?\d){8,9}(?!\d)")


def find_contact(text: str) -> str | None:
    """An email address or UK phone number anywhere in the text."""
    for pattern in (_EMAIL, _PHONE):
        match = pattern.search(text)
        if match is not None and parse_contact(match.group(0)).ok:
            return match.group(0)
    return None


_NAME = re.compile(
    r"\b(?:my name is|my name's|my names|i am called|i'm called)\s+"
    r"(?P<name>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,2})",
    re.I,
)
_NAME_STOP = frozenset({"and", "i", "my", "from", "at", "on", "in", "but", "so", "the"})


def find_name(text: str) -> str | None:
    """The reporter's name when they say it ("my name is Sam Patel")."""
    match = _NAME.search(text)
    if match is None:
        return None
    words: list[str] = []
    for word in match.group("name").split():
        if word.casefold() in _NAME_STOP:
            break
        words.append(word)
    name = " ".join(words)
    return name if name and parse_name(name).ok else None


_REFERENCE = re.compile(r"\b(?:BL|RC)[\s-]?[0-9A-Z]{4}[\s-]?[0-9A-Z]{4}\b", re.I)


def find_reference(text: str) -> str | None:
    """A case reference or receipt code with a correct check character."""
    for match in _REFERENCE.finditer(text):
        parsed = parse_reference(match.group(0).replace(" ", "-"))
        if parsed.ok and isinstance(parsed.value, str):
            return parsed.value
    return None


def find_verify_detail(text: str) -> str | None:
    """An email, phone number or postcode given to prove a case is theirs."""
    contact = find_contact(text)
    if contact is not None:
        return contact
    postcode = find_postcode(text)
    if postcode is not None and postcode.ok and postcode.value:
        return postcode.value
    return None


# --- injuries, evidence, the person who did it ---------------------------------------------

_NOT_HURT = re.compile(
    r"\b(?:no ?one|nobody) (?:was|got) (?:hurt|injured)\b|"
    r"\b(?:i|he|she|they|we) (?:wasn'?t|was not|weren'?t|were not|didn'?t get|did not get) "
    r"(?:hurt|injured)\b|\bno injuries\b|\bnot (?:hurt|injured)\b",
    re.I,
)
_INJURY = re.compile(
    r"\b(?:black eye|broken (?:nose|arm|wrist|jaw|ribs?|fingers?|tooth|teeth|leg|hand)|"
    r"(?:split|bust|busted|fat|cut) lip|broke (?:my|his|her) (?:nose|arm|wrist|jaw|ribs?|"
    r"fingers?|leg|hand|tooth|teeth)|ended up in (?:a&e|hospital)|"
    r"cut (?:on )?(?:my |his |her )?(?:head|face|hand|arm|eye|chin|lip)(?: open)?|glued|"
    r"bruis\w+|bleeding|stitches|concussion|(?:swollen|sprained) \w+|head injury|"
    r"knocked (?:me |him |her )?out|nosebleed|cuts and bruises|chipped (?:a )?tooth)\b",
    re.I,
)


def find_injuries(text: str) -> str | None:
    """Injuries named in the story, or "none" when they say nobody was hurt."""
    if _NOT_HURT.search(text):
        return "none"
    found: list[str] = []
    for match in _INJURY.finditer(text):
        words = match.group(0).casefold()
        if words not in found:
            found.append(words)
    return ", ".join(found) if found else None


_CLAUSES = re.compile(r"[.;!?]+|,\s*(?:but|and|so)\b|\bbut\b")
_NO_EVIDENCE = re.compile(
    r"\b(?:no (?:cctv|cameras?|witnesses|footage|evidence)|nobody saw|no one saw|noone saw)\b",
    re.I,
)
_EVIDENCE = re.compile(
    r"\b(?:cctv|cameras?|doorbell|ring (?:doorbell|camera)|dash ?cam|footage|video|filmed|"
    r"recorded it|photos?|pictures?|witness(?:es)?|saw (?:it|everything|the whole thing))\b",
    re.I,
)
_NO_SUSPECT = re.compile(
    r"\b(?:didn'?t|did not|never) (?:see|get a look at) (?:them|who|anyone|anybody|him|her|"
    r"the person)\b(?!.*?\b(?:properly|clearly|well|much)\b)|\bno idea who\b",
    re.I,
)


def _clause(text: str, pattern: re.Pattern[str]) -> str | None:
    for clause in _CLAUSES.split(text):
        if pattern.search(clause):
            cleaned = " ".join(clause.split()).strip(" ,")
            if parse_free_text(cleaned, min_letters=2).ok:
                return cleaned
    return None


_HOSTILITY = re.compile(
    r"\b(?:because (?:i'm|i am|i was|we are|we're|he's|she's|they're|of (?:my|his|her|their)|"
    r"(?:i|he|she|they) (?:am|is|are|was|were|look|looked|wear|wore))\b[^.;!?]{2,80}|"
    r"(?:racist|racial|homophobic|transphobic|islamophobic|antisemitic|anti-semitic|"
    r"disablist|sectarian) (?:abuse|slurs?|comments?|names?|remarks?|language|attack)|"
    r"called (?:me|him|her|us) (?:a |an )?[\w-]+ (?:because|for being)[^.;!?]{2,60})",
    re.I,
)


def find_hate_motivation(text: str) -> str | None:
    """Why the person thinks it was hostility ("because I'm Black", "racist abuse")."""
    found: list[str] = []
    for match in _HOSTILITY.finditer(text):
        words = " ".join(match.group(0).split()).strip(" ,")
        if words not in found:
            found.append(words)
    phrase = "; ".join(found)
    return phrase if found and parse_free_text(phrase, min_letters=3).ok else None


def find_evidence(text: str) -> str | None:
    """CCTV, footage or witnesses mentioned ("my neighbour's ring doorbell got it")."""
    if _NO_EVIDENCE.search(text):
        return "none"
    return _clause(text, _EVIDENCE)


_PERSON = re.compile(
    r"\b(?:man|men|woman|women|lad|lads|guy|guys|bloke|blokes|boy|boys|girl|girls|teenagers?|"
    r"kids|youths|he|she|they|him|her|them|suspect|driver|rider|cyclist|passenger)\b",
    re.I,
)
_LOOKS = re.compile(
    r"\b(?:wearing|wore|tall|short|skinny|slim|stocky|heavy|build|aged|beard|bald|shaved head|"
    r"tattoo\w*|hoodie|hoody|jacket|cap|trackies|tracksuit|coat|glasses|scar|ginger|blonde?|"
    r"(?:dark|brown|black|grey|red|fair) hair|in (?:his|her|their) (?:teens|twenties|thirties|"
    r"forties|fifties|20s|30s|40s|50s)|about \d{2}|\d{2} ?(?:years old|yrs))\b",
    re.I,
)


def find_suspect(text: str) -> str | None:
    """Who did it: a clause naming a person and how they looked ("a tall lad in a grey
    hoodie"), or 'none given' when the person says they did not see them."""
    if _NO_SUSPECT.search(text):
        return "none given"
    for clause in _CLAUSES.split(text):
        if _PERSON.search(clause) and _LOOKS.search(clause):
            cleaned = " ".join(clause.split()).strip(" ,")
            if parse_free_text(cleaned, min_letters=2).ok:
                return cleaned
    return None


# --- the account itself -----------------------------------------------------------------------

_FRAMING = re.compile(
    r"^(?:(?:hi|hello|hey|hiya|morning|evening|afternoon)\b[\s,!.]*)?"
    r"(?:(?:i|we)(?:'d| would)? (?:like|want|need|wanna|wish) to "
    r"(?:report|make a report(?: of| about)?|tell you about)|"
    r"(?:i'm|i am|we're|we are) (?:reporting|contacting you about|messaging about)|"
    r"(?:can|could|how do|how can) (?:i|we) report|i want to report|reporting|report)\b"
    r"(?:\s+(?:a|an|that|some|of|about))?",
    re.I,
)
MIN_ACCOUNT_WORDS = 5


def asks_to_report(text: str) -> bool:
    """True when the message asks to report something ("I want to report a vehicle crime")."""
    return bool(_FRAMING.match(" ".join(text.split()))) and bool(re.search(r"\breport", text, re.I))


def is_account(text: str) -> bool:
    """True when the message tells what happened, not only which kind of report it is.

    "I want to report a stolen bike" names the report; "my bike was nicked from outside
    the library yesterday" is an account an officer can read.
    """
    remainder = _FRAMING.sub("", " ".join(text.split())).strip(" ,.!?")
    words = re.findall(r"[^\W\d_][\w'’-]*", remainder)
    return len(words) >= MIN_ACCOUNT_WORDS and parse_free_text(remainder, min_letters=10).ok


# --- all together ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """Phrases found for report questions, keyed by slot name (each one would be accepted)."""

    found: dict[str, str] = field(default_factory=dict)

    def get(self, slot: str) -> str | None:
        return self.found.get(slot)

    def __bool__(self) -> bool:
        return bool(self.found)


_Finder = Callable[[str], str | None]
_PLAIN_FINDERS: dict[str, _Finder] = {
    "incident_where": find_place,
    "property_value": find_value,
    "vehicle_reg": find_vehicle_reg,
    "injuries": find_injuries,
    "hate_motivation": find_hate_motivation,
    "suspect_description": find_suspect,
    "evidence": find_evidence,
    "reporter_name": find_name,
    "reporter_contact": find_contact,
    "case_reference": find_reference,
    "verify_detail": find_verify_detail,
}
_DAMAGE_FORM = "damage_form"


def facts_in(text: str, now: datetime, form: str | None = None) -> Facts:
    """Every report fact the text gives; ``form`` decides whether items were taken or damaged."""
    if not isinstance(text, str) or not text.strip() or text.startswith("/"):
        return Facts()
    text = spell_out(text)
    found: dict[str, str] = {}
    when = find_when(text, now)
    if when is not None:
        found["incident_when"] = when
    items = find_damaged(text) if form == _DAMAGE_FORM else find_taken(text)
    if items is not None:
        found["property_details"] = items
    for slot, finder in _PLAIN_FINDERS.items():
        value = finder(text)
        if value is not None:
            found[slot] = value
    return Facts(found)
