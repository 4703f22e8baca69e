#!/usr/bin/env bash
# Conversation tests: every story and rule, replayed against the trained model.
# Stories without user text test the dialogue policies only; nlu_end_to_end.yml also
# runs each user message through NLU.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf results/dialogue
.venv-rasa/bin/rasa test core --model models/current.tar.gz \
  --stories tests/conversations --fail-on-prediction-errors \
  --out results/dialogue --no-plot
echo "conversation tests: all stories predicted correctly"
