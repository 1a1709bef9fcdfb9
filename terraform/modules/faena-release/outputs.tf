output "release_name" {
  description = "Name of the Helm release."
  value       = helm_release.faena.name
}

output "namespace" {
  description = "Namespace of the release."
  value       = helm_release.faena.namespace
}

output "app_version" {
  description = "Faena version (the chart's appVersion) the release runs."
  value       = helm_release.faena.metadata.app_version
}

output "runtime_secret_name" {
  description = "Secret holding DATABASE_URL, REDIS_URL and the service secrets."
  value       = kubernetes_secret_v1.runtime.metadata[0].name
}

output "api_urls" {
  description = "Base URL of each service API."
  value = {
    for s in ["identity", "payments", "marketplace", "gym", "pos", "notifications"] :
    s => "${var.tls_secret_name == "" ? "http" : "https"}://${var.hosts[0]}/api/${s}/v1"
  }
}
