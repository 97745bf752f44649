# The two quick-start commands (README.md): `make start` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# The bot's own sentences: catalogs in locales/ (see locales/README.md), compiled at setup.
LANGUAGES := fr es tl zh_Hans zh_Hant ko vi pa ar fa uk
CATALOGS := $(foreach lang,$(LANGUAGES),locales/$(lang)/LC_MESSAGES/messages.mo)

.PHONY: setup catalogs locales start test lint bench bench-rasa rasa evaluate clean

setup: $(VENV)/.installed catalogs

catalogs: $(CATALOGS)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

# After changing a sentence in bot/dialogue/ or bot/referrals/: extract the sources, merge them into every catalog
# (new and changed sentences come out empty or fuzzy for translators), then compile.
locales: $(VENV)/.installed
	$(BIN)/pybabel extract -F locales/babel.cfg -k n_:1,2 --no-wrap --sort-by-file --project settlebot \
		--copyright-holder "settlebot contributors" -o locales/messages.pot bot/dialogue bot/referrals bot/channels
	$(BIN)/pybabel update --no-wrap --ignore-pot-creation-date -i locales/messages.pot -d locales
	$(MAKE) catalogs

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "settlebot needs Python 3.11 or newer: run make PYTHON=/path/to/python3.11")'
	@echo "Setting up $(VENV) (first time only, about 20 seconds)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# setuptools warns at length about editable installs in general; nothing to act on here.
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet --editable '.[dev]'
	@touch $@

# A chat with the bot on its built-in defaults: SQLite, the built-in NLU, the sample knowledge base.
start: setup
	$(BIN)/settlebot chat

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
	$(BIN)/python benchmarks/dialogue.py --write
	$(BIN)/python benchmarks/telegram.py --write
	$(BIN)/python benchmarks/sms.py --write

# Rasa's DIET beside the built-in NLU on the same folds: installs Rasa beside the project
# (scripts/rasa-setup) and trains it once a fold; about half an hour on 2 cores.
bench-rasa: setup
	PYTHONWARNINGS=ignore $(BIN)/pip install --quiet --editable '.[dev,bench]'
	$(BIN)/python benchmarks/nlu_vs_rasa.py --write

# Rasa as the NLU server (bot: --nlu rasa, or settlebot.nlu.engine: rasa in config.yml).
rasa:
	scripts/rasa-setup serve

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info $(CATALOGS)
