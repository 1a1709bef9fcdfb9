output "database_address" {
  description = "PostgreSQL endpoint host."
  value       = module.database.address
}

output "cache_endpoint" {
  description = "Cache primary endpoint host."
  value       = module.cache.primary_endpoint
}

output "temporal_namespace" {
  description = "Temporal Cloud namespace id (<name>.<account>)."
  value       = module.temporal.namespace
}

output "temporal_address" {
  description = "Temporal Cloud gRPC endpoint the workers use."
  value       = module.temporal.address
}

output "temporal_web_address" {
  description = "Temporal Web UI of the namespace (operators)."
  value       = module.temporal.web_address
}

output "api_urls" {
  description = "Base URL of each service API."
  value       = module.faena.api_urls
}

output "database_url" {
  description = "DATABASE_URL (for break-glass psql; also in the runtime Secret)."
  value       = module.database.url
  sensitive   = true
}
