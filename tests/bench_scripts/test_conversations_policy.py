"""The simulated people's policy (bench/conversations.py) without a stack: question
recognition from the real bot/domain/questions.yml, the fewest-turns formula, the counting
of facts asked again and of lost reports, and the persona file itself."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions import messages
from actions.report_spec import FORM_FOR_CRIME_TYPE
from bench.conversations import (
    FACT_SLOTS,
    FALLBACK_RESPONSES,
    FAMILIES,
    QUESTIONS_YML,
    BotTexts,
    Persona,
    converse,
    fewest_turns,
    load_people,
    parse_persona,
    required_facts,
    response_texts,
    wrong_in_summary,
)
from triage.cases.references import new_reference

TEXTS = BotTexts()
QUESTIONS: dict[str, str] = {
    name: variants[0]["text"]
    for name, variants in yaml.safe_load(QUESTIONS_YML.read_text())["responses"].items()
}


def persona(**raw: Any) -> Persona:
    base: dict[str, Any] = {"id": "p", "kind": "test", "family": "theft", "opening": "hello"}
    return parse_persona({**base, **raw}, {})


# ---------- question recognition -------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_every_form_question_is_recognised_as_its_slot(name: str) -> None:
    slot = TEXTS.question(QUESTIONS[name])
    assert slot is not None and name.endswith(slot), (name, slot)


def test_a_question_after_other_words_and_with_other_spacing_is_still_recognised() -> None:
    text = "Thank you.  " + QUESTIONS["utter_ask_incident_when"].replace(" ", "\n", 3)
    assert TEXTS.question(text) == "incident_when"


def test_form_specific_wording_wins() -> None:
    assert TEXTS.question(QUESTIONS["utter_ask_damage_form_property_value"]) == "property_value"
    assert TEXTS.question(QUESTIONS["utter_ask_road_form_vehicle_reg"]) == "vehicle_reg"


@pytest.mark.parametrize(
    "text",
    [
        messages.START_REPORT,
        messages.SUMMARY_QUESTION,
        messages.FALLBACK,
        messages.CANCELLED,
        "What would you like to do now?",
    ],
)
def test_texts_that_ask_for_no_fact_are_not_questions(text: str) -> None:
    assert TEXTS.question(text) is None


def test_templates_in_questions_match_any_value(tmp_path: Path) -> None:
    domain = {
        "responses": {
            "utter_ask_theft_form_property_value": [
                {"text": "You said {property_details}. How much was it worth?"}
            ]
        }
    }
    (tmp_path / "questions.yml").write_text(yaml.safe_dump(domain))
    texts = BotTexts(tmp_path)
    assert texts.question("You said a black bike. How much was it worth?") == "property_value"
    assert texts.question("How much was it worth?") is None


def test_fallbacks_are_the_real_texts() -> None:
    for text in response_texts(QUESTIONS_YML.parent, FALLBACK_RESPONSES):
        assert TEXTS.is_fallback(text)
    assert TEXTS.is_fallback(messages.ASK_AFFIRMATION)
    assert TEXTS.is_fallback(messages.FALLBACK)
    assert not TEXTS.is_fallback(QUESTIONS["utter_ask_incident_when"])
    assert not TEXTS.is_fallback(messages.validation_error("when_unclear"))


def test_both_ways_of_saying_a_report_was_stopped_are_recognised() -> None:
    assert TEXTS.is_cancelled(messages.CANCELLED)
    for text in response_texts(QUESTIONS_YML.parent, ["utter_report_stopped"]):
        assert TEXTS.is_cancelled(text)
    assert not TEXTS.is_cancelled(messages.SUMMARY_QUESTION)


def test_summary_is_recognised() -> None:
    assert TEXTS.is_summary(messages.SUMMARY_INTRO.format(crime_label="theft") + "\n- When: x")
    assert not TEXTS.is_summary(QUESTIONS["utter_ask_evidence"])


# ---------- the fewest turns -------------------------------------------------------------------
THEFT_SLOTS = (
    10  # description, when, where, items, value, suspect, evidence, name, contact, consent
)


def test_fewest_for_a_direct_reporter_is_opening_every_fact_and_the_yes() -> None:
    assert len(required_facts(persona())) == THEFT_SLOTS
    assert fewest_turns(persona()) == 1 + THEFT_SLOTS + 1


def test_facts_in_the_opening_are_free() -> None:
    gives = ["incident_description", "incident_when", "incident_where", "property_details"]
    p = persona(opening={"text": "my van was broken into ...", "gives": gives})
    assert fewest_turns(p) == 1 + THEFT_SLOTS - 4 + 1


def test_conditional_slots_follow_the_bots_own_spec() -> None:
    assert fewest_turns(persona(family="vehicle_crime")) == 1 + THEFT_SLOTS + 1 + 1  # + reg
    anonymous = persona(family="drugs", facts={"reporter_name": "anonymous"})
    assert "reporter_contact" not in required_facts(anonymous)
    assert fewest_turns(anonymous) == 1 + 6 + 1


def test_several_facts_in_one_answer_cost_one_turn_and_a_wrong_answer_costs_one() -> None:
    several = persona(
        behaviours=[
            {
                "several_facts": {
                    "when_asked": "incident_when",
                    "say": {"text": "...", "gives": ["incident_when", "incident_where"]},
                }
            }
        ]
    )
    assert fewest_turns(several) == 1 + THEFT_SLOTS - 1 + 1
    wrong = persona(
        behaviours=[
            {
                "wrong_answer": {
                    "when_asked": "incident_when",
                    "say": {"text": "on Front Street", "gives": ["incident_where"]},
                }
            }
        ]
    )
    assert fewest_turns(wrong) == 1 + THEFT_SLOTS + 1  # the wrong answer still gave "where"


def test_corrections_side_questions_tracking_enquiries_and_changes_of_mind() -> None:
    correcting = persona(
        behaviours=[
            {"correct": {"slot": "incident_when", "say": "4pm", "value": "4pm", "expect": "16"}},
            {"side_question": {"at_turn": 3, "say": "open today?", "expect": "opening"}},
        ]
    )
    assert fewest_turns(correcting) == 1 + THEFT_SLOTS + 1 + 2
    track = persona(
        goal="track", family=None, opening={"text": "news on X?", "gives": ["case_reference"]}
    )
    assert fewest_turns(track) == 2
    assert fewest_turns(persona(goal="enquiry", family=None, expect="council")) == 1
    cancel = persona(
        behaviours=[
            {"change_mind": {"at_turn": 3, "say": "forget it", "goal": "cancel", "expect": "x"}}
        ]
    )
    assert fewest_turns(cancel) == 4


# ---------- the policy against a scripted bot -------------------------------------------------
class ScriptedBot:
    """Answers each message with the next scripted turn (a list of REST items)."""

    def __init__(self, turns: Sequence[Callable[[str], list[dict[str, Any]]]]) -> None:
        self.turns = list(turns)
        self.heard: list[str] = []

    async def send(self, sender: str, text: str) -> list[dict[str, Any]]:
        self.heard.append(text)
        return self.turns.pop(0)(text) if self.turns else []


def ask(
    name: str, buttons: list[dict[str, str]] | None = None
) -> Callable[[str], list[dict[str, Any]]]:
    return lambda _text: [{"text": QUESTIONS[name], **({"buttons": buttons} if buttons else {})}]


def said(
    text: str, buttons: list[dict[str, str]] | None = None
) -> Callable[[str], list[dict[str, Any]]]:
    return lambda _text: [{"text": text, **({"buttons": buttons} if buttons else {})}]


FACTS = {
    "incident_description": "someone took my bike",
    "incident_when": "yesterday about 3pm",
    "incident_where": "Front Street",
    "contact_consent": "yes",
}


def run(p: Persona, bot: ScriptedBot) -> Any:
    return asyncio.run(converse(p, bot, TEXTS, "sim-test", max_turns=20))


def test_a_fact_from_the_opening_asked_for_again_is_counted_once() -> None:
    p = persona(
        opening={"text": "my bike went yesterday about 3pm", "gives": ["incident_when"]},
        facts=FACTS,
    )
    bot = ScriptedBot(
        [ask("utter_ask_incident_when"), ask("utter_ask_incident_when"), said("I have stopped.")]
    )
    out = run(p, bot)
    assert bot.heard[1] == "yesterday about 3pm"
    assert out.asked_again == ["incident_when"]
    assert out.rejected == ["incident_when"]  # the second ask came straight after the answer
    assert out.report_started and out.lost and not out.completed


def test_the_person_presses_the_button_and_says_yes_then_keeps_the_reference() -> None:
    p = persona(facts=FACTS)
    yes_no = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    reference = new_reference()
    summary = messages.SUMMARY_INTRO.format(crime_label="theft") + "\n- When: yesterday"
    bot = ScriptedBot(
        [
            ask("utter_ask_contact_consent", yes_no),
            lambda _t: [
                {"text": summary},
                {"text": messages.SUMMARY_QUESTION, "buttons": list(messages.SUMMARY_BUTTONS)},
            ],
            said(messages.SUBMITTED.format(reference=reference)),
        ]
    )
    out = run(p, bot)
    assert bot.heard[1:] == ["/affirm", "/affirm"]
    assert out.reference == reference and out.completed and not out.lost
    assert out.turns == 3


def test_a_placeholder_reference_is_not_taken_for_a_real_one() -> None:
    p = persona(facts=FACTS)
    bot = ScriptedBot([ask("utter_ask_incident_when"), ask("utter_ask_case_reference")])
    out = run(p, bot)
    assert "BL-XXXX-XXXX" in QUESTIONS["utter_ask_case_reference"]
    assert out.reference is None and out.lost and not out.completed


def test_an_enquiry_needs_its_proof_text_and_fallbacks_in_a_row_are_counted() -> None:
    rephrase = messages.FALLBACK
    p = persona(
        goal="enquiry", family=None, expect="council", rephrase=["noise from next door", "noise"]
    )
    bot = ScriptedBot([said(rephrase), said(rephrase), said("Ask your local council.")])
    out = run(p, bot)
    assert out.completed and out.turns == 3 and out.fewest == 1
    assert out.fallbacks == 2 and out.max_fallback_run == 2
    assert not out.report_started and not out.lost


def test_a_correction_must_show_in_the_summary() -> None:
    p = persona(
        facts=FACTS,
        behaviours=[
            {
                "correct": {
                    "slot": "incident_when",
                    "say": "it was 4pm",
                    "value": "4pm",
                    "expect": "16:00",
                }
            }
        ],
    )
    summary = messages.SUMMARY_INTRO.format(crime_label="theft") + "\n- When: about 15:00"
    bot = ScriptedBot(
        [
            said(summary),
            said(summary),  # the correction was ignored
            said(messages.SUBMITTED.format(reference=new_reference())),
        ]
    )
    out = run(p, bot)
    assert bot.heard[1] == "it was 4pm"
    assert out.corrections_shown == [False] and not out.completed


def test_a_summary_answer_sharing_no_word_with_the_persons_is_flagged() -> None:
    summary = "\n".join(
        [
            messages.SUMMARY_INTRO.format(crime_label="theft"),
            "- When: Tue 8 Dec 2026",
            "- Where: at the police station",
            "- What was stolen: bike",
            "- Injuries: it's my ex, Mark Hughes",
            "- Who did it: none given",
        ]
    )
    facts = {
        "incident_where": ("outside the library on Front Street",),
        "property_details": ("a black Trek mountain bike",),
        "injuries": ("none",),
        "suspect_description": ("none given",),
        "incident_when": ("yesterday about 3pm",),
    }
    assert wrong_in_summary(summary, facts) == ["incident_where", "injuries"]
    story = ["my ex Mark Hughes hit me at the police station"]  # the bot took it from here
    assert wrong_in_summary(summary, facts, story) == []


def test_a_wrong_answer_stored_under_the_question_asked_is_flagged() -> None:
    suspect = "it's my ex, Mark Hughes, he's about 40"
    p = persona(
        family="harassment",
        opening="my ex won't leave me alone",  # one shared word is not where it came from
        facts={"injuries": "none", "suspect_description": "Mark Hughes"},
        behaviours=[
            {
                "wrong_answer": {
                    "when_asked": "injuries",
                    "say": {"text": suspect, "gives": ["suspect_description"]},
                }
            }
        ],
    )
    summary = "\n".join(
        [
            messages.SUMMARY_INTRO.format(crime_label="harassment"),
            f"- Injuries: {suspect}",
            f"- Who did it: {suspect}",
        ]
    )
    bot = ScriptedBot([ask("utter_ask_injuries"), said(summary)])
    out = run(p, bot)
    assert bot.heard[1] == suspect
    assert out.wrong_in_summary == ["injuries"]


# ---------- the people ----------------------------------------------------------------------------
PEOPLE = load_people()


def test_at_least_sixty_people_cover_every_family_and_the_main_enquiries() -> None:
    assert len(PEOPLE) >= 60
    assert {p.family for p in PEOPLE if p.family} == set(FAMILIES)
    intents = {p.intent for p in PEOPLE if p.goal == "enquiry"}
    assert {"lost_property", "firearms_licensing", "station_opening_times", "complaint"} <= intents
    assert "council_matter" in intents and "report_fraud" in intents
    assert any(p.goal == "track" for p in PEOPLE)
    kinds = {p.kind for p in PEOPLE}
    assert {"direct", "story", "several_facts", "wrong_answer", "correction"} <= kinds
    assert {"side_question", "reference", "change_mind", "slang", "enquiry"} <= kinds


@pytest.mark.parametrize("p", [p for p in PEOPLE if p.goal == "report"], ids=lambda p: p.id)
def test_every_reporter_can_answer_every_question_of_their_form(p: Persona) -> None:
    assert p.family in FORM_FOR_CRIME_TYPE
    missing = [slot for slot in required_facts(p) if slot not in p.facts]
    assert not missing, missing
    stated = set(p.opening.gives) | {s for w in p.when_asked for s in w.say.gives}
    assert stated <= set(FACT_SLOTS)


@pytest.mark.parametrize("p", [p for p in PEOPLE if p.goal != "report"], ids=lambda p: p.id)
def test_every_other_person_knows_what_proves_the_right_answer(p: Persona) -> None:
    assert p.expect
    if p.goal == "track":
        assert p.reference_from in {q.id for q in PEOPLE if q.goal == "report"}
        assert "{reference}" in p.expect
