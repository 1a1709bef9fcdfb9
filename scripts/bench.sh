#!/usr/bin/env bash
# `make bench`: performance is measured here, never asserted in tests. Results go to .cache/bench/.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
for bench in tests/bench/*.ts; do
  log "bench $bench"
  node --disable-warning=ExperimentalWarning "$bench"
done
