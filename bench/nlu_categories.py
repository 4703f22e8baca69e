"""Category figures from Rasa's NLU cross-validation output.

Rasa reports per-intent scores; what matters for a police force is the category: an
emergency predicted as any emergency intent is caught, one predicted as anything else
(including the low-confidence fallback) is a missed emergency. Prints a table; with
`--check` exits 1 when the targets are missed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("emergency", "crime_report", "enquiry", "other")
TARGET_MACRO_F1 = 0.90
TARGET_EMERGENCY_RECALL = 0.98
MAX_MISSES_SHOWN = 25


def load_category_map(path: Path = ROOT / "nlu_data" / "categories.yml") -> dict[str, str]:
    data = yaml.safe_load(path.read_text())
    return {intent: category for category in CATEGORIES for intent in data[category]}


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


def category_scores(pairs: list[tuple[str, str]]) -> dict[str, Scores]:
    """Per-category scores from (true category, predicted category) pairs."""
    true_count = Counter(t for t, _ in pairs)
    pred_count = Counter(p for _, p in pairs)
    hits = Counter(t for t, p in pairs if t == p)
    scores = {}
    for cat in CATEGORIES:
        precision = hits[cat] / pred_count[cat] if pred_count[cat] else 0.0
        recall = hits[cat] / true_count[cat] if true_count[cat] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[cat] = Scores(precision, recall, f1, true_count[cat])
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path, help="folder written by rasa test nlu")
    parser.add_argument("--check", action="store_true", help="fail below the required figures")
    parser.add_argument("--require-macro-f1", type=float, default=TARGET_MACRO_F1)
    parser.add_argument("--require-emergency-recall", type=float, default=TARGET_EMERGENCY_RECALL)
    args = parser.parse_args(argv)

    mapping = load_category_map()
    examples = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = args.results / name
        if path.exists():
            examples.extend(json.loads(path.read_text()))
    if not examples:
        print(f"no predictions found in {args.results}", file=sys.stderr)
        return 1
    pairs = []
    missed = []
    for ex in examples:
        true_cat = mapping.get(ex["intent"], "other")
        predicted = (ex.get("intent_prediction") or {}).get("name") or "nlu_fallback"
        pred_cat = mapping.get(predicted, "fallback")
        pairs.append((true_cat, pred_cat))
        if true_cat == "emergency" and pred_cat != "emergency":
            missed.append((ex["text"], predicted))

    report = json.loads((args.results / "intent_report.json").read_text())
    macro_f1 = float(report["macro avg"]["f1-score"])
    scores = category_scores(pairs)
    non_emergency = [p for p in pairs if p[0] != "emergency"]
    false_emergency = sum(1 for _, p in non_emergency if p == "emergency")
    false_rate = false_emergency / len(non_emergency) if non_emergency else 0.0
    fallback_rate = sum(1 for _, p in pairs if p == "fallback") / len(pairs)

    print(f"NLU cross-validation: {len(pairs)} held-out predictions")
    print(f"{'category':<14}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for cat in CATEGORIES:
        s = scores[cat]
        print(f"{cat:<14}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}{s.support:>10}")
    emergency_recall = scores["emergency"].recall
    print(f"{'intent macro-F1':<34}{macro_f1:>10.3f}   (target >= {TARGET_MACRO_F1})")
    print(
        f"{'emergency recall':<34}{emergency_recall:>10.3f}   (target >= {TARGET_EMERGENCY_RECALL})"
    )
    print(f"{'non-emergencies raised to P1':<34}{false_rate:>10.3f}")
    print(f"{'sent to the fallback':<34}{fallback_rate:>10.3f}")
    for text, predicted in missed[:MAX_MISSES_SHOWN]:
        print(f"  missed emergency: {text!r} -> {predicted}")
    if len(missed) > MAX_MISSES_SHOWN:
        print(f"  (+{len(missed) - MAX_MISSES_SHOWN} more in category_figures.json)")
    figures = {
        "macro_f1": macro_f1,
        "emergency_recall": emergency_recall,
        "false_emergency_rate": false_rate,
        "fallback_rate": fallback_rate,
        "categories": {c: vars(s) for c, s in scores.items()},
        "missed_emergencies": [{"text": t, "predicted": p} for t, p in missed],
    }
    (args.results / "category_figures.json").write_text(json.dumps(figures, indent=2))
    met = macro_f1 >= TARGET_MACRO_F1 and emergency_recall >= TARGET_EMERGENCY_RECALL
    print("targets met" if met else "targets NOT met yet")
    below = macro_f1 < args.require_macro_f1 or emergency_recall < args.require_emergency_recall
    if args.check and below:
        print(
            f"NLU figures below the required macro-F1 {args.require_macro_f1} / "
            f"emergency recall {args.require_emergency_recall}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
