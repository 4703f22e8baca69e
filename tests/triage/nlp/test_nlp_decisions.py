"""Decisions: the safety bias (rules and threshold raise; only the model's own doubt with
no risk words lowers an emergency, to P2), priorities, confidence and reasons, with the
real model and with a model forced to disagree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from spacy.language import Language
from spacy.tokens import Doc

from triage.decisions import Category, Channel, Contact, Flag, Priority, RiskFlag
from triage.nlp.classifier import TriageClassifier, load_pipeline
from triage.nlp.decision_rules import (
    EMERGENCY_THRESHOLD,
    MODEL_ALONE_FLOOR,
    decide,
    risk_seen,
    rule_raise,
)
from triage.nlp.flag_phrases import Cue
from triage.nlp.train import TrainedModel

FORCED_CATS: dict[str, float] = {}


@Language.component("test_force_cats")
def force_cats(doc: Doc) -> Doc:
    """Stands in for a text classifier that is sure of something else."""
    doc.cats = dict(FORCED_CATS)
    return doc


@pytest.fixture
def forced(trained: TrainedModel) -> Iterator[TriageClassifier]:
    classifier = TriageClassifier(load_pipeline(trained.path))
    classifier.nlp.add_pipe("test_force_cats", last=True)
    yield classifier
    FORCED_CATS.clear()


def cats(emergency: float, crime: float, enquiry: float, other: float) -> dict[str, float]:
    return {"emergency": emergency, "crime_report": crime, "enquiry": enquiry, "other": other}


def contact(text: str, channel: Channel = Channel.WEBCHAT) -> Contact:
    return Contact(id="t", text=text, channel=channel)


@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        ("someone is stabbing my neighbour right now", Category.EMERGENCY, Priority.P1),
        (
            "my bike was stolen from outside the library last week",
            Category.CRIME_REPORT,
            Priority.P3,
        ),
        ("what time does the police station open on sunday", Category.ENQUIRY, Priority.P3),
        ("hiya", Category.OTHER, Priority.P4),
    ],
)
def test_clear_messages(
    classifier: TriageClassifier, text: str, category: Category, priority: Priority
) -> None:
    decision = classifier.classify(contact(text))
    assert (decision.category, decision.priority) == (category, priority)
    assert decision.confidence == pytest.approx(decision.scores[category.value])


def test_in_progress_violence_is_an_emergency_whatever_the_model_says(
    forced: TriageClassifier,
) -> None:
    FORCED_CATS.update(cats(0.01, 0.01, 0.01, 0.97))
    decision = forced.classify(contact("he's punching her in the street right now"))
    assert decision.category is Category.EMERGENCY
    assert decision.priority is Priority.P1
    assert decision.confidence == pytest.approx(0.01)  # P(emergency), as the rules raised it
    assert any("happening now ('" in r and "violence" in r for r in decision.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "i'm going to kill myself tonight",
        "he's threatening to kill me",
        "someone's in my house",
        "my wife has collapsed",
        "my son has gone missing",
        "the car is on fire and people are trapped inside as we speak",
    ],
)
def test_rules_alone_raise_to_emergency(forced: TriageClassifier, text: str) -> None:
    FORCED_CATS.update(cats(0.0, 0.0, 0.0, 1.0))
    decision = forced.classify(contact(text))
    assert decision.category is Category.EMERGENCY, decision
    assert decision.reasons


def test_a_laughing_threat_is_left_to_the_model(forced: TriageClassifier) -> None:
    FORCED_CATS.update(cats(0.0, 0.0, 0.0, 1.0))
    decision = forced.classify(contact("gonna kill my brother if he eats my pud 😂"))
    assert decision.category is Category.OTHER
    assert decision.priority is Priority.P2  # still a flag an operator may want to see


def test_threshold_raises_below_the_model_choice_when_the_rules_saw_risk(
    forced: TriageClassifier,
) -> None:
    limit = forced.threshold
    text = "there's smoke coming from the house opposite"  # fire, but nothing says "now"
    FORCED_CATS.update(cats(limit, 0.6, 0.05, 0.05))
    decision = forced.classify(contact(text))
    assert decision.category is Category.EMERGENCY
    assert "safety threshold" in decision.reasons[0]
    assert "fire ('smoke coming')" in decision.reasons[0]
    FORCED_CATS.update(cats(limit - 0.01, 0.61, 0.05, 0.05))
    assert forced.classify(contact(text)).category is Category.CRIME_REPORT


@pytest.mark.parametrize("text", ["something odd is going on", "fire away", "still here"])
def test_doubt_without_risk_words_is_not_raised(forced: TriageClassifier, text: str) -> None:
    """The model's doubt alone is no reason to alert an operator."""
    FORCED_CATS.update(cats(0.45, 0.5, 0.03, 0.02))
    decision = forced.classify(contact(text))
    assert decision.category is Category.CRIME_REPORT
    assert decision.priority is Priority.P3


def test_laughter_and_past_words_are_no_risk() -> None:
    scores = cats(0.45, 0.5, 0.03, 0.02)
    for cue, words in ((Cue.JOKE, "lol"), (Cue.OVER, "last week")):
        assert decide(scores, (), [(cue, words)], threshold=0.3).category is Category.CRIME_REPORT
    assert risk_seen([Flag(RiskFlag.IN_PROGRESS, "right now")], []) == "in progress ('right now')"


def test_weapon_with_violence_is_an_emergency_unless_it_is_over(
    forced: TriageClassifier,
) -> None:
    FORCED_CATS.update(cats(0.0, 0.9, 0.05, 0.05))
    now = forced.classify(contact("machete fight outside the youth club"))
    assert now.category is Category.EMERGENCY
    assert "nothing says it is over" in now.reasons[0]
    over = forced.classify(contact("there was a machete fight outside the youth club"))
    assert over.category is Category.CRIME_REPORT
    assert over.priority is Priority.P2


