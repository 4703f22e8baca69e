"""Training is cached by a fingerprint of the data, the split, the training version and the
decision code; every model carries the threshold chosen for it on dev."""

from __future__ import annotations

from pathlib import Path

import pytest

import triage.nlp.train as train_module
from triage.decisions import Category
from triage.nlp.classifier import ModelMissingError, TriageClassifier, load_pipeline
from triage.nlp.threshold import PROCEDURE, THRESHOLD_GRID
from triage.nlp.train import (
    CURRENT_POINTER,
    TrainedModel,
    ensure_model,
    fingerprint,
    model_info,
    read_pointer,
)

PROBES = ["someone is stabbing a man right now", "what time does the station open", "hiya"]


def test_second_call_reuses_the_model(tiny_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "models"
    first = ensure_model(tiny_data, root)
    assert not first.reused
    assert first.path == root / first.fingerprint
    assert read_pointer(root) == first.path
    stamp = (first.path / "meta.json").stat().st_mtime_ns

    second = ensure_model(tiny_data, root)
    assert second.reused
    assert second.path == first.path
    assert (first.path / "meta.json").stat().st_mtime_ns == stamp
    assert model_info(first.path)["fingerprint"] == first.fingerprint


def test_changed_data_trains_a_new_model(tiny_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "models"
    before = ensure_model(tiny_data, root)
    social = tiny_data / "social_triage.yml"
    social.write_text(social.read_text() + '    - "@NorthshirePolice lol"\n')
    after = ensure_model(tiny_data, root)
    assert after.fingerprint != before.fingerprint
    assert not after.reused
    assert read_pointer(root) == after.path
    assert before.path.is_dir()  # the old model stays until someone cleans up


def test_category_map_is_part_of_the_fingerprint(tiny_data: Path) -> None:
    before = fingerprint(tiny_data)
    categories = tiny_data / "categories.yml"
    categories.write_text(categories.read_text() + "\n# comment\n")
    assert fingerprint(tiny_data) != before


def test_force_retrains(tiny_data: Path, tmp_path: Path) -> None:
    root = tmp_path / "models"
    ensure_model(tiny_data, root)
    forced = ensure_model(tiny_data, root, force=True)
    assert not forced.reused
    assert forced.fingerprint == fingerprint(tiny_data)


def test_training_split_is_cached_apart_and_leaves_the_pointer(
    tiny_data: Path, tmp_path: Path
) -> None:
    root = tmp_path / "models"
    everything = ensure_model(tiny_data, root)
    split = ensure_model(tiny_data, root, split="train")
    assert split.fingerprint != everything.fingerprint
    assert fingerprint(tiny_data, "train", "other-seed") != split.fingerprint
    assert read_pointer(root) == everything.path
    assert model_info(split.path)["split"] == "train"


def test_training_version_is_part_of_the_fingerprint(
    tiny_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = fingerprint(tiny_data)
    monkeypatch.setattr(train_module, "TRAINING_VERSION", "next")
    assert fingerprint(tiny_data) != before


def test_training_is_reproducible(tiny_data: Path, tmp_path: Path) -> None:
    one = TriageClassifier(load_pipeline(ensure_model(tiny_data, tmp_path / "a").path))
    two = TriageClassifier(load_pipeline(ensure_model(tiny_data, tmp_path / "b").path))
    for a, b in zip(one.classify_texts(PROBES), two.classify_texts(PROBES), strict=True):
        assert a.scores == b.scores


def test_load_uses_the_pointer_or_says_what_to_do(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "models"
    monkeypatch.setenv(train_module.MODELS_ENV, str(root))
    with pytest.raises(ModelMissingError, match="python -m triage train"):
        TriageClassifier.load()
    trained = ensure_model(tiny_data)
    assert (root / CURRENT_POINTER).read_text().strip() == trained.fingerprint
    loaded = TriageClassifier.load()
    assert loaded.classify_texts(["hello"])[0].category is Category.OTHER  # seen in training


def test_models_carry_the_threshold_chosen_on_dev(tiny_data: Path, tmp_path: Path) -> None:
    """A `train` model's threshold is chosen on its dev part; the `all` model, which has
    no dev part of its own, takes it from the `train` model of the same seed."""
    root = tmp_path / "models"
    everything = ensure_model(tiny_data, root)
    tuned = ensure_model(tiny_data, root, split="train")
    assert tuned.reused  # trained first, for the threshold
    assert tuned.threshold is not None
    assert everything.threshold == tuned.threshold
    info = model_info(everything.path)
    assert info["threshold_from"] == tuned.fingerprint
    assert info["threshold"] == model_info(tuned.path)["threshold"]
    assert tuned.threshold.procedure.startswith("default")  # tiny dev: too few emergencies
    loaded = TriageClassifier(load_pipeline(everything.path))
    assert loaded.threshold == tuned.threshold.value
    assert TriageClassifier(load_pipeline(everything.path), threshold=0.42).threshold == 0.42


def test_decision_code_is_part_of_the_fingerprint(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules decide which threshold a model is given, so a rule change retrains."""
    rules = tmp_path / "rules.py"
    rules.write_text("A = 1\n")
    monkeypatch.setattr(train_module, "decision_sources", lambda: [rules])
    before = fingerprint(tiny_data)
    rules.write_text("A = 2\n")
    assert fingerprint(tiny_data) != before


def test_the_real_model_has_a_threshold_from_the_grid(trained: TrainedModel) -> None:
    assert trained.threshold is not None
    assert trained.threshold.value in THRESHOLD_GRID
    assert trained.threshold.dev_examples > 400
    assert trained.threshold.procedure == PROCEDURE
