# Torget. `make demo` and `make test` are the two commands a fresh machine needs.

VENV   := .venv
BIN    := $(VENV)/bin
# pyenv reads .python-version (3.13); python3.13 is tried first where pyenv is absent.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || command -v python3)
PG_URL ?= $(or $(TORGET_TEST_POSTGRES_URL),postgres://postgres@127.0.0.1:5432/test)

.PHONY: demo install test test-sqlite test-postgres lint format bench messages clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Torget needs Python 3.12 or newer; found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

install: $(VENV)/.installed

demo: export TORGET_DEBUG ?= 1
demo: install
	$(BIN)/torget migrate --noinput --verbosity 0
	$(BIN)/torget demo
	$(BIN)/torget serve --with-worker

test: install lint test-sqlite test-postgres

test-sqlite: install
	@echo "== Tests on SQLite =="
	env -u TORGET_DATABASE_URL $(BIN)/pytest -n auto --dist worksteal

# PostgreSQL runs when reachable; in CI an unreachable server fails the run instead.
test-postgres: install
	@if $(BIN)/python -c 'import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()' '$(PG_URL)' 2>/dev/null; then \
		echo "== Tests on PostgreSQL =="; \
		TORGET_DATABASE_URL='$(PG_URL)' $(BIN)/pytest -n auto --dist worksteal; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(PG_URL) cannot be reached; in CI that is a failure."; exit 1; \
	else \
		echo "== PostgreSQL at $(PG_URL) not reachable: skipped. Set TORGET_TEST_POSTGRES_URL to run it. =="; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy torget tests bench

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m bench

messages: install
	cd torget && TORGET_DEBUG=1 ../$(BIN)/torget makemessages --locale nb --locale nn --locale en --no-obsolete
	cd torget && TORGET_DEBUG=1 ../$(BIN)/torget compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
