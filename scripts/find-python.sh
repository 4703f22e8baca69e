#!/usr/bin/env bash
# Prints the path of a working Python interpreter for the wanted series.
#   find-python.sh engine    -> Python 3.10 (Rasa 3.6 needs it)
#   find-python.sh services  -> Python 3.11 or newer
# pyenv shims answer on PATH even when the version is not selected, so each
# candidate is run once to prove it works.
set -u
want=${1:?usage: find-python.sh engine|services}
works() { "$1" -c 'import sys, venv, ensurepip' >/dev/null 2>&1; }
minor_ok() {
  local v
  v=$("$1" -c 'import sys; print(sys.version_info[1])' 2>/dev/null) || return 1
  case "$want" in
    engine) [ "$v" = 10 ] ;;
    services) [ "$v" -ge 11 ] ;;
  esac
}
candidates=()
if [ "$want" = engine ]; then
  candidates+=(python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10)
else
  candidates+=(python3.11 python3.12 python3.13 python3 "$HOME"/.pyenv/versions/3.1[1-9]*/bin/python3 /usr/bin/python3.11)
fi
for c in "${candidates[@]}"; do
  path=$(command -v "$c" 2>/dev/null) || continue
  if works "$path" && minor_ok "$path"; then echo "$path"; exit 0; fi
done
if [ "$want" = engine ]; then
  echo "No Python 3.10 found: Rasa 3.6 needs it. Install python3.10 (e.g. pyenv install 3.10) and retry." >&2
else
  echo "No Python 3.11 or newer found. Install one and retry." >&2
fi
exit 1
