output "address" {
  description = "Host name of the PostgreSQL endpoint."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the Faena database."
  value       = aws_db_instance.this.db_name
}

output "username" {
  description = "User Faena connects as."
  value       = aws_db_instance.this.username
}

output "password" {
  description = "Password of that user."
  value       = random_password.this.result
  sensitive   = true
}

output "url" {
  description = "DATABASE_URL for Faena (TLS required)."
  value       = "postgres://${aws_db_instance.this.username}:${random_password.this.result}@${aws_db_instance.this.address}:${aws_db_instance.this.port}/${aws_db_instance.this.db_name}?sslmode=require"
  sensitive   = true
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}
