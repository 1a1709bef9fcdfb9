variable "aws_region" {
  description = "AWS region of the cluster, database and cache."
  type        = string
  default     = "sa-east-1"
}

variable "cluster_name" {
  description = "EKS cluster Faena runs in (created outside this configuration)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (two or more availability zones) for the database and cache."
  type        = list(string)
}

variable "cluster_security_group_ids" {
  description = "Security groups of the cluster's nodes/pods, allowed to reach the database and cache."
  type        = list(string)
}

variable "image_tag" {
  description = "Faena image tag to deploy (staging follows main: e.g. main-<sha>)."
  type        = string
}

variable "hosts" {
  description = "Public host names of the APIs."
  type        = list(string)
  default     = ["api.staging.faena.lat"]
}

variable "otlp_endpoint" {
  description = "Tempo/Jaeger OTLP gRPC endpoint for traces."
  type        = string
  default     = "tempo-distributor.observability.svc.cluster.local:4317"
}

variable "temporal_api_key_expiry" {
  description = "RFC 3339 expiry of the staging workers' Temporal Cloud API key (rotate before it)."
  type        = string
}

variable "key_encryption_secret" {
  description = "KEY_ENCRYPTION_SECRET for identity: encrypts the ES256 signing keys identity keeps in its schema (32+ characters)."
  type        = string
  sensitive   = true
}

variable "mercadopago_access_token" {
  description = "MERCADOPAGO_ACCESS_TOKEN for payments (a MercadoPago test-user token in staging)."
  type        = string
  sensitive   = true
}

variable "mercadopago_webhook_secret" {
  description = "MERCADOPAGO_WEBHOOK_SECRET for payments (webhook signatures)."
  type        = string
  sensitive   = true
}

variable "smtp_username" {
  description = "SMTP_USERNAME for notifications."
  type        = string
  sensitive   = true
}

variable "smtp_password" {
  description = "SMTP_PASSWORD for notifications."
  type        = string
  sensitive   = true
}
