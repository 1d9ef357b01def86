# Linzhu — `make run` sets everything up and starts the server; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
LOCALES := zh_Hans zh_Hant ja ko fr de es ru
# The staff console's own domain (bot/web/staff): English source, Simplified Chinese.
CONSOLE_LOCALES := zh_Hans

.PHONY: run setup dev test lint typecheck pytest extract update compile messages chat db clean

run: setup ## set up (venv, install, catalogs, database) and start Linzhu on http://127.0.0.1:8080
	$(PY) -m bot db upgrade
	$(PY) -m bot demo --if-empty
	$(PY) -m bot serve

setup: $(VENV)/.installed compile

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Linzhu needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

dev: $(VENV)/.dev-installed compile

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

test: dev lint typecheck pytest ## set up the test tools and run the whole suite

lint:
	$(VENV)/bin/ruff check bot tests bench fakes setup.py
	$(VENV)/bin/ruff format --check bot tests bench fakes setup.py

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(PY) -m pytest -q -rs

chat: setup
	$(PY) -m bot db upgrade
	$(PY) -m bot chat

# Translation catalogs: extract → update → (translate) → compile.
extract: $(VENV)/.installed
	$(PYBABEL) extract -F babel.cfg -k lazy_gettext -k N_ -k ngettext:1,2 -k pgettext:1c,2 -k api_error:3 \
		--no-location --sort-output --project=linzhu -o locales/messages.pot .
	$(PYBABEL) extract -F babel-console.cfg -k t -k lt -k tn:1,2 \
		--no-location --sort-output --project=linzhu -o locales/console.pot .

update: extract
	@for l in $(LOCALES); do \
		if [ -f locales/$$l/LC_MESSAGES/messages.po ]; then \
			$(PYBABEL) update --no-fuzzy-matching --ignore-obsolete -i locales/messages.pot -d locales -l $$l; \
		else \
			$(PYBABEL) init -i locales/messages.pot -d locales -l $$l; \
		fi; \
	done
	@for l in $(CONSOLE_LOCALES); do \
		if [ -f locales/$$l/LC_MESSAGES/console.po ]; then \
			$(PYBABEL) update --no-fuzzy-matching --ignore-obsolete -D console -i locales/console.pot -d locales -l $$l; \
		else \
			$(PYBABEL) init -D console -i locales/console.pot -d locales -l $$l; \
		fi; \
	done

# Compiled catalogs go into the package (bot/locales/), where Linzhu reads them; the wheel's
# build step (setup.py) compiles them the same way.
compile: $(VENV)/.installed
	@for l in $(LOCALES); do \
		mkdir -p bot/locales/$$l/LC_MESSAGES; \
		$(PYBABEL) compile --statistics -D messages -l $$l \
			-i locales/$$l/LC_MESSAGES/messages.po -o bot/locales/$$l/LC_MESSAGES/messages.mo \
			|| exit 1; \
	done
	@for l in $(CONSOLE_LOCALES); do \
		$(PYBABEL) compile --statistics -D console -l $$l \
			-i locales/$$l/LC_MESSAGES/console.po -o bot/locales/$$l/LC_MESSAGES/console.mo \
			|| exit 1; \
	done

messages: update compile

clean:
	rm -rf $(VENV) var/*.db bot/locales build dist
