"""Training data: Rasa NLU files through categories.yml, markup stripped, the social file
(which Rasa must not read), de-duplication and the three-way split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from triage.decisions import Category
from triage.nlp.training_data import (
    CATEGORIES_FILE,
    DATA_DIR,
    DEV_FRACTION,
    EXTRA_SPLIT_SEEDS,
    SOCIAL_FILE,
    SPLIT_SEED,
    TEST_FRACTION,
    LabelledText,
    TrainingDataError,
    deduplicate,
    load_category_map,
    load_nlu_file,
    load_social_file,
    load_training_data,
    strip_entity_markup,
    three_way_split,
)


@pytest.fixture(scope="module")
def examples() -> list[LabelledText]:
    return load_training_data(DATA_DIR)


def test_every_intent_maps_to_its_category(examples: list[LabelledText]) -> None:
    mapping = load_category_map(DATA_DIR / CATEGORIES_FILE)
    intents_in_files: set[str] = set()
    for path in sorted(DATA_DIR.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            if "intent" in block:
                intents_in_files.add(block["intent"])
    assert intents_in_files <= set(mapping), intents_in_files - set(mapping)
    for example in examples:
        if not example.source.startswith("social:"):
            assert example.category is mapping[example.source]
    assert {e.source for e in examples if not e.source.startswith("social:")} == intents_in_files


def test_each_category_has_rasa_and_social_examples(examples: list[LabelledText]) -> None:
    for category in Category:
        sources = {e.source for e in examples if e.category is category}
        assert f"social:{category.value}" in sources
        assert any(not s.startswith("social:") for s in sources)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("my [bike](item) was nicked", "my bike was nicked"),
        ('[wrong date]{"entity": "field", "value": "incident_when"}', "wrong date"),
        ("outside [the Co-op](place) on [Elm St](place)", "outside the Co-op on Elm St"),
        ("[Leeds](city:LDS) please", "Leeds please"),
        ("no markup [here]", "no markup [here]"),
    ],
)
def test_entity_markup_is_stripped(raw: str, clean: str) -> None:
    assert strip_entity_markup(raw) == clean


def test_no_example_keeps_markup(examples: list[LabelledText]) -> None:
    assert not [e.text for e in examples if "](" in e.text or "]{" in e.text]


def test_social_file_is_loaded_and_labelled(examples: list[LabelledText]) -> None:
    social = load_social_file(DATA_DIR / SOCIAL_FILE)
    counts = Counter(e.category for e in social)
    assert len(social) >= 300
    assert set(counts) == set(Category)
    assert min(counts.values()) >= 50
    texts = {e.text for e in examples}
    assert sum(e.text in texts for e in social) >= len(social) * 0.95  # few duplicates


def test_social_file_is_invisible_to_rasa() -> None:
    """Rasa's importer reads any nlu_data/*.yml with an `nlu:` key as training data."""
    data = yaml.safe_load((DATA_DIR / SOCIAL_FILE).read_text())
    assert "nlu" not in data
    assert set(data) == {"version", "triage_examples"}
    assert set(data["triage_examples"]) == {c.value for c in Category}


def test_social_file_with_an_nlu_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / SOCIAL_FILE
    path.write_text('nlu: []\ntriage_examples:\n  other: ["hi"]\n')
    with pytest.raises(TrainingDataError, match="nlu"):
        load_social_file(path)


def test_unknown_social_category_is_refused(tmp_path: Path) -> None:
    path = tmp_path / SOCIAL_FILE
    path.write_text('version: "1"\ntriage_examples:\n  urgent: ["help"]\n')
    with pytest.raises(TrainingDataError, match="urgent"):
        load_social_file(path)


def test_intent_without_a_category_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "extra.yml"
    path.write_text("nlu:\n- intent: brand_new\n  examples: |\n    - hello there\n")
    with pytest.raises(TrainingDataError, match="brand_new"):
        load_nlu_file(path, {"greet": Category.OTHER})


def test_lookups_and_regexes_are_not_examples(tmp_path: Path) -> None:
    path = tmp_path / "mixed.yml"
    path.write_text(
        "nlu:\n- regex: postcode\n  examples: |\n    - \\bX\\b\n"
        "- lookup: item\n  examples: |\n    - bike\n"
        "- intent: greet\n  examples: |\n    - hiya\n"
    )
    assert load_nlu_file(path, {"greet": Category.OTHER}) == [
        LabelledText("hiya", Category.OTHER, "greet")
    ]


def test_duplicates_keep_the_more_urgent_label() -> None:
    kept = deduplicate(
        [
            LabelledText("Help me", Category.OTHER, "greet"),
            LabelledText("help  me", Category.EMERGENCY, "emergency_violence"),
            LabelledText("hi", Category.OTHER, "greet"),
        ]
    )
    assert sorted((e.text.lower(), e.category) for e in kept) == [
        ("help  me", Category.EMERGENCY),
        ("hi", Category.OTHER),
    ]


def test_split_is_deterministic_disjoint_and_stratified(examples: list[LabelledText]) -> None:
    parts = three_way_split(examples)
    assert parts == three_way_split(list(reversed(examples)))
    texts = [{e.text for e in part} for part in parts]
    assert not texts[0] & texts[1] and not texts[0] & texts[2] and not texts[1] & texts[2]
    assert sum(len(part) for part in parts) == len(examples)
    by_source = Counter(e.source for e in examples)
    dev = Counter(e.source for e in parts.dev)
    test = Counter(e.source for e in parts.test)
    for source, n in by_source.items():
        assert test[source] == round(n * TEST_FRACTION), source
        assert dev[source] == round(n * DEV_FRACTION), source
    assert three_way_split(examples, seed="another") != parts


def test_every_seed_gives_another_test_split(examples: list[LabelledText]) -> None:
    tests = [
        {e.text for e in three_way_split(examples, s).test}
        for s in (SPLIT_SEED, *EXTRA_SPLIT_SEEDS)
    ]
    assert len(tests) == 5
    for i, one in enumerate(tests):
        for other in tests[i + 1 :]:
            assert len(one & other) < len(one) * 0.4  # overlap by chance only


def test_adding_an_example_moves_nothing_else(examples: list[LabelledText]) -> None:
    before = three_way_split(examples)
    extra = LabelledText("a brand new example nobody wrote before", Category.OTHER, "greet")
    after = three_way_split([*examples, extra])
    moved = sum(1 for a, b in zip(before, after, strict=True) for e in set(a) ^ (set(b) - {extra}))
    assert moved <= 2  # at most the new example's neighbour crosses a boundary
