"""The held-out figures the bench prints and `make triage-report` enforces."""

from __future__ import annotations

import pytest

from bench.triage_figures import figures_table
from triage.decisions import Category, Decision, Priority
from triage.nlp.evaluation import score
from triage.nlp.training_data import LabelledText

E, C, Q, OT = Category.EMERGENCY, Category.CRIME_REPORT, Category.ENQUIRY, Category.OTHER


def pairs(*items: tuple[Category, Category]) -> tuple[list[LabelledText], list[Decision]]:
    examples = [LabelledText(f"text {i}", gold, "test") for i, (gold, _) in enumerate(items)]
    decisions = [Decision(category=p, priority=Priority.P3, confidence=1.0) for _, p in items]
    return examples, decisions


def test_scores_and_safety_figures() -> None:
    examples, decisions = pairs((E, E), (E, E), (E, C), (C, C), (C, E), (Q, Q), (OT, OT), (OT, Q))
    figures = score(examples, decisions)
    assert figures.per_category[E].precision == pytest.approx(2 / 3)
    assert figures.per_category[E].recall == pytest.approx(2 / 3)
    assert figures.per_category[C].f1 == pytest.approx(0.5)
    assert figures.per_category[Q].precision == pytest.approx(0.5)
    assert figures.per_category[OT].recall == pytest.approx(0.5)
    assert figures.emergency_recall == pytest.approx(2 / 3)
    assert figures.false_emergency_rate == pytest.approx(1 / 5)
    assert [e.text for e, _ in figures.missed] == ["text 2"]
    assert [e.text for e, _ in figures.false_alarms] == ["text 4"]
    f1s = [figures.per_category[c].f1 for c in Category]
    assert figures.macro_f1 == pytest.approx(sum(f1s) / 4)


def test_failures_name_each_missed_target() -> None:
    examples, decisions = pairs((E, E), (E, OT), (C, E), (Q, Q), (OT, OT))
    failed = score(examples, decisions).failures()
    assert len(failed) == 3
    assert failed[0].startswith("emergency recall 0.500 < 0.980")
    assert failed[1].startswith("false emergencies 0.333 > 0.050")
    assert failed[2].startswith("macro-F1")
    perfect = score(*pairs((E, E), (C, C), (Q, Q), (OT, OT)))
    assert perfect.failures() == []


def test_table_shows_every_category_and_target() -> None:
    table = figures_table(score(*pairs((E, E), (C, C), (Q, Q), (OT, OT))), 0.3)
    for name in ("emergency", "crime_report", "enquiry", "other", "macro-F1"):
        assert f"| {name} |" in table
    assert "safety threshold 0.30" in table
