{{/*
Non-secret settings every Faena process reads (ConfigMap data; also the migrations hook's ConfigMap).
*/}}
{{- define "faena.configData" -}}
NODE_ENV: {{ .Values.config.nodeEnv | quote }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
SERVICE_VERSION: {{ .Chart.AppVersion | quote }}
HOST: "0.0.0.0"
CORS_ORIGINS: {{ .Values.config.corsOrigins | quote }}
TRUSTED_PROXIES: {{ .Values.config.trustedProxies | quote }}
BODY_LIMIT: {{ .Values.config.bodyLimit | quote }}
DATABASE_POOL_MAX: {{ .Values.config.databasePoolMax | quote }}
TEMPORAL_ADDRESS: {{ .Values.temporal.address | quote }}
TEMPORAL_NAMESPACE: {{ .Values.temporal.namespace | quote }}
TEMPORAL_TLS: {{ .Values.temporal.tls.enabled | quote }}
TEMPORAL_TLS_CERT_PATH: {{ ternary "/etc/faena/temporal-tls/tls.crt" "" (ne .Values.temporal.tls.clientCertSecret "") | quote }}
TEMPORAL_TLS_KEY_PATH: {{ ternary "/etc/faena/temporal-tls/tls.key" "" (ne .Values.temporal.tls.clientCertSecret "") | quote }}
TEMPORAL_TLS_CA_PATH: {{ ternary "/etc/faena/temporal-tls/ca.crt" "" .Values.temporal.tls.serverCA | quote }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ include "faena.otlpEndpoint" . | quote }}
OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf"
OTEL_TRACES_SAMPLER: {{ .Values.otel.tracesSampler | quote }}
OTEL_TRACES_SAMPLER_ARG: {{ .Values.otel.tracesSamplerArg | quote }}
OTEL_PROPAGATORS: "tracecontext,baggage"
OTEL_SEMCONV_STABILITY_OPT_IN: "http"
IDENTITY_URL: {{ printf "http://%s-identity-api:%v" (include "faena.fullname" .) .Values.service.port | quote }}
NOTIFICATIONS_URL: {{ printf "http://%s-notifications-api:%v" (include "faena.fullname" .) .Values.service.port | quote }}
PAYMENTS_URL: {{ printf "http://%s-payments-api:%v" (include "faena.fullname" .) .Values.service.port | quote }}
JWT_ISSUER: "faena-identity"
JWT_AUDIENCE: "faena"
{{- range $k, $v := .Values.config.extraEnv }}
{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end }}

{{/*
Non-secret settings of one service (`services.<name>.env`), as a YAML map; empty values are left out so
the service's default applies. PAYMENTS_PUBLIC_URL defaults to the first ingress host.
Call with (dict "root" $ "service" $name).
*/}}
{{- define "faena.serviceEnv" -}}
{{- $root := .root }}
{{- $svc := get $root.Values.services .service | default dict }}
{{- $out := dict }}
{{- range $k, $v := ($svc.env | default dict) }}
{{- if ne (toString $v) "" }}
{{- $_ := set $out $k (toString $v) }}
{{- end }}
{{- end }}
{{- if and (eq .service "payments") (not (hasKey $out "PAYMENTS_PUBLIC_URL")) }}
{{- if not (and $root.Values.ingress.enabled $root.Values.ingress.hosts) }}
{{- fail "services.payments.env.PAYMENTS_PUBLIC_URL: set the public base URL MercadoPago posts webhooks to (it can only be derived from ingress.hosts when the ingress is enabled)" }}
{{- end }}
{{- $_ := set $out "PAYMENTS_PUBLIC_URL" (printf "%s://%s" (ternary "https" "http" (gt (len $root.Values.ingress.tls) 0)) (first $root.Values.ingress.hosts)) }}
{{- end }}
{{- toYaml $out }}
{{- end }}
