#!/usr/bin/env bash
# `make contract`: Schemathesis against every running service API of `make dev` (start it first, in
# another terminal), as a signed-in demo user, with the checks and exclusions of schemathesis.toml
# (the same as `make test`, which runs them against harness servers with a fixed seed). See
# tests/contract/dev.ts for the knobs (CONTRACT_SERVICES, CONTRACT_MAX_EXAMPLES, CONTRACT_SEED).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x .cache/tools/venv/bin/schemathesis ] || { log "contract: schemathesis is missing (run make install)"; exit 2; }
node --disable-warning=ExperimentalWarning tests/contract/dev.ts
