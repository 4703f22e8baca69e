"""The figures the bench prints and `make triage-report` enforces: per split, over seeds
(mean and worst), and on the hand-written probe lists."""

from __future__ import annotations

import pytest

from bench.triage_figures import (
    ProbeResult,
    figures_table,
    load_probes,
    probes_table,
    seeds_table,
)
from triage.decisions import Category, Decision, Priority
from triage.nlp.evaluation import Figures, SeedResult, score, summarise
from triage.nlp.threshold import SweepPoint, pick
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


def seed(name: str, recall: float, false: float, macro: float) -> SeedResult:
    figures = Figures(
        per_category={},
        macro_f1=macro,
        emergency_recall=recall,
        false_emergency_rate=false,
        total=100,
        missed=(),
        false_alarms=(),
    )
    choice = pick([SweepPoint(0.3, recall, false)], 100)
    return SeedResult(name, choice, figures, figures)


def test_summary_takes_mean_and_each_measures_worst() -> None:
    summary = summarise(
        [seed("a", 0.99, 0.02, 0.95), seed("b", 0.97, 0.04, 0.93), seed("c", 1.0, 0.06, 0.91)]
    )
    assert summary.mean_recall == pytest.approx((0.99 + 0.97 + 1.0) / 3)
    assert (summary.worst_recall, summary.worst_false, summary.worst_macro_f1) == (
        0.97,
        0.06,
        0.91,
    )
    assert summary.failures() == ["worst false emergencies 0.060 > 0.050"]
    assert summarise([seed("a", 0.99, 0.02, 0.95)]).failures() == []


def test_the_mean_carries_the_targets_and_the_worst_seed_its_floors() -> None:
    lucky_and_unlucky = summarise(
        [seed("a", 1.0, 0.01, 0.95), seed("b", 0.955, 0.03, 0.93), seed("c", 1.0, 0.0, 0.9)]
    )
    assert lucky_and_unlucky.failures() == ["worst emergency recall 0.955 < 0.970"]
    below_on_average = summarise([seed("a", 0.975, 0.03, 0.95), seed("b", 0.975, 0.03, 0.93)])
    assert below_on_average.failures() == ["mean emergency recall 0.975 < 0.980"]
    assert below_on_average.failures(min_recall=0.97) == []


def test_seeds_table_has_a_row_per_seed_and_the_mean_and_worst() -> None:
    results = [seed("s1", 0.99, 0.02, 0.95), seed("s2", 0.98, 0.03, 0.92)]
    table = seeds_table(results, summarise(results))
    for row in ("| s1 | 0.30 |", "| s2 | 0.30 |", "| mean |", "| worst |", "| target", "| floor"):
        assert row in table


def test_probe_rows_show_the_false_p1_rate_and_recall() -> None:
    result = ProbeResult(
        benign=80, false_p1=("still here",), emergencies=60, missed=(), threshold=0.3
    )
    table = probes_table(result, "abc")
    assert "| benign messages raised to P1 (false P1) | 80 | 1 | 0.013 |" in table
    assert "| genuine emergencies given P1 (recall) | 60 | 60 | 1.000 |" in table
    assert "false P1: still here" in table


def test_probe_lists_come_from_the_false_alarm_test() -> None:
    benign, emergencies = load_probes()
    assert len(benign) >= 60 and len(emergencies) >= 60
    assert "still here" in benign
