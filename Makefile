# Faena's only entry points. Node 24 (installed by scripts/install.sh under .cache/tools) comes first on PATH.
SHELL := /bin/bash
export PATH := $(CURDIR)/.cache/tools/node/bin:$(CURDIR)/.cache/tools/venv/bin:$(PATH)

.PHONY: dev test install stack stop typecheck lint format bench chaos charts-check clean logs contract clients

dev: install stack ## install, start the stack, migrate, seed and run every service (Ctrl-C stops all)
	@bash scripts/dev.sh

test: ## install what is missing, start the stack, typecheck, lint and run every test
	@bash scripts/test.sh

install: ## tools and dependencies (idempotent, cached under .cache/)
	@bash scripts/install.sh

stack: ## PostgreSQL + PostGIS, Redis and the Temporal dev server
	@bash scripts/stack.sh start

stop: ## stop the stack started by `make dev` / `make test`
	@bash scripts/stack.sh stop

typecheck: install
	@npx tsc -b

lint: install
	@npx eslint . --max-warnings=0

format: install
	@npx prettier --write .

logs: ## follow one process's log from `make dev`, readable (SERVICE=payments | payments-worker | …; RAW=1 for its JSON lines)
	@if [ -z "$(SERVICE)" ]; then echo "usage: make logs SERVICE=<process>; logs in .data/logs: $$(ls .data/logs 2>/dev/null | sed 's/\.log$$//' | tr '\n' ' ')"; exit 2; fi
	@node --disable-warning=ExperimentalWarning services/platform/src/log-view.ts --follow --from-start $(if $(RAW),--raw) .data/logs/$(SERVICE).log

bench: install stack ## benchmarks, docs/benchmarks.md (ONLY=h1 for one; performance is measured here, never asserted in tests)
	@ONLY=$(ONLY) bash scripts/bench.sh

contract: install ## Schemathesis against the APIs of a running `make dev`, random seed (reports in .cache/contract/)
	@bash scripts/contract.sh

clients: install stack ## regenerate tests/clients (openapi-typescript) from the APIs as they are now
	@UPDATE_CLIENTS=1 node --disable-warning=ExperimentalWarning --experimental-vm-modules node_modules/jest/bin/jest.js tests/contract -t 'committed client'

chaos: install ## escrow deals under faults on a stack of its own (CHAOS_SEED, CHAOS_DEALS, CHAOS_FAULTS, CHAOS_SECONDS)
	@bash scripts/chaos.sh

charts-check: install stack ## offline Helm / Kubernetes / Terraform / Dockerfile checks
	@node --disable-warning=ExperimentalWarning --experimental-vm-modules node_modules/jest/bin/jest.js tests/deploy

clean: stop ## stop the stack and remove build output, caches and local data
	@rm -rf .cache .data node_modules services/*/dist workflows/dist tests/dist
