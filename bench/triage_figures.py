"""Held-out figures for the spaCy triage classifier (issue 3, "Figures").

Trains (or reuses) the classifier on the training split only, classifies the held-out
split with everything that decides (text classifier, safety threshold, rules) and prints
per-category precision, recall and F1, macro-F1, emergency recall and the share of
non-emergencies wrongly raised to emergency. `--check` exits 1 below the targets;
`--sweep` prints the same figures across safety thresholds (how the threshold was chosen).
"""

from __future__ import annotations

import argparse
import sys

from triage.decisions import Category
from triage.nlp.evaluation import (
    MAX_FALSE_EMERGENCY,
    TARGET_EMERGENCY_RECALL,
    TARGET_MACRO_F1,
    Figures,
    evaluate,
    held_out_setup,
    sweep,
)
from triage.nlp.training_data import SPLIT_SEED

SWEEP = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def figures_table(figures: Figures, threshold: float, seed: str = SPLIT_SEED) -> str:
    split = "" if seed == SPLIT_SEED else f" (split seed {seed!r})"
    rows = [
        f"triage classifier, held-out split{split}: {figures.total} messages, "
        f"safety threshold {threshold:.2f}",
        "",
        "| category | precision | recall | F1 | support |",
        "|---|---|---|---|---|",
    ]
    for cat in Category:
        s = figures.per_category[cat]
        rows.append(
            f"| {cat.value} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.support} |"
        )
    rows += [
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| macro-F1 | {figures.macro_f1:.3f} | >= {TARGET_MACRO_F1:.2f} |",
        f"| emergency recall | {figures.emergency_recall:.3f} | >= {TARGET_EMERGENCY_RECALL:.2f} |",
        f"| non-emergencies raised to emergency | {figures.false_emergency_rate:.3f} "
        f"| <= {MAX_FALSE_EMERGENCY:.2f} |",
    ]
    return "\n".join(rows)


def sweep_table(results: list[tuple[float, Figures]]) -> str:
    rows = [
        "| threshold | emergency recall | false emergencies | macro-F1 |",
        "|---|---|---|---|",
    ]
    for threshold, f in results:
        rows.append(
            f"| {threshold:.2f} | {f.emergency_recall:.3f} | {f.false_emergency_rate:.3f} "
            f"| {f.macro_f1:.3f} |"
        )
    return "\n".join(rows)


def error_list(figures: Figures) -> str:
    rows = []
    for title, items in (
        ("missed emergencies", figures.missed),
        ("false emergencies", figures.false_alarms),
    ):
        rows.append(f"{title} ({len(items)}):")
        for example, decision in items:
            why = "; ".join(decision.reasons) or "model"
            rows.append(
                f"  [{example.source} -> {decision.category.value} "
                f"{decision.scores.get('emergency', 0.0):.2f}] {example.text}  ({why})"
            )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 below the targets")
    parser.add_argument("--sweep", action="store_true", help="figures across thresholds")
    parser.add_argument("--errors", action="store_true", help="list missed and false emergencies")
    parser.add_argument("--force", action="store_true", help="retrain even if cached")
    parser.add_argument(
        "--seed", default=SPLIT_SEED, help="another split seed, to see how much figures move"
    )
    parser.add_argument("--require-emergency-recall", type=float, default=TARGET_EMERGENCY_RECALL)
    parser.add_argument("--max-false-emergencies", type=float, default=MAX_FALSE_EMERGENCY)
    parser.add_argument("--require-macro-f1", type=float, default=TARGET_MACRO_F1)
    args = parser.parse_args(argv)

    classifier, held_out = held_out_setup(force=args.force, log=_log, seed=args.seed)
    figures = evaluate(classifier, held_out)
    print(figures_table(figures, classifier.threshold, args.seed))
    if args.sweep:
        print()
        print(sweep_table(sweep(classifier, held_out, SWEEP)))
    if args.errors:
        print()
        print(error_list(figures))
    if args.check:
        failed = figures.failures(
            args.require_emergency_recall, args.max_false_emergencies, args.require_macro_f1
        )
        if failed:
            print("triage figures below target: " + "; ".join(failed), file=sys.stderr)
            return 1
        print("triage figures: all targets met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
