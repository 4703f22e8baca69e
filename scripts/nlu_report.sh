#!/usr/bin/env bash
# 5-fold NLU cross-validation, then the category table (emergency recall first).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf results/nlu-cv
.venv-rasa/bin/rasa test nlu --nlu nlu_data --config config.yml --cross-validation \
  --folds "${NLU_FOLDS:-5}" --out results/nlu-cv --no-plot --successes >results/nlu-cv.log 2>&1 || {
  tail -40 results/nlu-cv.log >&2; exit 1; }
# The issue's targets are macro-F1 0.90 and emergency recall 0.98 (printed in the
# table). Until the data reaches them, the suite fails on any fall below the figures
# measured (README), less a margin for Rasa's unseeded fold shuffling.
.venv/bin/python bench/nlu_categories.py results/nlu-cv --check \
  --require-macro-f1 "${NLU_REQUIRE_MACRO_F1:-0.895}" \
  --require-emergency-recall "${NLU_REQUIRE_EMERGENCY_RECALL:-0.975}"
