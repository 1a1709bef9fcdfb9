{{/*
Expand the name of the chart.
*/}}
{{- define "faena.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name (63 characters at most: some Kubernetes name fields are
limited to that by the DNS naming spec). If the release name contains the chart name it is used as is.
*/}}
{{- define "faena.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version as used by the chart label.
*/}}
{{- define "faena.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "faena.labels" -}}
helm.sh/chart: {{ include "faena.chart" . }}
{{ include "faena.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: faena
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "faena.selectorLabels" -}}
app.kubernetes.io/name: {{ include "faena.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of one component. Call with (dict "root" $ "c" $component).
*/}}
{{- define "faena.componentLabels" -}}
{{ include "faena.labels" .root }}
app.kubernetes.io/component: {{ .c.name }}
{{- if .c.service }}
faena.dev/service: {{ .c.service }}
{{- end }}
faena.dev/role: {{ .c.role }}
{{- end }}

{{/*
Selector labels of one component. Call with (dict "root" $ "c" $component).
*/}}
{{- define "faena.componentSelectorLabels" -}}
{{ include "faena.selectorLabels" .root }}
app.kubernetes.io/component: {{ .c.name }}
{{- end }}

{{/*
Resource name of one component: <fullname>-<component>.
*/}}
{{- define "faena.componentName" -}}
{{- printf "%s-%s" (include "faena.fullname" .root) .c.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of the ServiceAccount the Faena pods use.
*/}}
{{- define "faena.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "faena.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding DATABASE_URL, REDIS_URL and the other secrets.
*/}}
{{- define "faena.secretName" -}}
{{- default (include "faena.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
The image reference: repository@digest, or repository:tag (tag defaults to the appVersion).
*/}}
{{- define "faena.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The OTLP endpoint every process exports to: the release's collector, or otel.endpoint.
*/}}
{{- define "faena.otlpEndpoint" -}}
{{- if .Values.otelCollector.enabled }}
{{- printf "http://%s-otel-collector:4318" (include "faena.fullname" .) }}
{{- else }}
{{- .Values.otel.endpoint }}
{{- end }}
{{- end }}

{{/*
Deep merge of two maps, src over dst, where (unlike sprig's merge) false, 0 and "" in src win too.
Call with (dict "dst" $defaults "src" $overrides); returns YAML.
*/}}
{{- define "faena.deepMerge" -}}
{{- $dst := deepCopy (.dst | default dict) }}
{{- range $k, $v := (.src | default dict) }}
{{- if and (kindIs "map" $v) (kindIs "map" (get $dst $k)) }}
{{- $_ := set $dst $k (include "faena.deepMerge" (dict "dst" (get $dst $k) "src" $v) | fromYaml) }}
{{- else }}
{{- $_ := set $dst $k $v }}
{{- end }}
{{- end }}
{{- toYaml $dst }}
{{- end }}

{{/*
Every workload the chart runs, as a YAML list; templates range over `include "faena.components" . | fromYamlArray`.
Each item: name, service, role (api | worker | workflow-worker), script, taskQueue, secretEnv, optionalSecretEnv,
cfg (merged settings).
*/}}
{{- define "faena.components" -}}
{{- $out := list }}
{{- range $name := keys .Values.services | sortAlpha }}
{{- $svc := get $.Values.services $name }}
{{- if $svc.enabled }}
{{- $api := include "faena.deepMerge" (dict "dst" $.Values.apiDefaults "src" $svc.api) | fromYaml }}
{{- if $api.enabled }}
{{- $out = append $out (dict "name" (printf "%s-api" $name) "service" $name "role" "api" "script" (printf "services/%s/src/main.ts" $name) "taskQueue" "" "secretEnv" ($svc.secretEnv | default list) "optionalSecretEnv" ($svc.optionalSecretEnv | default list) "cfg" $api) }}
{{- end }}
{{- $worker := include "faena.deepMerge" (dict "dst" $.Values.workerDefaults "src" $svc.worker) | fromYaml }}
{{- if $worker.enabled }}
{{- /* a worker may need fewer secrets than its API (`workerSecretEnv`, even empty, replaces `secretEnv`) */}}
{{- /* ...and then gets none of the API's optional ones either (gym's S3 keys stay with its API) */}}
{{- $workerSecretEnv := ternary $svc.workerSecretEnv $svc.secretEnv (hasKey $svc "workerSecretEnv") }}
{{- $workerOptionalSecretEnv := ternary (list) ($svc.optionalSecretEnv | default list) (hasKey $svc "workerSecretEnv") }}
{{- $out = append $out (dict "name" (printf "%s-worker" $name) "service" $name "role" "worker" "script" (printf "services/%s/src/worker.ts" $name) "taskQueue" $name "secretEnv" ($workerSecretEnv | default list) "optionalSecretEnv" $workerOptionalSecretEnv "cfg" $worker) }}
{{- end }}
{{- end }}
{{- end }}
{{- $wf := include "faena.deepMerge" (dict "dst" .Values.workerDefaults "src" .Values.workflowWorker) | fromYaml }}
{{- if $wf.enabled }}
{{- $out = append $out (dict "name" "workflow-worker" "service" "workflows" "role" "workflow-worker" "script" "workflows/src/worker.ts" "taskQueue" "workflows" "secretEnv" list "optionalSecretEnv" list "cfg" $wf) }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
Names of the enabled services, in migration order (identity first: it owns tenants).
*/}}
{{- define "faena.enabledServices" -}}
{{- $out := list }}
{{- range $name := list "identity" "payments" "marketplace" "gym" "pos" "notifications" }}
{{- $svc := get $.Values.services $name }}
{{- if and $svc $svc.enabled }}
{{- $out = append $out $name }}
{{- end }}
{{- end }}
{{- toYaml $out }}
{{- end }}

{{/*
Pod-level settings shared by every Faena pod.
*/}}
{{- define "faena.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{/*
Environment shared by every Faena process (besides the ConfigMap): OpenTelemetry resource
attributes from the downward API, and the Secret's keys. Call with (dict "root" $ "serviceName" $name
"secretEnv" $keys "optionalSecretEnv" $keys), or "databaseOnly" true for DATABASE_URL alone.
*/}}
{{- define "faena.env" -}}
{{- $root := .root }}
- name: K8S_POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: K8S_POD_UID
  valueFrom:
    fieldRef:
      fieldPath: metadata.uid
- name: K8S_POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: K8S_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: K8S_NODE_NAME
  valueFrom:
    fieldRef:
      fieldPath: spec.nodeName
- name: SERVICE_NAME
  value: {{ .serviceName | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ .serviceName | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.namespace=faena,service.version=%s,deployment.environment.name=%s,k8s.pod.name=$(K8S_POD_NAME),k8s.pod.uid=$(K8S_POD_UID),k8s.pod.ip=$(K8S_POD_IP),k8s.namespace.name=$(K8S_NAMESPACE),k8s.node.name=$(K8S_NODE_NAME)%s" $root.Chart.AppVersion $root.Values.config.environment (ternary (printf ",%s" $root.Values.otel.resourceAttributes) "" (ne $root.Values.otel.resourceAttributes "")) | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "faena.secretName" $root }}
      key: DATABASE_URL
{{- if not .databaseOnly }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "faena.secretName" $root }}
      key: REDIS_URL
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "faena.secretName" $root }}
      key: TEMPORAL_API_KEY
      optional: true
{{- range .secretEnv }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "faena.secretName" $root }}
      key: {{ . }}
{{- end }}
{{- range .optionalSecretEnv }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "faena.secretName" $root }}
      key: {{ . }}
      optional: true
{{- end }}
{{- end }}
{{- end }}

{{/*
Checksum annotations that roll the pods when their configuration changes.
*/}}
{{- define "faena.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}
{{- end }}

{{/*
Topology spread constraints for one component. Call with (dict "root" $ "c" $component).
*/}}
{{- define "faena.topologySpread" -}}
{{- $root := .root }}
{{- $c := .c }}
{{- range $root.Values.topologySpread.topologyKeys }}
- maxSkew: {{ $root.Values.topologySpread.maxSkew }}
  topologyKey: {{ . }}
  whenUnsatisfiable: {{ $root.Values.topologySpread.whenUnsatisfiable }}
  matchLabelKeys:
    - pod-template-hash
  labelSelector:
    matchLabels:
      {{- include "faena.componentSelectorLabels" (dict "root" $root "c" $c) | nindent 6 }}
{{- end }}
{{- end }}
