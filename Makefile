# make run: set up and run the bot (terminal chat when no TELEGRAM_BOT_TOKEN is set)
# make test: set up and run ruff, mypy and pytest
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench index clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

data/index.db: $(STAMP) $(wildcard articles/*.txt)
	$(PY) -m index build

index: $(STAMP)
	$(PY) -m index build

run: $(STAMP) data/index.db
	$(PY) -m bot

lint: $(STAMP)
	$(VENV)/bin/ruff check index bot tests $(wildcard bench)
	$(VENV)/bin/ruff format --check index bot tests $(wildcard bench)
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) -m bench

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
