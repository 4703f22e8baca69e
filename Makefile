# bluelamp: `make demo` runs everything on this machine; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_RASA := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(VENV_RASA)/bin/rasa
MODEL := models/current.tar.gz
RASA_DATA := --domain bot/domain --data nlu_data bot/data --config config.yml
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help demo test venvs train train-fresh lint validate test-unit test-dialogue \
        test-e2e test-browser nlu-report clean triage-model triage-report bench case-bench \
        webchat-bench console-bench cluster test-cluster test-faults load-bench conversation-bench

help:
	@echo "make demo   - set up, train if needed, run engine + action server + gateway"
	@echo "make test   - set up, lint, validate, train if needed, run every test"
	@echo "make cluster - the production layout on this machine, two of everything (deploy/)"
	@echo "other: venvs train train-fresh lint validate test-unit test-dialogue test-e2e test-cluster nlu-report clean"

# --- environments -----------------------------------------------------------------
$(VENV)/.installed: pyproject.toml requirements.lock
	@py=$$(scripts/find-python.sh services) && echo "services venv with $$py" && \
	  $$py -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

$(VENV_RASA)/.installed: requirements-rasa.lock
	@py=$$(scripts/find-python.sh engine) && echo "engine venv with $$py" && \
	  $$py -m venv $(VENV_RASA)
	$(VENV_RASA)/bin/pip install --quiet --upgrade pip wheel
	$(VENV_RASA)/bin/pip install --quiet -c requirements-rasa.lock rasa==3.6.21
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

venvs: $(VENV)/.installed $(VENV_RASA)/.installed node_modules/.installed

# --- model --------------------------------------------------------------------------
train: venvs
	$(PY) scripts/train_model.py

train-fresh: venvs
	$(PY) scripts/train_model.py --force

# --- run ----------------------------------------------------------------------------
demo: train triage-model
	$(PY) scripts/run_demo.py

# The production layout on this machine (deploy/README.md): two engines (PostgreSQL tracker
# store, Redis lock store), two action servers, two gateways, the outbox worker, and a
# round-robin load balancer (scripts/lb.py) in front of each pool; needs PostgreSQL and Redis
# on 127.0.0.1.
cluster: train triage-model
	$(PY) scripts/cluster.py

# --- checks -------------------------------------------------------------------------
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check actions channels triage tests bench scripts
	$(VENV)/bin/ruff format --check actions channels triage tests bench scripts
	$(VENV)/bin/mypy

validate: venvs
	scripts/validate.sh

test-unit: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/pytest -m "not engine and not browser" -q

test-dialogue: train
	scripts/test_dialogue.sh

test-e2e: train
	$(VENV)/bin/pytest -m "engine and not browser" -q --ignore=tests/cluster --ignore=tests/faults

# Redis restarted, PostgreSQL cut, the engine killed and the action server stopped during live
# conversations (tests/faults): every report stored once, every message answered or queued.
test-faults: train triage-model
	$(VENV)/bin/pytest -m engine -q -s tests/faults

# Concurrent crime reports through the two-of-everything cluster (scripts/cluster.py): every
# message kept, in order, one case each, whichever gateway and engine took each message.
test-cluster: train triage-model
	$(VENV)/bin/pytest -m engine -q tests/cluster

# Debian's Chromium (/usr/bin/chromium) drives the widget against the real stack; screenshots
# and axe-core reports go to results/browser/.
test-browser: train node_modules/.installed
	$(VENV)/bin/pytest -m browser -q tests/browser

nlu-report: venvs
	scripts/nlu_report.sh

# --- triage (spaCy) -----------------------------------------------------------------
triage-model: $(VENV)/.installed
	$(PY) -m triage train

triage-report: $(VENV)/.installed
	$(PY) bench/triage_figures.py --check

bench: $(VENV)/.installed case-bench webchat-bench x-bench console-bench
	$(PY) bench/triage_throughput.py

# Report submissions per second into SQLite and PostgreSQL (127.0.0.1:5432, db `test`),
# counting duplicates and losses; fails below 200/s into PostgreSQL.
case-bench: $(VENV)/.installed
	$(PY) bench/case_submissions.py --check

# Concurrent web chat reports through the gateway's WebSocket beside the engine's REST channel,
# and the 999 guidance at 50 concurrent conversations; starts the whole stack itself.
webchat-bench: train
	$(PY) bench/webchat.py

# 20 live conversations taken over in the operator console: operator -> person socket and
# person -> console socket, count, p50, p95, max (target p95 under 100 ms); starts the stack.
console-bench: train
	$(PY) bench/console_roundtrip.py

# Simulated people (issue 15): 65 made-up members of the public (bench/people.yml: every crime
# family and the main enquiries; storytellers, several facts at once, wrong answers,
# corrections, side questions, references, changes of mind, text-speak) over the gateway's REST
# channel; completion, turns against the fewest possible, facts asked again, reports lost,
# fallbacks in a row. Starts its own stack; fails when a target is missed. About a minute.
conversation-bench: train
	$(PY) bench/conversations.py --check --json results/conversations.json

# The whole system under load (issue 8): 50 simulated people for 5 minutes through the cluster
# (three engines, two of everything else; HAProxy in front when installed), a realistic mix of reports, enquiries, small talk and emergencies over the
# WebSocket and REST; turns/s, p50/p95/p99, errors, losses, reports told vs stored, CPU.
# Fails when a target is missed (40 turns/s, p95 under 1 s, no errors or losses). Not in `make
# test`: it takes about 7 minutes and needs the machine to itself.
load-bench: train triage-model
	$(PY) bench/load.py --layout cluster --engines 3 --conversations 50 --duration 300 --check

# 10,000 mixed X posts through the local fake X API, tweepy, triage and the replies: posts/s,
# and arrival -> P1 alert p50/p95; fails when p95 is 1 second or more.
x-bench: $(VENV)/.installed
	$(PY) bench/x_intake.py

test: venvs lint validate test-unit triage-report train test-dialogue test-e2e test-faults \
      test-cluster test-browser nlu-report
	@echo "make test: all checks passed"

clean:
	rm -rf models results .rasa var/logs
