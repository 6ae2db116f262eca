# Tangvat — the front door. `make up` runs the system; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help install up down status logs demo token test test-unit lint bench bench-intake bench-scan bench-scan-preload bench-propagation bench-replay bench-append bench-disposal audit fuzz clean

help:
	@echo "make up       install what is missing, start Kafka, PostgreSQL and every service"
	@echo "make demo     register a realistic demo seizure (after make up)"
	@echo "make test     run the whole test suite on throwaway infrastructure"
	@echo "make audit    replay and verify the running stack's Kafka log (report in .run/audit.html)"
	@echo "make fuzz     schemathesis (every check, stateful phase) against the running stack's APIs"
	@echo "make down | status | logs | token ROLE=warehouse_staff | lint | bench | bench-<name>"

$(STAMP): requirements.lock package-lock.json Makefile
	@command -v $(PYTHON) >/dev/null || { echo "python3 is required"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@printf '%s\n' $(CURDIR)/shared $(CURDIR)/services/intake $(CURDIR)/services/custody \
		$(CURDIR)/services/disposal $(CURDIR)/services/audit $(CURDIR)/services/web $(CURDIR)/deploy \
		> "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/tangvat.pth"
	@command -v npm >/dev/null || { echo "npm (Node.js) is required for the front-end libraries"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

install: $(STAMP)

up: install
	$(PY) deploy/stack.py up

down:
	@test -x $(PY) && $(PY) deploy/stack.py down || true

status: install
	$(PY) deploy/stack.py status

logs: install
	$(PY) deploy/stack.py logs

demo: install
	$(PY) deploy/stack.py demo

ROLE ?= intake_officer
token: install
	@$(PY) deploy/stack.py token --role $(ROLE)

# The current one-time code of a demo account that signs in with one (admin, board1-bn).
totp: install
	@$(PY) deploy/stack.py totp --user $(USER)

# The browser tests drive Debian's chromium (installed here when missing; never Playwright's download).
test: install
	$(PY) deploy/chromium.py
	$(PY) -m pytest -p no:cacheprovider -q -ra --durations=15

test-unit: install
	$(PY) -m pytest -p no:cacheprovider -q tests/unit

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy shared services deploy bench

bench: bench-intake bench-scan bench-propagation bench-replay bench-append bench-disposal

bench-intake: install
	$(PY) bench/bench_intake.py

bench-replay: install
	$(PY) bench/bench_replay.py

bench-append: install
	$(PY) bench/bench_append.py

# Schemathesis against every running service's OpenAPI (make up first), the web front's own API included:
# every check (deploy/fuzz_checks.py adds one, schemathesis.toml tunes one) and every phase, stateful
# included; authenticated as admin (a fresh token per service: the identity provider's live 5 minutes). Fails on any server error or any answer the document does not describe.
FUZZ_EXAMPLES ?= 10
FUZZ_PORTS ?= 8001 8002 8003 8004 8005
FUZZ_ARGS ?=
fuzz: install
	@failed="" && \
	for port in $(FUZZ_PORTS); do \
		token=$$($(PY) deploy/stack.py token --role admin) || exit 1; \
		echo "== schemathesis http://127.0.0.1:$$port/openapi.json"; \
		SCHEMATHESIS_HOOKS=fuzz_checks $(VENV)/bin/schemathesis run http://127.0.0.1:$$port/openapi.json \
			--checks all --phases examples,coverage,fuzzing,stateful --max-examples $(FUZZ_EXAMPLES) \
			--request-timeout 60 --no-color -H "Authorization: Bearer $$token" $(FUZZ_ARGS) || failed="$$failed $$port"; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: findings on port(s)$$failed"; exit 1; fi; \
	echo "make fuzz: no server error and no answer outside the documents on $(FUZZ_PORTS)"

# The auditor's replay of the running stack's Kafka log (make up): report in .run/audit.{json,html}
audit: install
	set -a && . .run/infra.env && set +a && $(PY) -m tangvat_audit replay --keys-dir .run/keys \
		--json .run/audit.json --html .run/audit.html --pdf .run/audit.pdf

bench-scan: install
	$(PY) bench/bench_scan.py

# The same scans with 10k, 100k and 1M items already stored (preloaded by COPY, untimed); baseline: 10k.
PRELOAD ?= 10000 100000 1000000
bench-scan-preload: install
	$(PY) bench/bench_scan.py --preload $(PRELOAD)

bench-propagation: install
	$(PY) bench/bench_propagation.py

bench-disposal: install
	$(PY) bench/bench_disposal.py

clean:
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache
