output "primary_endpoint" {
  description = "Host name of the primary (writes)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "Cache port."
  value       = aws_elasticache_replication_group.this.port
}

output "auth_token" {
  description = "AUTH token."
  value       = random_password.auth.result
  sensitive   = true
}

output "url" {
  description = "REDIS_URL for Faena (rediss: TLS)."
  value       = "rediss://:${random_password.auth.result}@${aws_elasticache_replication_group.this.primary_endpoint_address}:${aws_elasticache_replication_group.this.port}/0"
  sensitive   = true
}

output "security_group_id" {
  description = "Security group of the cache."
  value       = aws_security_group.this.id
}
