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

variable "image_digest" {
  description = "Faena image digest to deploy (sha256:…), set by the release pipeline."
  type        = string

  validation {
    condition     = can(regex("^sha256:[a-f0-9]{64}$", var.image_digest))
    error_message = "Production deploys an immutable digest: sha256:<64 hex>."
  }
}

variable "hosts" {
  description = "Public host names of the APIs."
  type        = list(string)
  default     = ["api.faena.lat"]
}

variable "otlp_endpoint" {
  description = "Tempo/Jaeger OTLP gRPC endpoint for traces."
  type        = string
  default     = "tempo-distributor.observability.svc.cluster.local:4317"
}

variable "temporal_accepted_client_ca" {
  description = "Base64 PEM of the CA that signs the workers' Temporal client certificates."
  type        = string
  sensitive   = true
}

variable "temporal_client_cert" {
  description = "PEM client certificate the workers present to Temporal Cloud."
  type        = string
  sensitive   = true
}

variable "temporal_client_key" {
  description = "PEM private key of the Temporal client certificate."
  type        = string
  sensitive   = true
}

variable "key_encryption_secret" {
  description = "KEY_ENCRYPTION_SECRET for identity: encrypts the ES256 signing keys identity keeps in its schema (32+ characters)."
  type        = string
  sensitive   = true
}

variable "notifications_service_token" {
  description = "NOTIFICATIONS_SERVICE_TOKEN shared by identity and notifications (X-Service-Token of password-reset mails; 32+ characters)."
  type        = string
  sensitive   = true
}

variable "payments_secret_key" {
  description = "PAYMENTS_SECRET_KEY for payments: seals the tenants' MercadoPago credentials stored in its schema (32+ characters). MercadoPago tokens are per tenant, not deployment secrets."
  type        = string
  sensitive   = true
}

variable "webhook_secret_key" {
  description = "WEBHOOK_SECRET_KEY for notifications: encrypts the outgoing-webhook signing secrets at rest (32+ characters)."
  type        = string
  sensitive   = true
}

variable "smtp_user" {
  description = "SMTP_USER for notifications (empty for an unauthenticated relay)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "smtp_pass" {
  description = "SMTP_PASS for notifications."
  type        = string
  default     = ""
  sensitive   = true
}
