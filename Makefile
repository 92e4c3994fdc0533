# make run: set up and run the bot (terminal chat when no TELEGRAM_BOT_TOKEN is set)
# make test: set up and run ruff, mypy and pytest
# make fit: refit the answer model on the labelled questions (eval/) and print its report
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench index fit soak clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

data/index.db: $(STAMP) $(wildcard articles/*.txt)
	$(PY) -m index build

index: $(STAMP)
	$(PY) -m index build

run: $(STAMP) data/index.db
	$(PY) -m bot

lint: $(STAMP)
	$(VENV)/bin/ruff check index bot tests devtools $(wildcard bench)
	$(VENV)/bin/ruff format --check index bot tests devtools $(wildcard bench)
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

# Before a release: the full 10,000-update hostile soak (make test runs a slice of it).
soak: $(STAMP)
	SOAK=1 $(VENV)/bin/pytest -q -s tests/test_hardening_hostile.py

# Extras installed once (again when the project's requirements change).
$(VENV)/.installed-%: $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[$*]"
	touch $@

# Fit the answer model (index/model.json) on eval/news and print its leave-article-out report.
fit: $(VENV)/.installed-fit
	$(PY) -m index.fit

bench: $(VENV)/.installed-bench
	$(PY) -m bench

clean:
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