def test_nothing_lowers_the_models_sure_emergency(forced: TriageClassifier) -> None:
    FORCED_CATS.update(cats(0.9, 0.05, 0.03, 0.02))
    for text in ("no one was hurt lol", "what time does the station open", "thanks 😂"):
        decision = forced.classify(contact(text))
        assert (decision.category, decision.priority) == (Category.EMERGENCY, Priority.P1)


def test_a_doubtful_model_alone_goes_to_a_person_not_to_999(forced: TriageClassifier) -> None:
    FORCED_CATS.update(cats(0.45, 0.1, 0.15, 0.3))
    decision = forced.classify(contact("my wifi isn't working"))
    assert (decision.category, decision.priority) == (Category.OTHER, Priority.P2)
    assert decision.reasons[0].startswith("P2: possible emergency for a person to check")
    assert "0.45" in decision.reasons[0]


@pytest.mark.parametrize(
    "text",
    [
        "he's got a knife",  # a risk word backs the model up
        "someone is in my house",  # so does a cue
        "I can't get my mum to wake up",
    ],
)
def test_a_doubtful_model_backed_by_the_rules_stays_an_emergency(
    forced: TriageClassifier, text: str
) -> None:
    FORCED_CATS.update(cats(0.45, 0.1, 0.15, 0.3))
    decision = forced.classify(contact(text))
    assert (decision.category, decision.priority) == (Category.EMERGENCY, Priority.P1)


def test_the_floor_is_the_models_own_majority() -> None:
    at = decide(cats(MODEL_ALONE_FLOOR, 0.2, 0.2, 0.1))
    below = decide(cats(MODEL_ALONE_FLOOR - 0.01, 0.21, 0.2, 0.1))
    assert at.category is Category.EMERGENCY
    assert (below.category, below.priority) == (Category.CRIME_REPORT, Priority.P2)


probabilities = st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4).filter(lambda p: sum(p) > 0)
flag_sets = st.lists(st.sampled_from(list(RiskFlag)), max_size=4)
cue_sets = st.lists(st.sampled_from(list(Cue)), max_size=3)


@given(probabilities, flag_sets, cue_sets)
def test_emergency_is_never_lowered(
    raw: list[float], flags: list[RiskFlag], cues: list[Cue]
) -> None:
    total = sum(raw)
    scores = dict(zip([c.value for c in Category], [p / total for p in raw], strict=True))
    decision = decide(scores, [Flag(f, f.value) for f in flags], [(c, c.value) for c in cues])
    model_says_emergency = max(scores, key=lambda c: scores[c]) == "emergency"
    cue_pairs = [(c, c.value) for c in cues]
    seen = risk_seen([Flag(f, f.value) for f in flags], cue_pairs)
    sure = scores["emergency"] >= MODEL_ALONE_FLOOR
    if (model_says_emergency and (sure or seen)) or (
        scores["emergency"] >= EMERGENCY_THRESHOLD and seen
    ):
        assert decision.category is Category.EMERGENCY
    if model_says_emergency and not (sure or seen):
        assert decision.priority is Priority.P2
    assert (decision.category is Category.EMERGENCY) == (decision.priority is Priority.P1)
    if decision.category is not Category.EMERGENCY:
        assert rule_raise(decision.flags, [(c, c.value) for c in cues]) is None


@pytest.mark.parametrize(
    ("scores", "flags", "priority"),
    [
        (cats(0.0, 0.9, 0.05, 0.05), [], Priority.P3),
        (cats(0.0, 0.05, 0.9, 0.05), [], Priority.P3),
        (cats(0.0, 0.05, 0.05, 0.9), [], Priority.P4),
        (cats(0.0, 0.9, 0.05, 0.05), [Flag(RiskFlag.VIOLENCE, "punched")], Priority.P2),
        (cats(0.0, 0.05, 0.9, 0.05), [Flag(RiskFlag.VULNERABLE, "my nan")], Priority.P2),
        (cats(0.0, 0.05, 0.05, 0.9), [Flag(RiskFlag.HATE, "racist")], Priority.P2),
        # immediacy alone is not a risk: "is the station open right now?"
        (cats(0.0, 0.05, 0.9, 0.05), [Flag(RiskFlag.IN_PROGRESS, "right now")], Priority.P3),
        (cats(0.9, 0.05, 0.03, 0.02), [], Priority.P1),
    ],
)
def test_priorities(scores: dict[str, float], flags: list[Flag], priority: Priority) -> None:
    decision = decide(scores, flags)
    assert decision.priority is priority
    if priority is Priority.P2:
        assert decision.reasons[-1].startswith("P2: risk on a non-emergency")


def test_flags_entities_and_output_shape(classifier: TriageClassifier) -> None:
    decision = classifier.classify(
        contact("my nan was pushed over outside her flat at NE1 4ST, reg AB12 CDE", Channel.X)
    )
    assert {"vulnerable", "violence"} <= set(decision.flag_names)
    assert [e.label for e in decision.entities] == ["POSTCODE", "VEHICLE_REG"]
    shown = decision.as_dict()
    assert set(shown) == {"category", "priority", "flags", "confidence"}
    assert {"flag": "vulnerable", "evidence": "my nan"} in shown["flags"]


def test_classify_many_keeps_order_and_matches_classify(classifier: TriageClassifier) -> None:
    texts = [
        "someone is kicking my door in right now",
        "how do i track my case",
        "thanks",
        "my car was keyed last night",
    ]
    contacts = [contact(t) for t in texts]
    assert classifier.classify_many(contacts) == [classifier.classify(c) for c in contacts]
    assert classifier.classify_many([]) == []
