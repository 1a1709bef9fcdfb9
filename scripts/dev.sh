#!/usr/bin/env bash
# `make dev`: migrates, seeds and runs every service API and worker plus the workflow worker;
# Ctrl-C stops them all. The stack is started by make. Each process writes its JSON log to
# .data/logs/<process>.log (emptied at start); the terminal shows them all, readable
# (services/platform/src/log-view.ts: time, process, level, message, fields, correlation id). `make logs SERVICE=x`
# follows one from another terminal.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
set -a
source .env.example
[ -f .env ] && source .env
set +a

# Dev ports, one per service API (the chart uses 3000 for all, behind the ingress).
declare -A PORTS=([identity]=4001 [payments]=4002 [marketplace]=4003 [gym]=4004 [pos]=4005 [notifications]=4006)
# A worker's health port (/health/*, its own /metrics) is its API's + 10 (the workflow worker: 4020);
# the Temporal SDK's metrics (TEMPORAL_METRICS_PORT) are 50 above that, as in tests/chaos/config.ts.
WORKFLOWS_PORT=4020
SDK_METRICS_OFFSET=50
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
REGISTER=(--disable-warning=ExperimentalWarning --import ./services/platform/src/telemetry/register.ts)

kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; done; kill -TERM "$1" 2>/dev/null; }
cleanup() { # every service, worker and log prefixer started here gets a graceful SIGTERM
  trap - INT TERM EXIT
  log "stopping"
  # Every process this script started, however bash forked it (a `( a | b ) &` may fork a and b
  # directly from here), receives SIGTERM: services drain and stop gracefully.
  for pid in $(pgrep -P $$); do kill_tree "$pid"; done
  wait 2>/dev/null
}
trap cleanup INT TERM EXIT

LOGS=.data/logs
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log
run() { # run NAME ENV... -- ARGS...: one process, its output (JSON lines) in $LOGS/NAME.log
  local name=$1; shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done; shift
  env "${envs[@]}" node "${REGISTER[@]}" "$@" >>"$LOGS/$name.log" 2>&1 &
}

services=()
# Identity first: the other services' seeds read its demo businesses (gym's seed: zentro-gym).
for dir in services/identity/ $(ls -d services/*/ | grep -v '^services/identity/$'); do
  name=$(basename "$dir")
  [ -f "$dir/src/main.ts" ] || continue
  services+=("$name")
  if [ -f "$dir/src/migrate.ts" ]; then
    log "migrating $name"
    SERVICE_NAME=$name node --disable-warning=ExperimentalWarning "$dir/src/migrate.ts" up
  fi
  if [ -f "$dir/src/seed.ts" ]; then
    log "seeding $name"
    SERVICE_NAME=$name node --disable-warning=ExperimentalWarning "$dir/src/seed.ts"
  fi
done

# The MercadoPago sandbox answers payments' provider calls and sends it signed webhooks.
[ -f services/payments/src/sandbox/server.ts ] && run mercadopago-sandbox SERVICE_NAME=mercadopago-sandbox SANDBOX_STATE_FILE="${SANDBOX_STATE_FILE:-.data/sandbox.json}" -- services/payments/src/sandbox/server.ts

# Local SMTP catcher (maildev) with a web page where every mail the services send can be read.
node node_modules/maildev/dist/bin/maildev.js --smtp "${SMTP_PORT:-1025}" --ip 127.0.0.1 \
  --web "${MAILDEV_WEB_PORT:-1080}" --web-ip 127.0.0.1 >>"$LOGS/mail.log" 2>&1 &

targets=()
for name in "${services[@]}"; do
  port=${PORTS[$name]:-4099}
  run "$name" SERVICE_NAME="$name" PORT="$port" -- "services/$name/src/main.ts"
  targets+=("$name:api:$port")
  if [ -f "services/$name/src/worker.ts" ]; then
    wport=$((port + 10))
    run "$name-worker" SERVICE_NAME="$name-worker" PORT="$wport" TEMPORAL_METRICS_PORT="$((wport + SDK_METRICS_OFFSET))" -- "services/$name/src/worker.ts"
    targets+=("$name:worker:$wport" "$name:worker:$((wport + SDK_METRICS_OFFSET))")
  fi
done
if [ -f workflows/src/worker.ts ]; then
  run workflows SERVICE_NAME=workflows PORT="$WORKFLOWS_PORT" TEMPORAL_METRICS_PORT="$((WORKFLOWS_PORT + SDK_METRICS_OFFSET))" -- workflows/src/worker.ts
  targets+=("workflows:workflow-worker:$WORKFLOWS_PORT" "workflows:workflow-worker:$((WORKFLOWS_PORT + SDK_METRICS_OFFSET))")
fi

# Prometheus (built by the bootstrap) scraping every API and worker, with the SLO rules and alerts.
prometheus_bin=.cache/tools/k8s/bin/prometheus
if [ -x "$prometheus_bin" ]; then
  prom_config=$(node --disable-warning=ExperimentalWarning scripts/prometheus.ts .data/prometheus-config "${targets[@]}")
  "$prometheus_bin" --config.file="$prom_config" --storage.tsdb.path=.data/prometheus \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --log.level=warn >>"$LOGS/prometheus.log" 2>&1 &
fi

echo
echo "Faena is running (Ctrl-C stops every process; \`make stop\` stops the stack):"
echo "  Temporal Web UI   http://localhost:8233"
[ -x "$prometheus_bin" ] && echo "  Prometheus        http://localhost:$PROMETHEUS_PORT  (API /api/v1/query, /api/v1/alerts; every API and worker, SLO rules loaded)"
echo "  Mail (catcher)    http://localhost:${MAILDEV_WEB_PORT:-1080}  (SMTP 127.0.0.1:${SMTP_PORT:-1025})"
echo "  MercadoPago sandbox http://localhost:${SANDBOX_PORT:-4090}  (POST /sandbox/accounts, then PUT /api/payments/v1/providers/mercadopago)"
for name in "${services[@]}"; do
  port=${PORTS[$name]:-4099}
  printf '  %-17s http://localhost:%s/api/%s/v1  (OpenAPI http://localhost:%s/openapi.json, ready http://localhost:%s/health/ready)\n' "$name" "$port" "$name" "$port" "$port"
done
[ ${#services[@]} -eq 0 ] && echo "  (no service APIs yet: services/<name>/src/main.ts is picked up automatically)"
echo "  Logs              $LOGS/<process>.log (JSON); make logs SERVICE=payments-worker follows one"
echo
# Every process's log, readable, from the first line each wrote.
node --disable-warning=ExperimentalWarning services/platform/src/log-view.ts --follow --from-start "$LOGS" &
wait
