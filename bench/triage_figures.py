"""Honest figures for the spaCy triage classifier (issue 3, "Figures").

The data is split three ways per seed (train / dev / test, stratified by source intent).
The classifier learns from train; its safety threshold is chosen on dev by the written
procedure in `triage.nlp.threshold`; the figures printed come from test alone, which
nothing was tuned on. Shown: per-category precision, recall and F1, macro-F1, emergency
recall and the share of non-emergencies wrongly raised to emergency, for the primary seed,
then the same safety figures for every seed with their mean and worst, then the false-P1
rate and emergency recall of the production model on the hand-written probe lists of
`tests/triage/nlp/test_nlp_false_alarms.py`.

`--check` exits 1 when the mean over the seeds misses one of the issue's targets, or the
worst seed misses its floor (the same targets, except emergency recall: 0.97, set under what
was measured; a known gap to the 0.98 target), so one lucky split cannot pass.
`--sweep` shows the dev sweep the primary seed's threshold was chosen from. `--errors`
lists the primary seed's dev mistakes: dev is where mistakes are studied; test mistakes
are deliberately not printed, so nobody tunes on them.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from triage.decisions import Category, Contact, Priority
from triage.nlp.classifier import TriageClassifier
from triage.nlp.evaluation import (
    MAX_FALSE_EMERGENCY,
    TARGET_EMERGENCY_RECALL,
    TARGET_MACRO_F1,
    WORST_EMERGENCY_RECALL,
    Figures,
    SeedResult,
    Summary,
    seed_result,
    split_setup,
    summarise,
    sweep,
)
from triage.nlp.threshold import THRESHOLD_GRID, ThresholdChoice
from triage.nlp.training_data import EXTRA_SPLIT_SEEDS, SPLIT_SEED

ROOT = Path(__file__).resolve().parent.parent
PROBES_FILE = ROOT / "tests" / "triage" / "nlp" / "test_nlp_false_alarms.py"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def figures_table(figures: Figures, threshold: float, seed: str = SPLIT_SEED) -> str:
    rows = [
        f"triage classifier, test split of seed {seed!r}: {figures.total} messages, "
        f"safety threshold {threshold:.2f} (chosen on dev)",
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


def seeds_table(
    results: Sequence[SeedResult], summary: Summary, worst_floor: float = WORST_EMERGENCY_RECALL
) -> str:
    rows = [
        f"test figures over {len(results)} split seeds (threshold chosen on each seed's dev)",
        "",
        "| seed | threshold | dev recall | dev false | test recall | test false | test macro-F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rows.append(
            f"| {r.seed} | {r.threshold.value:.2f}{'' if r.threshold.met else ' (check failed)'} "
            f"| {r.dev.emergency_recall:.3f} | {r.dev.false_emergency_rate:.3f} "
            f"| {r.test.emergency_recall:.3f} | {r.test.false_emergency_rate:.3f} "
            f"| {r.test.macro_f1:.3f} |"
        )
    rows += [
        f"| mean | | | | {summary.mean_recall:.3f} | {summary.mean_false:.3f} "
        f"| {summary.mean_macro_f1:.3f} |",
        f"| worst | | | | {summary.worst_recall:.3f} | {summary.worst_false:.3f} "
        f"| {summary.worst_macro_f1:.3f} |",
        f"| target (issue 3; checked on the mean) | | | | >= {TARGET_EMERGENCY_RECALL:.2f} "
        f"| <= {MAX_FALSE_EMERGENCY:.2f} | >= {TARGET_MACRO_F1:.2f} |",
        f"| floor (checked on the worst seed) | | | | >= {worst_floor:.2f} "
        f"| <= {MAX_FALSE_EMERGENCY:.2f} | >= {TARGET_MACRO_F1:.2f} |",
    ]
    return "\n".join(rows)


@dataclass(frozen=True)
class ProbeResult:
    """The production model on the hand-written probe lists."""

    benign: int
    false_p1: tuple[str, ...]
    emergencies: int
    missed: tuple[str, ...]
    threshold: float

    @property
    def false_p1_rate(self) -> float:
        return len(self.false_p1) / self.benign if self.benign else 0.0

    @property
    def emergency_recall(self) -> float:
        return 1 - len(self.missed) / self.emergencies if self.emergencies else 0.0


def load_probes(path: Path = PROBES_FILE) -> tuple[list[str], list[str]]:
    """(BENIGN, EMERGENCIES) from the false-alarm test, so the test and the row agree."""
    spec = importlib.util.spec_from_file_location("triage_false_alarm_probes", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the probe lists from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [str(t) for t in module.BENIGN], [str(t) for t in module.EMERGENCIES]


def run_probes(
    classifier: TriageClassifier, benign: list[str], emergencies: list[str]
) -> ProbeResult:
    """Every probe through the classifier as the gateway would send it."""

    def p1(texts: list[str]) -> list[bool]:
        contacts = [Contact(id=str(i), text=t) for i, t in enumerate(texts)]
        return [d.priority is Priority.P1 for d in classifier.classify_many(contacts)]

    return ProbeResult(
        benign=len(benign),
        false_p1=tuple(t for t, hit in zip(benign, p1(benign), strict=True) if hit),
        emergencies=len(emergencies),
        missed=tuple(t for t, hit in zip(emergencies, p1(emergencies), strict=True) if not hit),
        threshold=classifier.threshold,
    )


def probes_table(result: ProbeResult, fingerprint: str) -> str:
    rows = [
        f"production model {fingerprint} (all data, threshold {result.threshold:.2f}) on the "
        "hand-written probe lists",
        "",
        "| list | messages | P1 | rate |",
        "|---|---|---|---|",
        f"| benign messages raised to P1 (false P1) | {result.benign} | {len(result.false_p1)} "
        f"| {result.false_p1_rate:.3f} |",
        f"| genuine emergencies given P1 (recall) | {result.emergencies} "
        f"| {result.emergencies - len(result.missed)} | {result.emergency_recall:.3f} |",
    ]
    for text in result.false_p1:
        rows.append(f"  false P1: {text}")
    for text in result.missed:
        rows.append(f"  missed: {text}")
    return "\n".join(rows)


def sweep_table(results: list[tuple[float, Figures]], chosen: ThresholdChoice) -> str:
    rows = [
        f"dev sweep of the primary seed; chosen {chosen.value:.2f} by: {chosen.procedure}",
        "",
        "| threshold | dev emergency recall | dev false emergencies | dev macro-F1 |",
        "|---|---|---|---|",
    ]
    for threshold, f in results:
        mark = " (chosen)" if abs(threshold - chosen.value) < 1e-9 else ""
        rows.append(
            f"| {threshold:.2f}{mark} | {f.emergency_recall:.3f} | {f.false_emergency_rate:.3f} "
            f"| {f.macro_f1:.3f} |"
        )
    return "\n".join(rows)


def error_list(figures: Figures) -> str:
    rows = []
    for title, items in (
        ("missed emergencies (dev)", figures.missed),
        ("false emergencies (dev)", figures.false_alarms),
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
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if the worst seed misses")
    parser.add_argument("--sweep", action="store_true", help="the primary seed's dev sweep")
    parser.add_argument("--errors", action="store_true", help="the primary seed's dev mistakes")
    parser.add_argument("--force", action="store_true", help="retrain even if cached")
    parser.add_argument("--seed", default=SPLIT_SEED, help="primary split seed")
    parser.add_argument(
        "--seeds",
        type=int,
        default=1 + len(EXTRA_SPLIT_SEEDS),
        help="how many seeds to report over (the primary and the project's others)",
    )
    parser.add_argument("--no-probes", action="store_true", help="skip the probe-list rows")
    parser.add_argument("--require-emergency-recall", type=float, default=TARGET_EMERGENCY_RECALL)
    parser.add_argument("--max-false-emergencies", type=float, default=MAX_FALSE_EMERGENCY)
    parser.add_argument("--require-macro-f1", type=float, default=TARGET_MACRO_F1)
    parser.add_argument(
        "--worst-emergency-recall",
        type=float,
        default=WORST_EMERGENCY_RECALL,
        help="floor for the worst seed's emergency recall",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")

    seeds = [args.seed, *[s for s in EXTRA_SPLIT_SEEDS if s != args.seed]][: args.seeds]
    results = [seed_result(s, force=args.force, log=_log) for s in seeds]
    primary = results[0]
    summary = summarise(results)
    print(figures_table(primary.test, primary.threshold.value, primary.seed))
    print()
    print(seeds_table(results, summary, args.worst_emergency_recall))
    if not args.no_probes:
        production = TriageClassifier.load_or_train(force=args.force, log=_log)
        info = production.nlp.meta.get("bluelamp", {})
        fingerprint = str(info.get("fingerprint", "?")) if isinstance(info, dict) else "?"
        print()
        print(probes_table(run_probes(production, *load_probes()), fingerprint))
    if args.sweep or args.errors:
        classifier, parts = split_setup(seed=primary.seed, log=_log)
        if args.sweep:
            print()
            print(sweep_table(sweep(classifier, parts.dev, THRESHOLD_GRID), primary.threshold))
        if args.errors:
            print()
            print(error_list(primary.dev))
    if args.check:
        failed = summary.failures(
            args.require_emergency_recall,
            args.max_false_emergencies,
            args.require_macro_f1,
            args.worst_emergency_recall,
        )
        if failed:
            print("triage figures below target: " + "; ".join(failed), file=sys.stderr)
            return 1
        print(
            f"triage figures: targets met on the mean of {len(results)} seeds, floors met on "
            f"the worst seed (emergency recall floor {args.worst_emergency_recall:.2f} "
            f"< target {args.require_emergency_recall:.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
