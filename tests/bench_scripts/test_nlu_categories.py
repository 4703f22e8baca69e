"""The category figures drawn from Rasa's cross-validation output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.nlu_categories import category_scores, main


def _prediction(text: str, intent: str, predicted: str) -> dict[str, object]:
    return {"text": text, "intent": intent, "intent_prediction": {"name": predicted}}


def _results(tmp_path: Path, macro_f1: float) -> Path:
    successes = [
        _prediction("he's got a knife now", "emergency_violence", "emergency_violence"),
        _prediction("house on fire", "emergency_fire", "emergency_intruder"),  # still caught
        _prediction("bike nicked yesterday", "report_theft", "report_theft"),
        _prediction("hi", "greet", "greet"),
    ]
    errors = [
        _prediction("he's not breathing", "emergency_medical", "report_assault"),  # missed
        _prediction("lost my wallet", "lost_property", "emergency_crime_in_progress"),
    ]
    (tmp_path / "intent_successes.json").write_text(json.dumps(successes))
    (tmp_path / "intent_errors.json").write_text(json.dumps(errors))
    (tmp_path / "intent_report.json").write_text(json.dumps({"macro avg": {"f1-score": macro_f1}}))
    return tmp_path


def test_scores_count_any_emergency_intent_as_caught() -> None:
    pairs = [("emergency", "emergency"), ("emergency", "crime_report"), ("other", "emergency")]
    scores = category_scores(pairs)
    assert scores["emergency"].recall == pytest.approx(0.5)
    assert scores["emergency"].precision == pytest.approx(0.5)
    assert scores["other"].recall == 0.0


def test_table_and_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = _results(tmp_path, macro_f1=0.95)
    assert main([str(results)]) == 0
    out = capsys.readouterr().out
    assert 'missed emergency: "he\'s not breathing" -> report_assault' in out
    figures = json.loads((results / "category_figures.json").read_text())
    assert figures["emergency_recall"] == pytest.approx(2 / 3)
    assert figures["false_emergency_rate"] == pytest.approx(1 / 3)


def test_check_fails_below_the_required_figures(tmp_path: Path) -> None:
    results = _results(tmp_path, macro_f1=0.95)
    assert main([str(results), "--check"]) == 1  # recall 0.67 < 0.98
    assert main([str(results), "--check", "--require-emergency-recall", "0.6"]) == 0
    assert (
        main(
            [
                str(results),
                "--check",
                "--require-emergency-recall",
                "0.6",
                "--require-macro-f1",
                "0.96",
            ]
        )
        == 1
    )
