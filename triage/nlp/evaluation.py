"""Figures for the triage classifier: what the bench prints and `--check` enforces.

For each split seed the classifier learns from the train part, its safety threshold is
chosen on the dev part (`triage.nlp.threshold`) and the figures come from the test part
alone, judged with everything that makes a decision (text classifier, threshold, rules),
so they describe what the command line would have answered on messages nothing was tuned
on. Several seeds are measured so one lucky split cannot carry the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc

from triage.decisions import Category, Decision
from triage.nlp.classifier import TriageClassifier, load_pipeline
from triage.nlp.threshold import ThresholdChoice
from triage.nlp.train import Log, ensure_model
from triage.nlp.training_data import (
    DATA_DIR,
    SPLIT_SEED,
    LabelledText,
    Splits,
    load_training_data,
    three_way_split,
)

TARGET_EMERGENCY_RECALL = 0.98
MAX_FALSE_EMERGENCY = 0.05
TARGET_MACRO_F1 = 0.90
# The worst single seed must meet the same targets, except emergency recall. When the
# three-way split came in, the mean over five seeds was 0.981-0.985 but the worst seed
# 0.966-0.977 (4 to 6 of ~175 test emergencies missed; which seed is worst, and by how
# much, moved with single-example data edits). The floor is set under what is measured, not
# at the 0.98: a known gap, printed by the bench next to the target. Raised from
# 0.96 to 0.97 when the rules for "being attacked", overdose counts and suspect packages,
# the model-alone floor and the 3% dev budget brought the worst seed to 0.979.
WORST_EMERGENCY_RECALL = 0.97


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


@dataclass(frozen=True)
class SeedResult:
    """One split seed: the threshold chosen on its dev part and the figures on its test part."""

    seed: str
    threshold: ThresholdChoice
    dev: Figures
    test: Figures


@dataclass(frozen=True)
class Summary:
    """Mean and worst of each safety figure over the seeds (worst: each measure's own)."""

    mean_recall: float
    worst_recall: float
    mean_false: float
    worst_false: float
    mean_macro_f1: float
    worst_macro_f1: float

    def failures(
        self,
        min_recall: float = TARGET_EMERGENCY_RECALL,
        max_false: float = MAX_FALSE_EMERGENCY,
        min_macro_f1: float = TARGET_MACRO_F1,
        worst_min_recall: float = WORST_EMERGENCY_RECALL,
    ) -> list[str]:
        """What misses: the targets on the mean over seeds, and the floors on the worst
        seed (the same targets, but emergency recall's floor is `worst_min_recall`)."""
        failed = []
        if self.mean_recall < min_recall:
            failed.append(f"mean emergency recall {self.mean_recall:.3f} < {min_recall:.3f}")
        if self.mean_false > max_false:
            failed.append(f"mean false emergencies {self.mean_false:.3f} > {max_false:.3f}")
        if self.mean_macro_f1 < min_macro_f1:
            failed.append(f"mean macro-F1 {self.mean_macro_f1:.3f} < {min_macro_f1:.3f}")
        if self.worst_recall < worst_min_recall:
            failed.append(
                f"worst emergency recall {self.worst_recall:.3f} < {worst_min_recall:.3f}"
            )
        if self.worst_false > max_false:
            failed.append(f"worst false emergencies {self.worst_false:.3f} > {max_false:.3f}")
        if self.worst_macro_f1 < min_macro_f1:
            failed.append(f"worst macro-F1 {self.worst_macro_f1:.3f} < {min_macro_f1:.3f}")
        return failed


def split_setup(
    data_dir: Path = DATA_DIR,
    root: Path | None = None,
    force: bool = False,
    log: Log | None = None,
    seed: str = SPLIT_SEED,
) -> tuple[TriageClassifier, Splits]:
    """A classifier trained on the seed's train part with its threshold chosen on dev
    (cached), and the three parts."""
    classifier = TriageClassifier.load_or_train(data_dir, root, "train", force, log, seed=seed)
    return classifier, three_way_split(load_training_data(data_dir), seed)


def seed_result(
    seed: str,
    data_dir: Path = DATA_DIR,
    root: Path | None = None,
    force: bool = False,
    log: Log | None = None,
) -> SeedResult:
    """Train (or reuse) the seed's model and measure it on dev and, separately, on test."""
    trained = ensure_model(data_dir, root, "train", force, log, seed)
    if trained.threshold is None:
        raise RuntimeError(f"model {trained.fingerprint} has no chosen threshold")
    classifier = TriageClassifier(load_pipeline(trained.path))
    parts = three_way_split(load_training_data(data_dir), seed)
    return SeedResult(
        seed, trained.threshold, evaluate(classifier, parts.dev), evaluate(classifier, parts.test)
    )


def summarise(results: Sequence[SeedResult]) -> Summary:
    """Mean and worst test figures over the seeds."""
    tests = [r.test for r in results]
    recall = [f.emergency_recall for f in tests]
    false = [f.false_emergency_rate for f in tests]
    macro = [f.macro_f1 for f in tests]
    return Summary(
        mean_recall=sum(recall) / len(recall),
        worst_recall=min(recall),
        mean_false=sum(false) / len(false),
        worst_false=max(false),
        mean_macro_f1=sum(macro) / len(macro),
        worst_macro_f1=min(macro),
    )


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
