variable "release_name" {
  description = "Helm release name."
  type        = string
  default     = "faena"
}

variable "namespace" {
  description = "Namespace to install into (created by k8s/namespace with its quotas and Pod Security labels)."
  type        = string
  default     = "faena"
}

variable "chart" {
  description = "Chart reference: a path to charts/faena or an OCI reference (oci://ghcr.io/faena/charts/faena)."
  type        = string
  default     = null
}

variable "chart_version" {
  description = "Chart version when chart is an OCI or repository reference (ignored for a path)."
  type        = string
  default     = null
}

variable "image_repository" {
  description = "Faena image repository."
  type        = string
  default     = "ghcr.io/faena/faena"
}

variable "image_tag" {
  description = "Faena image tag to deploy (a release tag; prefer image_digest for immutability)."
  type        = string
  default     = ""
}

variable "image_digest" {
  description = "Faena image digest (sha256:…); wins over image_tag."
  type        = string
  default     = ""
}

variable "environment" {
  description = "Environment name (deployment.environment.name in telemetry)."
  type        = string
}

variable "hosts" {
  description = "Host names the Ingress serves the APIs on."
  type        = list(string)
}

variable "tls_secret_name" {
  description = "TLS Secret for those hosts (e.g. issued by cert-manager); empty for no TLS."
  type        = string
  default     = ""
}

variable "ingress_annotations" {
  description = "Annotations for the Ingress (e.g. cert-manager.io/cluster-issuer)."
  type        = map(string)
  default     = {}
}

variable "database_url" {
  description = "DATABASE_URL (from the database module)."
  type        = string
  sensitive   = true
}

variable "redis_url" {
  description = "REDIS_URL (from the cache module)."
  type        = string
  sensitive   = true
}

variable "temporal_address" {
  description = "TEMPORAL_ADDRESS (from the temporal-namespace module)."
  type        = string
}

variable "temporal_namespace" {
  description = "TEMPORAL_NAMESPACE (from the temporal-namespace module)."
  type        = string
}

variable "temporal_api_key" {
  description = "TEMPORAL_API_KEY (API-key auth); null with mTLS."
  type        = string
  default     = null
  sensitive   = true
}

variable "temporal_client_cert" {
  description = "PEM client certificate for Temporal mTLS; null with API-key auth."
  type        = string
  default     = null
  sensitive   = true
}

variable "temporal_client_key" {
  description = "PEM private key of that certificate."
  type        = string
  default     = null
  sensitive   = true
}

variable "app_secrets" {
  description = "Service secrets by env var name: KEY_ENCRYPTION_SECRET, NOTIFICATIONS_SERVICE_TOKEN, PAYMENTS_SECRET_KEY, WEBHOOK_SECRET_KEY (required by the enabled services), SMTP_USER, SMTP_PASS, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY (optional)."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "otlp_endpoint" {
  description = "Where the chart's OpenTelemetry Collector sends traces (OTLP gRPC host:port, e.g. Tempo's distributor)."
  type        = string
}

variable "service_monitors" {
  description = "Create ServiceMonitors/PodMonitors (the Prometheus Operator runs in the cluster)."
  type        = bool
  default     = true
}

variable "extra_values" {
  description = "Further chart values (YAML documents), applied last."
  type        = list(string)
  default     = []
}
