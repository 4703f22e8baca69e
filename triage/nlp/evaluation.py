"""Held-out figures for the triage classifier: what the bench prints and `--check` enforces.

The classifier is trained on the training part of the split only and judged on the held-out
part with everything that makes a decision (text classifier, safety threshold, rules), so
the figures describe what the command line would have answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc

from triage.decisions import Category, Decision
from triage.nlp.classifier import TriageClassifier
from triage.nlp.train import Log
from triage.nlp.training_data import (
    DATA_DIR,
    SPLIT_SEED,
    LabelledText,
    load_training_data,
    stratified_split,
)

TARGET_EMERGENCY_RECALL = 0.98
MAX_FALSE_EMERGENCY = 0.05
TARGET_MACRO_F1 = 0.90


@dataclass(frozen=True)
class CategoryScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Figures:
    """Per-category scores and the safety figures for one set of decisions."""

    per_category: dict[Category, CategoryScores]
    macro_f1: float
    emergency_recall: float
    false_emergency_rate: float
    """Share of the non-emergencies that were called an emergency."""
    total: int
    missed: tuple[tuple[LabelledText, Decision], ...]
    false_alarms: tuple[tuple[LabelledText, Decision], ...]

    def failures(
        self,
        min_recall: float = TARGET_EMERGENCY_RECALL,
        max_false: float = MAX_FALSE_EMERGENCY,
        min_macro_f1: float = TARGET_MACRO_F1,
    ) -> list[str]:
        """The targets these figures miss, in words (empty when all are met)."""
        failed = []
        if self.emergency_recall < min_recall:
            failed.append(f"emergency recall {self.emergency_recall:.3f} < {min_recall:.3f}")
        if self.false_emergency_rate > max_false:
            failed.append(f"false emergencies {self.false_emergency_rate:.3f} > {max_false:.3f}")
        if self.macro_f1 < min_macro_f1:
            failed.append(f"macro-F1 {self.macro_f1:.3f} < {min_macro_f1:.3f}")
        return failed


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def score(examples: Sequence[LabelledText], decisions: Sequence[Decision]) -> Figures:
    """Figures for decisions against the examples' labels (same order)."""
    pairs = list(zip(examples, decisions, strict=True))
    per_category = {}
    for cat in Category:
        hits = sum(1 for e, d in pairs if e.category is cat and d.category is cat)
        predicted = sum(1 for _, d in pairs if d.category is cat)
        support = sum(1 for e, _ in pairs if e.category is cat)
        precision, recall = _ratio(hits, predicted), _ratio(hits, support)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_category[cat] = CategoryScores(precision, recall, f1, support)
    emergency = Category.EMERGENCY
    missed = tuple((e, d) for e, d in pairs if e.category is emergency and d.category != emergency)
    false_alarms = tuple(
        (e, d) for e, d in pairs if e.category is not emergency and d.category is emergency
    )
    non_emergencies = sum(1 for e, _ in pairs if e.category is not emergency)
    return Figures(
        per_category=per_category,
        macro_f1=sum(s.f1 for s in per_category.values()) / len(per_category),
        emergency_recall=per_category[emergency].recall,
        false_emergency_rate=_ratio(len(false_alarms), non_emergencies),
        total=len(pairs),
        missed=missed,
        false_alarms=false_alarms,
    )


def held_out_setup(
    data_dir: Path = DATA_DIR,
    root: Path | None = None,
    force: bool = False,
    log: Log | None = None,
    seed: str = SPLIT_SEED,
) -> tuple[TriageClassifier, list[LabelledText]]:
    """A classifier trained on the training split (cached) and the held-out examples."""
    classifier = TriageClassifier.load_or_train(data_dir, root, "train", force, log, seed=seed)
    _, held_out = stratified_split(load_training_data(data_dir), seed=seed)
    return classifier, held_out


def sweep(
    classifier: TriageClassifier, examples: Sequence[LabelledText], thresholds: Sequence[float]
) -> list[tuple[float, Figures]]:
    """Figures at each safety threshold (the texts go through spaCy once)."""
    docs: list[Doc] = list(classifier.nlp.pipe(e.text for e in examples))
    return [
        (t, score(examples, [classifier.decide_doc(d, threshold=t) for d in docs]))
        for t in thresholds
    ]


def evaluate(classifier: TriageClassifier, examples: Sequence[LabelledText]) -> Figures:
    """Figures at the classifier's own threshold."""
    return score(examples, classifier.classify_texts(e.text for e in examples))
