#!/usr/bin/env bash
# Starts or stops the local infrastructure: PostgreSQL 15 + PostGIS (:5432), Redis (:6379) and the
# Temporal dev server (gRPC :7233, Web UI :8233, data in .data/temporal.db). Idempotent.
#   scripts/stack.sh start | stop | status
source "$(dirname "$0")/lib.sh"

DB_USER=faena DB_PASS=faena DB_NAME=faena
TEMPORAL_DB="$ROOT/.data/temporal.db"
SEARCH_ATTRIBUTES=(TenantId BusinessKey ProcessStatus)

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432; }
redis_up() { redis-cli -p 6379 ping 2>/dev/null | grep -q PONG; }
temporal_up() { temporal operator cluster health --address 127.0.0.1:7233 2>/dev/null | grep -q SERVING; }
psql_admin() { as_root su postgres -c "PGOPTIONS=--client-min-messages=warning psql -v ON_ERROR_STOP=1 -qAt $*"; }

start_postgres() {
  if ! pg_up; then
    log "starting PostgreSQL $PG_VERSION"
    if ! pg_lsclusters -h | grep -q "^$PG_VERSION main"; then as_root pg_createcluster "$PG_VERSION" main >/dev/null; fi
    as_root pg_ctlcluster "$PG_VERSION" main start
    wait_for postgres pg_up
  fi
  if [ "$(psql_admin "-c \"select 1 from pg_roles where rolname='$DB_USER'\"")" != 1 ]; then
    psql_admin "-c \"create role $DB_USER login createdb password '$DB_PASS'\""
  fi
  # Tests drop their databases WITH (FORCE): an autovacuum worker on one is only ended with this.
  psql_admin "-c \"grant pg_signal_backend to $DB_USER\""
  if [ "$(psql_admin "-c \"select 1 from pg_database where datname='$DB_NAME'\"")" != 1 ]; then
    psql_admin "-c \"create database $DB_NAME owner $DB_USER\""
  fi
  # PostGIS in the main database and in template1, so every test database has it too.
  for db in "$DB_NAME" template1; do psql_admin "-d $db -c \"create extension if not exists postgis\""; done
}

start_redis() {
  redis_up && return 0
  log "starting Redis"
  redis-server --daemonize yes --port 6379 --bind 127.0.0.1 --dir "$RUN" --pidfile "$RUN/redis.pid" \
    --logfile "$RUN/redis.log" --save "" --appendonly no
  wait_for redis redis_up
}

start_temporal() {
  if ! temporal_up; then
    log "starting the Temporal dev server (UI http://localhost:8233)"
    mkdir -p "$(dirname "$TEMPORAL_DB")"
    local attrs=()
    for a in "${SEARCH_ATTRIBUTES[@]}"; do attrs+=(--search-attribute "$a=Keyword"); done
    nohup temporal server start-dev --ip 127.0.0.1 --port 7233 --ui-port 8233 --db-filename "$TEMPORAL_DB" \
      --log-level warn "${attrs[@]}" >"$RUN/temporal.log" 2>&1 &
    echo $! >"$RUN/temporal.pid"
    wait_for temporal temporal_up || { tail -20 "$RUN/temporal.log" >&2; return 1; }
  fi
  # A database kept from an older run may predate an attribute: add what is missing.
  local have
  have=$(temporal operator search-attribute list --address 127.0.0.1:7233 2>/dev/null || true)
  for a in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -qw "$a" <<<"$have" || temporal operator search-attribute create --address 127.0.0.1:7233 --name "$a" --type Keyword >/dev/null
  done
}

stop_all() {
  if [ -f "$RUN/temporal.pid" ]; then kill "$(cat "$RUN/temporal.pid")" 2>/dev/null || true; rm -f "$RUN/temporal.pid"; fi
  redis_up && redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true
  pg_up && as_root pg_ctlcluster "$PG_VERSION" main stop || true
  log "stopped"
}

case "${1:-start}" in
  start) start_postgres; start_redis; start_temporal ;;
  stop) stop_all ;;
  status)
    pg_up && echo "postgres: up" || echo "postgres: down"
    redis_up && echo "redis: up" || echo "redis: down"
    temporal_up && echo "temporal: up" || echo "temporal: down" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
