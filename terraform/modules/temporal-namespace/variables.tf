variable "name" {
  description = "Namespace name (without the account suffix), e.g. faena-production."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 lowercase letters, digits or dashes."
  }
}

variable "region" {
  description = "Temporal Cloud region, e.g. aws-sa-east-1 (São Paulo)."
  type        = string
  default     = "aws-sa-east-1"
}

variable "retention_days" {
  description = "Days closed workflow histories are kept (Web UI, replay tests)."
  type        = number
  default     = 30

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 90
    error_message = "retention_days must be between 1 and 90."
  }
}

variable "auth_method" {
  description = "How Faena's workers authenticate: mtls (client certificates signed by accepted_client_ca) or api_key (a service-account API key this module creates)."
  type        = string
  default     = "mtls"

  validation {
    condition     = contains(["mtls", "api_key"], var.auth_method)
    error_message = "auth_method must be mtls or api_key."
  }
}

variable "accepted_client_ca" {
  description = "Base64-encoded PEM bundle of the CA(s) that sign Faena's client certificates (auth_method = mtls)."
  type        = string
  default     = null
  sensitive   = true
}

variable "api_key_expiry" {
  description = "RFC 3339 expiry of the API key (auth_method = api_key); rotate before it."
  type        = string
  default     = null
}

variable "search_attributes" {
  description = "Custom search attributes Faena's workflows set (name => type)."
  type        = map(string)
  default = {
    TenantId      = "keyword"
    BusinessKey   = "keyword"
    ProcessStatus = "keyword"
  }
}
