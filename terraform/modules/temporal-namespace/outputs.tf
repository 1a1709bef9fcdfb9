output "namespace" {
  description = "TEMPORAL_NAMESPACE: the namespace id, <name>.<account>."
  value       = temporalcloud_namespace.this.id
}

output "address" {
  description = "TEMPORAL_ADDRESS for the chosen auth method (mTLS endpoint or the regional API-key endpoint)."
  value       = var.auth_method == "mtls" ? temporalcloud_namespace.this.endpoints.mtls_grpc_address : temporalcloud_namespace.this.endpoints.grpc_address
}

output "web_address" {
  description = "Temporal Web UI address of the namespace."
  value       = temporalcloud_namespace.this.endpoints.web_address
}

output "api_key" {
  description = "TEMPORAL_API_KEY for the workers (auth_method = api_key; null otherwise)."
  value       = var.auth_method == "api_key" ? temporalcloud_apikey.workers[0].token : null
  sensitive   = true
}

output "search_attributes" {
  description = "Search attributes created (name => type)."
  value       = { for k, v in temporalcloud_namespace_search_attribute.this : k => v.type }
}
