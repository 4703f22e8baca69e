"""Rule components: each risk flag with its evidence, negation, suppression, cues and the
identifiers the EntityRuler finds."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from triage.decisions import RiskFlag
from triage.nlp.flag_phrases import Cue
from triage.nlp.rules import (
    CUES_KEY,
    ENTITY_COMPONENT,
    FLAGS_COMPONENT,
    NEGATED_KEY,
    RISK_FLAGS_KEY,
    doc_cues,
    doc_entities,
    doc_flags,
    typo_variants,
)
from triage.nlp.train import TrainedModel


def flags_of(nlp: Language, text: str) -> set[tuple[str, str]]:
    return {(f.flag.value, f.evidence) for f in doc_flags(nlp(text))}


def flag_names(nlp: Language, text: str) -> set[str]:
    return {f.flag.value for f in doc_flags(nlp(text))}


@pytest.mark.parametrize(
    ("text", "flag", "evidence"),
    [
        ("he's got a knife", RiskFlag.WEAPON, "knife"),
        ("lad waving a machette about", RiskFlag.WEAPON, "machette"),
        ("some guy with a hammer smashing cars", RiskFlag.WEAPON, "with a hammer"),
        ("my mate got shanked", RiskFlag.WEAPON, "shanked"),
        ("two lads getting battered outside", RiskFlag.VIOLENCE, "battered"),
        ("its kicking off outside spoons", RiskFlag.VIOLENCE, "kicking off"),
        ("she was punched in the face", RiskFlag.VIOLENCE, "punched"),
        ("my dad is unconcious on the floor", RiskFlag.INJURY, "unconcious"),
        ("he cant breathe", RiskFlag.INJURY, "cant breathe"),
        ("I'm not sure if he's breathing", RiskFlag.INJURY, "not sure if he's breathing"),
        ("he said he's gonna kill me", RiskFlag.THREAT_TO_LIFE, "gonna kill"),
        ("my sister's been kidnapped", RiskFlag.THREAT_TO_LIFE, "kidnapped"),
        ("someone is breaking in right now", RiskFlag.IN_PROGRESS, "right now"),
        ("theyre smashing the windows rn", RiskFlag.IN_PROGRESS, "smashing the windows rn"),
        ("he's outside my house now", RiskFlag.IN_PROGRESS, "outside my house now"),
        ("it's happening again", RiskFlag.IN_PROGRESS, "it's happening"),
        ("its kicking off", RiskFlag.IN_PROGRESS, "kicking off"),
        ("HELP NOW", RiskFlag.IN_PROGRESS, "NOW"),
        ("my nan has dementia", RiskFlag.VULNERABLE, "dementia"),
        ("my 7 year old is with me", RiskFlag.VULNERABLE, "7 year old"),
        ("she's only 6", RiskFlag.VULNERABLE, "she's only 6"),
        ("a 12yo lad", RiskFlag.VULNERABLE, "12yo"),
        ("my boyfriend keeps hitting me", RiskFlag.DOMESTIC_ABUSE, "boyfriend keeps hitting"),
        ("it's a domestic next door", RiskFlag.DOMESTIC_ABUSE, "domestic"),
        ("i want to kill myself", RiskFlag.SELF_HARM, "kill myself"),
        ("feeling sucidal tonight", RiskFlag.SELF_HARM, "sucidal"),
        ("someone shouted racist abuse at me", RiskFlag.HATE, "racist"),
        ("they were being homophobic", RiskFlag.HATE, "homophobic"),
        ("the shed is on fire", RiskFlag.FIRE, "on fire"),
        ("smoke pouring out of the flat", RiskFlag.FIRE, "smoke pouring"),
        ("drunk driver all over the road", RiskFlag.ROAD_DANGER, "drunk driver"),
        ("bad crash on the A19", RiskFlag.ROAD_DANGER, "crash"),
    ],
)
def test_each_flag_is_raised_with_its_exact_words(
    rules_nlp: Language, text: str, flag: RiskFlag, evidence: str
) -> None:
    found = flags_of(rules_nlp, text)
    assert (flag.value, evidence) in found, found
    assert evidence in text  # evidence is the message's own words, as typed


def test_every_risk_flag_has_a_rule(rules_nlp: Language) -> None:
    text = (
        "knife, punched, bleeding, gonna kill you, right now, my nan, domestic, suicidal, "
        "racist, on fire, car crash"
    )
    assert flag_names(rules_nlp, text) == {f.value for f in RiskFlag}


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("no one was hurt", RiskFlag.INJURY),
        ("nobody's injured", RiskFlag.INJURY),
        ("he wasn't hurt", RiskFlag.INJURY),
        ("there was no weapon", RiskFlag.WEAPON),
        ("he didn't have a knife", RiskFlag.WEAPON),
        ("no-one was injured", RiskFlag.INJURY),
        ("I don't want to die", RiskFlag.SELF_HARM),
        ("not right now thanks", RiskFlag.IN_PROGRESS),
    ],
)
def test_simple_negation_cancels_the_flag(rules_nlp: Language, text: str, flag: RiskFlag) -> None:
    doc = rules_nlp(text)
    assert flag.value not in {f.flag.value for f in doc_flags(doc)}
    if flag is not RiskFlag.IN_PROGRESS:  # that one is suppressed as a phrase instead
        assert flag.value in {s.label_ for s in doc.spans[NEGATED_KEY]}


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("No he has a knife", RiskFlag.WEAPON),  # "no" reaches one word only
        ("no one was hurt but he has a knife", RiskFlag.WEAPON),  # new clause
        ("he is not breathing", RiskFlag.INJURY),  # the negation is part of the phrase
        ("she's not responding", RiskFlag.INJURY),
    ],
)
def test_negation_does_not_reach_too_far(rules_nlp: Language, text: str, flag: RiskFlag) -> None:
    assert flag.value in flag_names(rules_nlp, text)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("what time does the fire station open", RiskFlag.FIRE),
        ("how do I renew my shotgun licence", RiskFlag.WEAPON),
        ("do I need a licence for an air rifle", RiskFlag.WEAPON),
        ("the website crashed when I tried to report", RiskFlag.ROAD_DANGER),
        ("what's happening with my case", RiskFlag.IN_PROGRESS),
        ("I want to fight the fine", RiskFlag.VIOLENCE),
        ("my dad had a heart attack last year", RiskFlag.VIOLENCE),
        ("section 59 seizure of my car", RiskFlag.INJURY),
        ("the kids next door keep kicking a ball at my car", RiskFlag.VIOLENCE),
        ("lads kicking the football against my wall every night", RiskFlag.VIOLENCE),
    ],
)
def test_suppressed_phrases_raise_nothing(rules_nlp: Language, text: str, flag: RiskFlag) -> None:
    assert flag.value not in flag_names(rules_nlp, text)


def test_firearm_words_still_flag_outside_licensing(rules_nlp: Language) -> None:
    assert RiskFlag.WEAPON.value in flag_names(rules_nlp, "a man has a shotgun in the pub")


@pytest.mark.parametrize(
    ("text", "cue", "words"),
    [
        ("someone's in my house", Cue.INTRUDER, "someone's in my house"),
        ("someone is trying to get in", Cue.INTRUDER, "trying to get in"),
        ("they're stealing my car", Cue.CRIME_ACTIVE, "stealing"),
        ("my husband has collapsed", Cue.SERIOUS_HARM, "collapsed"),
        ("my son has gone missing", Cue.MISSING, "son has gone missing"),
        ("can't find my daughter anywhere", Cue.MISSING, "can't find my daughter"),
        ("gonna kill him lol", Cue.JOKE, "lol"),
    ],
)
def test_cues(rules_nlp: Language, text: str, cue: Cue, words: str) -> None:
    assert (cue, words) in doc_cues(rules_nlp(text))


def test_a_missing_thing_is_not_a_missing_person(rules_nlp: Language) -> None:
    assert Cue.MISSING not in {c for c, _ in doc_cues(rules_nlp("my son's bike is missing"))}


def test_adult_ages_are_not_vulnerable(rules_nlp: Language) -> None:
    assert RiskFlag.VULNERABLE.value not in flag_names(rules_nlp, "my 45 year old husband")
    assert RiskFlag.VULNERABLE.value in flag_names(rules_nlp, "a seven-year-old girl")


@pytest.mark.parametrize(
    ("text", "label", "value"),
    [
        ("it happened near NE1 4ST yesterday", "POSTCODE", "NE1 4ST"),
        ("postcode sw1a1aa please", "POSTCODE", "sw1a1aa"),
        ("my postcode is m1 1ae", "POSTCODE", "m1 1ae"),
        ("the car was AB12 CDE", "VEHICLE_REG", "AB12 CDE"),
        ("reg ab12cde", "VEHICLE_REG", "ab12cde"),
        ("an old car, A123 BCD", "VEHICLE_REG", "A123 BCD"),
        ("my reference is BL-7K2M-9QXA", "CRIME_REF", "BL-7K2M-9QXA"),
        ("ref bl 7k2m 9qxa", "CRIME_REF", "bl 7k2m 9qxa"),
        ("ref BL7K2M9QXA thanks", "CRIME_REF", "BL7K2M9QXA"),
    ],
)
def test_identifiers_are_entities_with_offsets(
    rules_nlp: Language, text: str, label: str, value: str
) -> None:
    entities = doc_entities(rules_nlp(text))
    assert [(e.label, e.text) for e in entities] == [(label, value)]
    assert text[entities[0].start : entities[0].end] == value


def test_capitals_are_not_taken_for_registrations(rules_nlp: Language) -> None:
    assert doc_entities(rules_nlp("CRASH ON THE A1 NOW")) == ()


def test_results_live_on_doc_spans_and_extensions(rules_nlp: Language) -> None:
    doc = rules_nlp("someone's in my house with a knife right now, NE1 4ST")
    assert {s.label_ for s in doc.spans[RISK_FLAGS_KEY]} == {"weapon", "in_progress"}
    assert [s.label_ for s in doc.spans[CUES_KEY]] == ["intruder"]
    assert doc._.risk_flags == doc_flags(doc)
    assert doc._.triage_cues == doc_cues(doc)
    assert [e.label for e in doc._.triage_entities] == ["POSTCODE"]


def test_typo_variants() -> None:
    variants = typo_variants("unconscious")
    assert {"unconcious", "unconsious", "unconscous", "unconsciuos"} <= variants
    assert "unconscious" not in variants
    assert all(len(v) >= 6 for v in variants)


def test_saved_models_hold_no_rules(trained: TrainedModel) -> None:
    """Rules come from code at load time, so a rule change never needs retraining."""
    saved = spacy.load(trained.path)
    assert saved.pipe_names == ["textcat"]
    assert FLAGS_COMPONENT not in saved.pipe_names
    assert ENTITY_COMPONENT not in saved.pipe_names


@pytest.mark.parametrize(
    ("text", "flag", "evidence"),
    [
        ("he is hitting me", RiskFlag.IN_PROGRESS, "is hitting"),
        ("a gang are kicking a lad", RiskFlag.IN_PROGRESS, "are kicking"),
        ("bloke swinging an axe about", RiskFlag.IN_PROGRESS, "swinging an axe"),
        ("they're still here", RiskFlag.IN_PROGRESS, "'re still here"),
        ("the flat is on fire", RiskFlag.IN_PROGRESS, "is on fire"),
        ("she's taken a whole box of tablets", RiskFlag.SELF_HARM, "taken a whole box of tablets"),
        ("I found my brother hanging", RiskFlag.SELF_HARM, "found my brother hanging"),
        (
            "he's on the wrong side of the railings",
            RiskFlag.SELF_HARM,
            "wrong side of the railings",
        ),
        ("trying to drag a girl into a van", RiskFlag.THREAT_TO_LIFE, "drag a girl into a van"),
        ("a man snatched a little girl", RiskFlag.THREAT_TO_LIFE, "snatched a little girl"),
        ("he's locked me in", RiskFlag.THREAT_TO_LIFE, "locked me in"),
        ("I'm being attacked, please help", RiskFlag.IN_PROGRESS, "'m being attacked"),
        ("she is now being followed", RiskFlag.IN_PROGRESS, "is now being followed"),
        ("just took 40 paracetamol", RiskFlag.SELF_HARM, "took 40 paracetamol"),
        ("swallowed 30 of my tablets", RiskFlag.SELF_HARM, "swallowed 30 of my tablets"),
        ("suspicious package by the doors", RiskFlag.THREAT_TO_LIFE, "suspicious package"),
        ("a gang jumping one lad", RiskFlag.VIOLENCE, "jumping one lad"),
        ("someones set my car alight", RiskFlag.FIRE, "set my car alight"),
        ("they set the bins on fire", RiskFlag.FIRE, "set the bins on fire"),
    ],
)
def test_harm_happening_now_is_read_from_the_wording(
    rules_nlp: Language, text: str, flag: RiskFlag, evidence: str
) -> None:
    assert (flag.value, evidence) in flags_of(rules_nlp, text)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("still here", RiskFlag.IN_PROGRESS),  # the chat's "still here", not "they're still here"
        ("are you still there?", RiskFlag.IN_PROGRESS),
        ("we got murdered 5-0", RiskFlag.THREAT_TO_LIFE),
        ("we got battered 4-1 on saturday", RiskFlag.VIOLENCE),
        ("2-0 and we got slaughtered", RiskFlag.VIOLENCE),
        ("I could murder a pint", RiskFlag.THREAT_TO_LIFE),
        ("the M1 was murder this morning", RiskFlag.THREAT_TO_LIFE),
        ("shoot me an email when it's done", RiskFlag.THREAT_TO_LIFE),
        ("I'm dying to know what happened", RiskFlag.INJURY),
        ("dying for a brew", RiskFlag.INJURY),
        ("ok fire away", RiskFlag.FIRE),
        ("fire me the link", RiskFlag.FIRE),
        ("our striker is on fire this season", RiskFlag.FIRE),
        ("our striker is on fire this season", RiskFlag.IN_PROGRESS),
        ("my heart is beating so fast", RiskFlag.VIOLENCE),
        ("I've taken my tablets", RiskFlag.SELF_HARM),  # no quantity: not an overdose
        ("I pulled into the car park", RiskFlag.THREAT_TO_LIFE),
    ],
)
def test_figures_of_speech_raise_nothing(rules_nlp: Language, text: str, flag: RiskFlag) -> None:
    assert flag.value not in flag_names(rules_nlp, text)


@pytest.mark.parametrize(
    ("text", "cue", "words"),
    [
        ("I'm hiding in the bathroom", Cue.HIDING, "'m hiding in"),
        ("we are hiding from him", Cue.HIDING, "are hiding from him"),
        ("lost my little girl at the beach", Cue.MISSING, "lost my little girl at"),
        (
            "my dad went to the shop at 6 and never came back",
            Cue.MISSING,
            "dad went to the shop at 6 and never came back",
        ),
        ("they were flashing at kids", Cue.CRIME_ACTIVE, "flashing at"),
        ("there was a knife fight", Cue.OVER, "was"),
        ("it happened last night", Cue.OVER, "last night"),
        ("I can't get my mum to wake up", Cue.SERIOUS_HARM, "can't get my mum to wake"),
        ("my grandma is having a stroke", Cue.SERIOUS_HARM, "having a stroke"),
        ("biker down on the A1", Cue.SERIOUS_HARM, "biker down"),
    ],
)
def test_more_cues(rules_nlp: Language, text: str, cue: Cue, words: str) -> None:
    assert (cue, words) in doc_cues(rules_nlp(text))


@pytest.mark.parametrize(
    "text",
    [
        "I took 2 paracetamol for my headache",  # a dose, not an overdose
        "my son is being bullied at school",  # a course of conduct, for a report
        "kids jumping on the trampoline",
        "I can't get the app to work",
        "I can't get the council to respond",
        "can't get my car to move in the snow",
    ],
)
def test_everyday_wording_near_the_new_rules_raises_nothing(rules_nlp: Language, text: str) -> None:
    doc = rules_nlp(text)
    assert not doc_flags(doc) and not doc_cues(doc)


def test_an_intruder_needs_to_be_at_my_place(rules_nlp: Language) -> None:
    assert Cue.INTRUDER not in {c for c, _ in doc_cues(rules_nlp("the man at the garage"))}
    assert (Cue.INTRUDER, "someone at my back door") in doc_cues(
        rules_nlp("someone at my back door")
    )
