#!/usr/bin/env bash
# `rasa data validate --fail-on-warnings` exits 0 on some warnings (a known 3.x bug),
# so the output is also searched: any UserWarning fails the check.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p results
out=results/validate.txt
.venv-rasa/bin/rasa data validate --domain bot/domain --data nlu_data bot/data \
  --config config.yml --fail-on-warnings >"$out" 2>&1
rc=$?
warnings=$(grep -c "UserWarning" "$out" || true)
grep -A1 "UserWarning" "$out" | sed 's/\x1b\[[0-9;]*m//g' | grep -v "^--$" || true
if [ "$rc" -ne 0 ] || [ "$warnings" -ne 0 ]; then
  echo "rasa data validate: exit $rc, $warnings warning(s); full output in $out" >&2
  exit 1
fi
echo "rasa data validate: clean (0 warnings)"
