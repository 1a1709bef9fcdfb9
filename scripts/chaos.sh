#!/usr/bin/env bash
# `make chaos`: escrow deals, gym renewals, class seat offers, incidents, store sales, kitchen
# printing (printers dying and returning) and the nightly cash closure (schedules firing during a
# Temporal restart) through the public APIs while workers are SIGKILLed, Temporal restarts,
# PostgreSQL crashes, Redis is flushed and webhooks arrive twice and out of order — on a stack of its
# own (PostgreSQL cluster 15/chaos :5442, Redis :6389, Temporal :7243, services :41xx; data and logs
# in .data/chaos), never the shared one. Seeded and bounded; prints one line
#   chaos: N processes, K faults, L lost, D duplicated, ledger balanced
# and writes .cache/chaos/last.json. Knobs: CHAOS_SEED, CHAOS_DEALS (30), CHAOS_FAULTS (10),
# CHAOS_SECONDS (240, the hard bound of the whole run), CHAOS_PROCESSES (a comma list: escrow,
# renewal, waitlist, incident, store, printing, closure; default all).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

for tool in node temporal redis-server pg_createcluster pg_ctlcluster; do
  command -v "$tool" >/dev/null || { log "chaos: $tool is missing (run make install)"; exit 2; }
done

seconds=${CHAOS_SECONDS:-240}
# Whatever happens to the harness (killed, timed out), what it started is stopped: it records every
# pid it starts, and --cleanup stops those (and only those) that are still running.
cleanup() { node --disable-warning=ExperimentalWarning tests/chaos/run.ts --cleanup >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# The harness stops itself within its bound; `timeout` is the belt to its braces (--foreground: Ctrl-C
# still reaches the harness, which stops everything gracefully; SIGKILL 30 s after a signal at most).
timeout --foreground --kill-after=30 "$((seconds + 30))" node --disable-warning=ExperimentalWarning tests/chaos/run.ts
