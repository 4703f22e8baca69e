"""The safety threshold procedure: a sweep over dev, the lowest threshold within the
false-alarm budget, a recorded check, and no rule components left in a saved model."""

from __future__ import annotations

import itertools

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from triage.decisions import Category
from triage.nlp.rules import ENTITY_COMPONENT, FLAGS_COMPONENT
from triage.nlp.threshold import (
    DEFAULT_THRESHOLD,
    DEV_FALSE_BUDGET,
    THRESHOLD_GRID,
    SweepPoint,
    ThresholdChoice,
    choose_threshold,
    pick,
    sweep_points,
)
from triage.nlp.train import train_pipeline
from triage.nlp.training_data import LabelledText


def points(*rows: tuple[float, float, float]) -> list[SweepPoint]:
    return [SweepPoint(t, recall, false) for t, recall, false in rows]


def test_the_lowest_threshold_within_the_budget_is_taken() -> None:
    sweep = points((0.1, 1.0, 0.08), (0.2, 1.0, 0.05), (0.3, 0.99, 0.03), (0.4, 0.98, 0.02))
    choice = pick(sweep, 500)
    assert choice.value == 0.3
    assert (choice.dev_emergency_recall, choice.dev_false_emergency_rate) == (0.99, 0.03)
    assert choice.met
    assert choice.dev_examples == 500


def test_a_recall_below_target_is_recorded_not_hidden() -> None:
    choice = pick(points((0.1, 0.97, 0.03), (0.2, 0.96, 0.02)), 500)
    assert choice.value == 0.1
    assert not choice.met


def test_nothing_within_the_budget_takes_the_highest_threshold() -> None:
    choice = pick(points((0.1, 1.0, 0.09), (0.5, 0.99, DEV_FALSE_BUDGET + 0.001)), 500)
    assert choice.value == 0.5
    assert not choice.met


def test_the_grid_stops_at_one_half() -> None:
    assert THRESHOLD_GRID[0] == 0.05 and THRESHOLD_GRID[-1] == 0.5
    assert all(b > a for a, b in itertools.pairwise(THRESHOLD_GRID))


def test_sweep_points_decide_with_the_rules(rules_nlp: Language) -> None:
    def doc(text: str, p_emergency: float) -> Doc:
        d = rules_nlp(text)
        d.cats = {"emergency": p_emergency, "crime_report": 1 - p_emergency}
        return d

    scored = [
        (Category.EMERGENCY, doc("there's smoke coming from next door", 0.25)),
        (Category.EMERGENCY, doc("someone's in my house", 0.01)),  # the rules raise it
        (Category.CRIME_REPORT, doc("my bike was stolen with a knife", 0.15)),
        (Category.CRIME_REPORT, doc("still here", 0.4)),  # no risk words: never raised
    ]
    by_threshold = {p.threshold: p for p in sweep_points(scored, (0.1, 0.2, 0.3))}
    assert by_threshold[0.1] == SweepPoint(0.1, 1.0, 0.5)
    assert by_threshold[0.2] == SweepPoint(0.2, 1.0, 0.0)
    assert by_threshold[0.3] == SweepPoint(0.3, 0.5, 0.0)


def test_too_few_dev_emergencies_take_the_default() -> None:
    dev = [LabelledText("help", Category.EMERGENCY, "x"), LabelledText("hi", Category.OTHER, "y")]
    nlp = train_pipeline(dev)
    choice = choose_threshold(nlp, dev)
    assert choice.value == DEFAULT_THRESHOLD
    assert choice.procedure.startswith("default")
    assert not choice.met


def test_choosing_leaves_no_rule_components_behind() -> None:
    examples = [
        LabelledText(f"someone is stabbing a man outside number {i}", Category.EMERGENCY, "e")
        for i in range(30)
    ] + [LabelledText(f"what time does station {i} open", Category.ENQUIRY, "q") for i in range(30)]
    nlp = train_pipeline(examples)
    before = list(nlp.pipe_names)
    choice = choose_threshold(nlp, examples)
    assert nlp.pipe_names == before
    assert ENTITY_COMPONENT not in nlp.pipe_names and FLAGS_COMPONENT not in nlp.pipe_names
    assert choice.value in THRESHOLD_GRID
    assert choice.dev_emergency_recall == 1.0


@pytest.mark.parametrize("meta", [None, "0.3", {"value": 0.3}, {"unexpected": 1}])
def test_malformed_meta_gives_no_choice(meta: object) -> None:
    assert ThresholdChoice.from_meta(meta) is None


def test_meta_round_trip_tidies_floats() -> None:
    choice = pick(points((0.3, 1.0, 0.02)), 10)
    meta = {**choice.as_meta(), "value": 0.30000000000000004}
    assert ThresholdChoice.from_meta(meta) == choice
