#!/usr/bin/env bash
# 5-fold NLU cross-validation, then the category table (emergency recall first).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf results/nlu-cv
.venv-rasa/bin/rasa test nlu --nlu nlu_data --config config.yml --cross-validation \
  --folds "${NLU_FOLDS:-5}" --out results/nlu-cv --no-plot --successes >results/nlu-cv.log 2>&1 || {
  tail -40 results/nlu-cv.log >&2; exit 1; }
.venv/bin/python bench/nlu_categories.py results/nlu-cv --check
