{{/*
OpenTelemetry Collector configuration: OTLP in; memory_limiter first, then k8sattributes, removal
of sensitive attribute keys, masking of sensitive values (redaction), batch last; exporters chosen
by values (OTLP to Tempo/Jaeger, Prometheus, debug).
*/}}
{{- define "faena.otelCollectorConfig" -}}
{{- $oc := .Values.otelCollector }}
{{- $ex := $oc.exporters }}
{{- $traceExporters := list }}
{{- $metricExporters := list }}
{{- if $ex.otlp.enabled }}{{ $traceExporters = append $traceExporters "otlp" }}{{ if $ex.otlp.metrics }}{{ $metricExporters = append $metricExporters "otlp" }}{{ end }}{{ end }}
{{- if $ex.prometheus.enabled }}{{ $metricExporters = append $metricExporters "prometheus" }}{{ end }}
{{- if or $ex.debug.enabled (not $traceExporters) }}{{ $traceExporters = append $traceExporters "debug" }}{{ end }}
{{- if or $ex.debug.enabled (not $metricExporters) }}{{ $metricExporters = append $metricExporters "debug" }}{{ end }}
{{- /* k8sattributes needs the ClusterRole: without RBAC it is left out rather than failing. */}}
{{- $enrich := ternary (list "k8sattributes") list $oc.rbac.create }}
{{- $config := dict
  "extensions" (dict
    "health_check" (dict "endpoint" "${env:MY_POD_IP}:13133"))
  "receivers" (dict
    "otlp" (dict "protocols" (dict
      "grpc" (dict "endpoint" "${env:MY_POD_IP}:4317")
      "http" (dict "endpoint" "${env:MY_POD_IP}:4318"))))
  "processors" (dict
    "memory_limiter" (dict
      "check_interval" "1s"
      "limit_percentage" $oc.memoryLimitPercentage
      "spike_limit_percentage" $oc.memorySpikePercentage)
    "k8sattributes" (dict
      "auth_type" "serviceAccount"
      "passthrough" false
      "filter" (dict "namespace" .Release.Namespace)
      "pod_association" (list
        (dict "sources" (list (dict "from" "resource_attribute" "name" "k8s.pod.ip")))
        (dict "sources" (list (dict "from" "resource_attribute" "name" "k8s.pod.uid")))
        (dict "sources" (list (dict "from" "connection"))))
      "extract" (dict
        "metadata" (list "k8s.namespace.name" "k8s.pod.name" "k8s.pod.uid" "k8s.deployment.name" "k8s.node.name" "k8s.container.name")
        "labels" (list
          (dict "tag_name" "faena.service" "key" "faena.dev/service" "from" "pod")
          (dict "tag_name" "faena.role" "key" "faena.dev/role" "from" "pod"))))
    "attributes/drop-sensitive" (dict
      "actions" (list (dict "action" "delete" "pattern" (join "|" $oc.redactedKeyPatterns))))
    "redaction" (dict
      "allow_all_keys" true
      "blocked_values" $oc.redactedValuePatterns
      "summary" "info")
    "batch" (dict "send_batch_size" 8192 "timeout" "5s"))
  "exporters" (dict)
  "service" (dict
    "extensions" (list "health_check")
    "telemetry" (dict "metrics" (dict "readers" (list (dict "pull" (dict "exporter" (dict "prometheus" (dict "host" "${env:MY_POD_IP}" "port" 8888)))))))
    "pipelines" (dict
      "traces" (dict
        "receivers" (list "otlp")
        "processors" (concat (list "memory_limiter") $enrich (list "attributes/drop-sensitive" "redaction" "batch"))
        "exporters" $traceExporters)
      "metrics" (dict
        "receivers" (list "otlp")
        "processors" (concat (list "memory_limiter") $enrich (list "attributes/drop-sensitive" "batch"))
        "exporters" $metricExporters))) }}
{{- if $ex.otlp.enabled }}
{{- $otlp := dict "endpoint" $ex.otlp.endpoint "tls" (dict "insecure" $ex.otlp.insecure) "sending_queue" (dict "enabled" true "queue_size" 5000) "retry_on_failure" (dict "enabled" true) }}
{{- with $ex.otlp.headers }}{{ $_ := set $otlp "headers" . }}{{ end }}
{{- $_ := set $config.exporters "otlp" $otlp }}
{{- end }}
{{- if $ex.prometheus.enabled }}
{{- $_ := set $config.exporters "prometheus" (dict "endpoint" "${env:MY_POD_IP}:8889" "resource_to_telemetry_conversion" (dict "enabled" true) "enable_open_metrics" true) }}
{{- end }}
{{- if or $ex.debug.enabled (has "debug" $traceExporters) (has "debug" $metricExporters) }}
{{- $_ := set $config.exporters "debug" (dict "verbosity" "basic") }}
{{- end }}
{{- toYaml $config }}
{{- end }}
