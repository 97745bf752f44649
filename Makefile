# The two quick-start commands (README.md): `make start` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup start test lint bench evaluate clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "settlebot needs Python 3.11 or newer: run make PYTHON=/path/to/python3.11")'
	@echo "Setting up $(VENV) (first time only, about 20 seconds)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# setuptools warns at length about editable installs in general; nothing to act on here.
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet --editable '.[dev]'
	@touch $@

# The bot's main job on its built-in defaults. Until the chat arrives, that is understanding messages.
start: setup
	$(BIN)/settlebot parse

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check .

evaluate: setup
	$(BIN)/settlebot nlu evaluate

bench: setup
	$(BIN)/python benchmarks/nlu.py --write
	$(BIN)/python benchmarks/retrieval.py --write

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
