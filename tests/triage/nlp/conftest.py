"""Shared fixtures for the spaCy triage tests: one model trained per session (all data,
into a temporary models folder) and a tiny data set for the cache tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from triage.nlp.classifier import TriageClassifier, load_pipeline
from triage.nlp.rules import rule_pipeline
from triage.nlp.train import TrainedModel, ensure_model
from triage.nlp.training_data import DATA_DIR

TINY_NLU = """version: "3.1"
nlu:
- intent: emergency_violence
  examples: |
    - someone is stabbing a man outside right now
    - there's a fight with knives on the high street now
    - he's punching her and she's on the floor
    - a gang is attacking a lad outside the pub
- intent: report_theft
  examples: |
    - my bike was stolen from outside the gym yesterday
    - someone took my [purse](item) on the bus last week
    - my phone was nicked at the match on saturday
    - parcel stolen off my doorstep this morning
- intent: station_opening_times
  examples: |
    - what time does the station open
    - is the front desk open on sunday
    - opening hours for the police station
    - when does [Riverside](place) station close
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
    - hiya
"""

TINY_SOCIAL = """version: "1"
triage_examples:
  emergency:
    - "@NorthshirePolice man with a knife outside the co-op RIGHT NOW"
  crime_report:
    - "@NorthshirePolice my car was broken into last night"
  enquiry:
    - "@NorthshirePolice what's the non emergency number"
  other:
    - "@NorthshirePolice 😂😂"
"""


@pytest.fixture(scope="session")
def models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("triage-models")


@pytest.fixture(scope="session")
def trained(models_root: Path) -> TrainedModel:
    """The classifier trained once on the project's data (all of it)."""
    return ensure_model(DATA_DIR, models_root, "all")


@pytest.fixture(scope="session")
def classifier(trained: TrainedModel) -> TriageClassifier:
    return TriageClassifier(load_pipeline(trained.path))


@pytest.fixture(scope="session")
def rules_nlp() -> Language:
    return rule_pipeline()


@pytest.fixture
def tiny_data(tmp_path: Path) -> Iterator[Path]:
    """A minimal data folder: the real category map, one small NLU file, one social file."""
    data = tmp_path / "nlu_data"
    data.mkdir()
    shutil.copy(DATA_DIR / "categories.yml", data / "categories.yml")
    (data / "tiny.yml").write_text(TINY_NLU, encoding="utf-8")
    (data / "social_triage.yml").write_text(TINY_SOCIAL, encoding="utf-8")
    yield data
