# One place for the project's commands. `make run` and `make test` bootstrap everything they need
# (a .venv with the locked dependencies) on a fresh clone; only python3 (3.11+) and make are assumed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced-$(shell cat uv.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint format bench lock catalog migrate clean-local

$(STAMP): uv.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --quiet
	@rm -f $(VENV)/.synced-* && touch $@

run: $(STAMP)
	$(BIN)/python -m infra.local.serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench

# Apply migrations to DATABASE_URL (or the embedded development database).
migrate: $(STAMP)
	$(BIN)/python -m infra.local.migrate

# Load (or update) the food catalog into DATABASE_URL: make catalog [CATALOG_FILE=path.jsonl]
CATALOG_FILE ?= infra/catalog/foods.jsonl
catalog: $(STAMP)
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL (make run loads the catalog by itself)"; exit 2; }
	$(BIN)/python -m infra.catalog.load $(CATALOG_FILE)

# Re-resolve the pinned versions after editing pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv lock

# Remove the embedded databases (make run's and the tests').
clean-local:
	rm -rf .local

# --- Lambda artifacts (called by `sam build`, BuildMethod: makefile) --------------------------
DB_PACKAGES := aws-lambda-powertools sqlalchemy pg8000 bcrypt
WEB_PACKAGES := $(DB_PACKAGES) fastapi mangum pydantic
BUILD := bash infra/build/build_function.sh

build-AuthorizerFunction:
	$(BUILD) authorizer $(DB_PACKAGES)
build-AuthFunction:
	$(BUILD) auth $(WEB_PACKAGES)
build-ProductsFunction:
	$(BUILD) products $(WEB_PACKAGES)
build-EntriesFunction:
	$(BUILD) entries $(WEB_PACKAGES)
build-MigrateFunction:
	$(BUILD) migrate $(DB_PACKAGES) alembic
