#!/usr/bin/env bash
# Conversation tests: every story and rule, replayed against the trained model.
# Stories without user text test the dialogue policies only; nlu_end_to_end.yml also
# runs each user message through NLU.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf results/dialogue
mkdir -p results
if ! .venv-rasa/bin/rasa test core --model models/current.tar.gz \
  --stories tests/conversations --fail-on-prediction-errors \
  --out results/dialogue --no-plot >results/dialogue.log 2>&1; then
  grep -a -v "Processed\|it/s" results/dialogue.log | tail -40 >&2
  echo "conversation tests failed: see results/dialogue/failed_test_stories.yml" >&2
  exit 1
fi
grep -a "Correct:" results/dialogue.log | sed 's/.*INFO *//'
echo "conversation tests: all stories predicted correctly"
