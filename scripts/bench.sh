#!/usr/bin/env bash
# `make bench` (ONLY=h1 for one): performance is measured here, never asserted in tests. Runs each
# benchmark of tests/bench/<id>.ts in order (their helpers live in tests/bench/support/), each
# bounded by BENCH_TIMEOUT seconds (default 600), writes .cache/bench/<id>.json, then the table of
# docs/benchmarks.md from those files, and ends with one line per benchmark.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
limit=${BENCH_TIMEOUT:-600}
all=(h1 h1p h2 o1 p1 t1 b1 k1 growth)
if [ -n "${ONLY:-}" ]; then
  ids=()
  for id in ${ONLY//,/ }; do
    [ -f "tests/bench/$id.ts" ] || { log "no benchmark '$id' (one of: ${all[*]})"; exit 2; }
    ids+=("$id")
  done
else
  ids=("${all[@]}")
fi
log "load before the run: $(uptime)"
results=() status=0
for id in "${ids[@]}"; do
  log "bench $id"
  if timeout --kill-after=10 "$limit" node --disable-warning=ExperimentalWarning "tests/bench/$id.ts"; then
    results+=("ok       $id")
  else
    rc=$?
    status=1
    [ "$rc" = 124 ] && results+=("TIMEOUT  $id (over ${limit} s)") || results+=("FAILED   $id (exit $rc)")
  fi
done
node --disable-warning=ExperimentalWarning tests/bench/support/report.ts
printf '%s\n' "${results[@]}"
exit $status
