# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
PYTEST_ARGS ?= -n auto
# Coverage of the three apps, reported after the run (no threshold); COVERAGE_ARGS= turns it off.
COVERAGE_ARGS ?= --cov=prevent_compliance --cov=toolkit --cov=decisions --cov-report=term-missing:skip-covered

# Local development and tests run with DEBUG on; production sets its own environment.
export DEBUG ?= on

STATIC_SOURCES := static/package.json static/package-lock.json static/build.mjs $(wildcard static/src/*.scss static/src/*.svg static/src/js/*.js static/src/pdf/*.css)

.PHONY: run test smoke lint typecheck format bench system-packages browser-packages install static migrate demo clean

run: install static migrate demo  ## Install, build, migrate, load demo data and serve on 127.0.0.1:8000
	@echo "Serving on http://$(HOST)/ with the background task worker (Ctrl+C stops both)"
	$(BIN)/python manage.py task_worker --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

# As root, `make test` installs chromium for the browser journeys too; otherwise it ends by
# naming the journeys it skipped and the command that installs chromium.
test: browser-packages install static  ## Run the whole test suite (SQLite unless DATABASE_URL says otherwise)
	@echo "$(BIN)/python -m pytest $(PYTEST_ARGS) $(COVERAGE_ARGS)"; status=0; \
	$(BIN)/python -m pytest $(PYTEST_ARGS) $(COVERAGE_ARGS) || status=$$?; \
	if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
	  echo; echo "Skipped: these browser journeys need chromium, which is not installed:"; \
	  $(BIN)/python -m pytest -p no:xdist --collect-only -q tests/e2e 2>/dev/null \
	    | grep '::' | sed 's/^/  /'; \
	  echo "Install it with: sudo apt-get install chromium   (then run make test again)"; \
	fi; exit $$status

smoke: browser-packages install static  ## Boot the production configuration (gunicorn, task_worker, PostgreSQL) and drive a browser through it
	.ci/smoke

lint: install typecheck  ## ruff, djLint's template rules, mypy and the migrations check (the same hooks as .pre-commit-config.yaml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/python manage.py makemigrations --check --dry-run

typecheck: install  ## mypy with django-stubs over the services and selectors ([tool.mypy] in pyproject.toml)
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

system-packages:  ## Debian packages for WeasyPrint, upload sniffing and PDF checks (root only)
	@.ci/system-packages

browser-packages:  ## The same, plus chromium for the browser journeys (root only; else a notice)
	@.ci/system-packages --browser

install: system-packages $(VENV)/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

static: static/dist/.built

static/dist/.built: $(STATIC_SOURCES)
	cd static && npm ci --no-audit --no-fund --loglevel=error && npm run build
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_toolkit
	$(BIN)/python manage.py load_demo

bench: install static  ## Build factor 1 and 10 data sets, measure pages, PDF and load; write BENCHMARKS.md
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) static/node_modules static/dist
