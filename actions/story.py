"""Listening like a caller-handler: the story before the form, side questions, corrections,
and what the person already said shown back once instead of asked again.

The forms ask one question at a time; people do not answer that way. These helpers let the
form validation and the report actions take every fact from what was said
(`triage.understanding`), wherever in the conversation it was said.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions import messages
from actions.conversation import (
    collected_answers,
    display_value,
    latest_text,
    latest_user_index,
)
from actions.report_spec import FORM_SLOTS, REPORT_FORMS, form_for, required_slots_for
from triage.decisions import Category
from triage.nlp.training_data import CATEGORIES_FILE, DATA_DIR, load_category_map
from triage.understanding import (
    correction_slot,
    crime_family,
    facts_in,
    is_account,
    looks_like_correction,
    merge_when,
)
from triage.understanding.corrections import new_value_words
from triage.understanding.facts import asks_to_report, when_words
from triage.validation import (
    Parsed,
    parse_contact,
    parse_description,
    parse_free_text,
    parse_money,
    parse_name,
    parse_place,
    parse_reference,
    parse_vehicle_reg,
    parse_verify_detail,
    parse_when,
)

# Actions after which earlier messages belong to a finished report, not the new one.
_REPORT_ENDS = frozenset({"action_submit_report", "action_cancel_report", "action_restart"})
# How many of the person's latest messages a new report reads its facts from.
LOOKBACK_MESSAGES = 4
# A side question is taken as one (not as the answer) only when NLU is this sure of it; a
# free-text question needs more certainty, since almost any words answer it.
SIDE_QUESTION_CONFIDENCE = 0.5
SIDE_QUESTION_CONFIDENCE_FREE_TEXT = 0.8
_FREE_TEXT_SLOTS = frozenset(
    {
        "incident_description",
        "property_details",
        "suspect_description",
        "evidence",
        "hate_motivation",
        "injuries",
        "case_update_text",
    }
)
# Small talk and "carry on" answered in the middle of a form; enquiries come from
# categories.yml.
_SMALL_TALK = frozenset(
    {"greet", "thank", "bot_challenge", "abuse", "out_of_scope", "continue_report"}
)
# Enquiries that start a form of their own: inside a report they are answers, not asides.
_NOT_ASIDES = frozenset({"track_case", "update_case"})


# A message shaped as a question: answers to the form's questions rarely are.
_QUESTION = re.compile(
    r"\?\s*$|^\s*(?:is|are|what|how|can|could|do|does|did|will|would|who|which|why|"
    r"have you|has anyone)\b",
    re.I,
)


def is_question(text: str) -> bool:
    """True when the message asks something (a question mark, or a question's first word)."""
    return bool(_QUESTION.search(text)) or "?" in text


@cache
def side_intents() -> frozenset[str]:
    """Intents that are a question beside the report (read once from categories.yml)."""
    categories = load_category_map(DATA_DIR / CATEGORIES_FILE)
    enquiries = {intent for intent, cat in categories.items() if cat is Category.ENQUIRY}
    return frozenset((enquiries | _SMALL_TALK) - _NOT_ASIDES)


def _intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    if not isinstance(intent, Mapping):
        return None, 0.0
    name = intent.get("name")
    try:
        confidence = float(intent.get("confidence") or 0.0)
    except (TypeError, ValueError):
        confidence = 0.0
    return (name if isinstance(name, str) else None), confidence


def is_side_question(tracker: Tracker, asking: str, said: Mapping[str, str]) -> bool:
    """True when the latest message is a question beside the report, not an answer to
    ``asking`` ("what time does the station open?" while asked where it happened);
    ``said``: the facts the message gives (`triage.understanding.facts_in`)."""
    name, confidence = _intent(tracker)
    if name not in side_intents():
        return False
    text = latest_text(tracker)
    if text.startswith("/"):
        return True  # a button of the side question itself
    if _QUESTION.search(text) and confidence >= SIDE_QUESTION_CONFIDENCE:
        return True  # "is the front desk at the station open?" asks; it does not answer
    if asking in said:
        return False
    needed = (
        SIDE_QUESTION_CONFIDENCE_FREE_TEXT
        if asking in _FREE_TEXT_SLOTS
        else SIDE_QUESTION_CONFIDENCE
    )
    return confidence >= needed


def report_texts(tracker: Tracker) -> list[str]:
    """What the person typed since the last report ended (buttons left out), oldest first."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        kind = event.get("event")
        name = event.get("name")
        if kind in ("restart", "session_started") or (kind == "action" and name in _REPORT_ENDS):
            break
        if kind == "action" and name == "action_start_report" and texts:
            break  # an earlier report's opening, before this one's words
        if kind == "user":
            text = event.get("text")
            if isinstance(text, str) and text.strip() and not text.startswith("/"):
                texts.append(text)
                if len(texts) == LOOKBACK_MESSAGES:
                    break
    return list(reversed(texts))


def start_facts(texts: Iterable[str], now: datetime, form: str) -> dict[str, str]:
    """Facts for a report starting now: each message's facts (later ones win), and the
    messages that tell what happened, together, as the account."""
    found: dict[str, str] = {}
    accounts: list[str] = []
    for text in texts:
        found.update(facts_in(text, now, form).found)
        if is_account(text):
            accounts.append(" ".join(text.split()))
    if accounts:
        found["incident_description"] = " ".join(accounts)
    return found


def noted_message(form: str, noted: list[tuple[str, Any]], starting: bool) -> str:
    """'I have noted ...': the facts taken from what was said, shown back once."""
    parts = [
        f"{messages.slot_label(form, slot).lower()}: {display_value(value)}"
        for slot, value in noted
        if slot != "incident_description"
    ]
    if not parts:
        return messages.NOTED_ACCOUNT if starting else messages.NOTED_ALSO_ACCOUNT
    if form not in REPORT_FORMS:  # tracking or updating a case: nothing is "sent"
        return messages.NOTED_CASE.format(facts="; ".join(parts))
    intro = messages.NOTED_FROM_STORY if starting else messages.NOTED_ALSO
    return intro.format(facts="; ".join(parts)) + " " + messages.NOTED_CHANGE_LATER


NONE = "none"
"""Stored for "no injuries" or "no evidence"."""
NONE_GIVEN = "none given"
"""Stored when the person did not see who did it."""


def parse_answer(form: str, slot: str, text: str, now: datetime) -> Parsed | None:
    """``text`` checked as the answer to ``slot`` of ``form``, as the form's validator does
    (None for a question with no such check)."""
    parsers: dict[str, Callable[[], Parsed]] = {
        "incident_when": lambda: parse_when(text, now),
        "incident_where": lambda: parse_place(text),
        "property_details": lambda: parse_free_text(text, min_letters=3),
        "property_value": lambda: parse_money(text),
        "vehicle_reg": lambda: parse_vehicle_reg(text, allow_unknown=form == "road_form"),
        "injuries": lambda: parse_free_text(text, min_letters=2, unknown_value=NONE),
        "evidence": lambda: parse_free_text(text, min_letters=2, unknown_value=NONE),
        "suspect_description": lambda: parse_free_text(
            text, min_letters=2, unknown_value=NONE_GIVEN
        ),
        "reporter_name": lambda: parse_name(text, allow_anonymous=form == "community_form"),
        "reporter_contact": lambda: parse_contact(text),
        "case_reference": lambda: parse_reference(text),
        "verify_detail": lambda: parse_verify_detail(text),
        "incident_description": lambda: parse_description(text),
    }
    parser = parsers.get(slot)
    return parser() if parser is not None else None


def answer_validator(form: str, now: datetime) -> Callable[[str, str], Any]:
    """slot, text -> the accepted value, or None when the answer would be refused."""

    def validated(slot: str, text: str) -> Any:
        parsed = parse_answer(form, slot, text, now)
        return parsed.value if parsed is not None and parsed.ok else None

    return validated


# Free-text questions whose answer can be told from another question's: an answer that
# carries no fact of its own question but facts of others is an answer to those.
_TELLABLE_SLOTS = frozenset({"injuries", "evidence", "suspect_description"})


def answered_elsewhere(asking: str, said: Mapping[str, str]) -> bool:
    """True when the latest message, whose facts are ``said``, gives none for ``asking``, a
    question whose answer can be told from another's (asked about injuries, the person
    describes who did it); the caller knows it gave facts for other questions."""
    return asking in _TELLABLE_SLOTS and asking not in said


def answered_slots(tracker: Tracker, form: str) -> list[str]:
    """The questions of ``form`` that already have an answer."""
    return [
        slot
        for slot in required_slots_for(form, tracker.slots)
        if tracker.slots.get(slot) is not None
    ]


def correction_events(
    tracker: Tracker,
    form: str,
    now: datetime,
    validated: Callable[[str, str], Any],
    exclude: str | None = None,
) -> tuple[str, Any] | None:
    """(slot, new value) when the latest message corrects an earlier answer of ``form``."""
    said = latest_text(tracker)
    if not said or said.startswith("/") or not looks_like_correction(said):
        return None
    text = new_value_words(said)
    found = dict(facts_in(text, now, form).found)
    words = when_words(text)
    if words and "incident_when" not in found:
        found["incident_when"] = words  # "it was 4pm": checked below with the day kept
    answered = [slot for slot in answered_slots(tracker, form) if slot != exclude]
    slot = correction_slot(text, answered, list(found))
    if slot is None:
        return None
    raw = found[slot]
    if slot == "incident_when":
        raw = merge_when(str(tracker.slots.get(slot) or ""), raw)
    value = validated(slot, raw)
    return None if value is None else (slot, value)


def apply_correction(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    form: str,
    now: datetime,
    validated: Callable[[str, str], Any],
    asking: str,
) -> list[EventType] | None:
    """During a form: change the corrected answer and ask the pending question again."""
    change = correction_events(tracker, form, now, validated, exclude=asking)
    if change is None:
        return None
    slot, value = change
    dispatcher.utter_message(
        text=messages.CHANGED.format(
            label=messages.slot_label(form, slot).lower(), value=display_value(value)
        )
    )
    return [SlotSet(slot, value), SlotSet(asking, None), SlotSet(REQUESTED_SLOT, asking)]


def family_in_words(tracker: Tracker) -> str | None:
    """The crime family the latest message describes: the gateway's reading of it (message
    metadata, docs/bot-contract.md) or, without one, the same rules run here."""
    triage = triage_of_latest(tracker)
    if triage is not None and "family" in triage:
        family = triage.get("family")
        return family if isinstance(family, str) and family else None
    return crime_family(latest_text(tracker))


def report_in_progress(tracker: Tracker) -> str | None:
    """The action that takes the person back to an unsent report, or None when there is
    none: its summary while it waits for a "yes", or its form when it was paused."""
    if tracker.get_slot("report_ready") is True and collected_answers(tracker):
        return "action_report_summary"
    paused = tracker.get_slot("paused_form")
    form = form_for(tracker.get_slot("crime_type"))
    if paused in REPORT_FORMS and form == paused and collected_answers(tracker):
        return form
    return None


def _message_that_brought_999(tracker: Tracker) -> Mapping[str, Any] | None:
    """The person's message (its user event) answered by the latest 999 guidance."""
    events = tracker.events
    for index in range(latest_user_index(tracker) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") in _REPORT_ENDS:
            return None
        if event.get("event") == "action" and event.get("name") == "action_emergency":
            return next((e for e in reversed(events[:index]) if e.get("event") == "user"), None)
    return None


def _words_that_brought_999(tracker: Tracker) -> str | None:
    event = _message_that_brought_999(tracker)
    text = event.get("text") if event is not None else None
    return text if isinstance(text, str) else None


# Not something a person "meant" instead of an emergency.
_NOT_MEANINGS = frozenset({"nlu_fallback", "inform", "affirm", "deny", "im_safe", "stop"})


def meant_instead_of_999(tracker: Tracker) -> str | None:
    """After "I'm safe": the likeliest meaning, other than an emergency, of the message that
    brought the 999 guidance ("is there a way to find out if he's been violent before?" ->
    disclosure_schemes), so it can be offered at once instead of asked again."""
    event = _message_that_brought_999(tracker)
    parse = event.get("parse_data") if event is not None else None
    ranking = parse.get("intent_ranking") if isinstance(parse, Mapping) else None
    for entry in ranking or []:
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if (
            isinstance(name, str)
            and not name.startswith("emergency_")
            and name not in (_NOT_MEANINGS)
        ):
            return name
    return None


def told_story(tracker: Tracker) -> str | None:
    """The crime type of the story the person told: in the latest message, or, after "I'm
    safe" or "carry on", in the message that was answered with the 999 guidance (a story
    of a crime that is over, read as an emergency: once the person says nobody is in
    danger, the report is what they came for)."""
    text = latest_text(tracker)
    family = family_in_words(tracker)
    if family is not None and (is_account(text) or asks_to_report(text)):
        return family
    if _intent(tracker)[0] not in ("im_safe", "continue_report"):
        return None
    earlier = _words_that_brought_999(tracker)
    if earlier is None or not is_account(earlier):
        return None
    return crime_family(earlier)


def tells_a_story(tracker: Tracker) -> bool:
    """True when the person told of a crime of a known kind, or asked to report one."""
    return told_story(tracker) is not None


def triage_of_latest(tracker: Tracker) -> Mapping[str, Any] | None:
    """The gateway's reading of the latest message (metadata.triage), if it sent one."""
    metadata = tracker.latest_message.get("metadata")
    triage = metadata.get("triage") if isinstance(metadata, Mapping) else None
    return triage if isinstance(triage, Mapping) else None


# NLU's own entities (the CRF learned them from the annotated examples in nlu_data/) fill a
# question the rules found nothing for: "[Greggs](place)", "[purse](item)".
_ENTITY_SLOTS = {"place": "incident_where", "time": "incident_when", "item": "property_details"}


def entity_facts(tracker: Tracker, form: str, now: datetime) -> dict[str, str]:
    """Facts from the latest message's NLU entities, each kept only if accepted as an answer."""
    found: dict[str, str] = {}
    validated = answer_validator(form, now)
    for entity in tracker.latest_message.get("entities") or []:
        if not isinstance(entity, Mapping):
            continue
        slot = _ENTITY_SLOTS.get(str(entity.get("entity")))
        value = entity.get("value")
        if slot is None or slot in found or not isinstance(value, str) or not value.strip():
            continue
        if slot not in FORM_SLOTS.get(form, ()) or validated(slot, value) is None:
            continue
        found[slot] = value
    return found
