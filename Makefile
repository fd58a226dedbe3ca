# The two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench guide-model clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,charts]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python run_bot.py $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m scripts.bench $(ARGS)

# After changing the guide's entries, phrasings or labelled questions: retrain bot/guide/model.npz.
guide-model: $(STAMP)
	$(BIN)/python -m scripts.train_guide

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
