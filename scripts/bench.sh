#!/usr/bin/env bash
# `make bench`: performance is measured here, never asserted in tests. Results go to .cache/bench/.
# Runs every benchmark (tests/bench/*.ts; their helpers live in tests/bench/support/) once, each
# bounded by BENCH_TIMEOUT seconds (default 600), and ends with one line per benchmark.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
limit=${BENCH_TIMEOUT:-600}
results=() status=0
for bench in tests/bench/*.ts; do
  log "bench $bench"
  if timeout --kill-after=10 "$limit" node --disable-warning=ExperimentalWarning "$bench"; then
    results+=("ok       $bench")
  else
    rc=$?
    status=1
    [ "$rc" = 124 ] && results+=("TIMEOUT  $bench (over ${limit} s)") || results+=("FAILED   $bench (exit $rc)")
  fi
done
printf '%s\n' "${results[@]}"
exit $status
