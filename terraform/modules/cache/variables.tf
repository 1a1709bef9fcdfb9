variable "name" {
  description = "Name prefix for every resource (e.g. faena-production)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,35}$", var.name))
    error_message = "name must be 3-36 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC the cache lives in (the Kubernetes cluster's)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Give at least two subnets (two availability zones)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups allowed to reach the cache on 6379."
  type        = list(string)
}

variable "engine" {
  description = "valkey or redis (both speak the Redis protocol Faena uses)."
  type        = string
  default     = "valkey"

  validation {
    condition     = contains(["valkey", "redis"], var.engine)
    error_message = "engine must be valkey or redis."
  }
}

variable "engine_version" {
  description = "Engine version."
  type        = string
  default     = "8.0"
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "replicas" {
  description = "Read replicas besides the primary (at least 1 for automatic failover)."
  type        = number
  default     = 1

  validation {
    condition     = var.replicas >= 0 && var.replicas <= 5
    error_message = "replicas must be between 0 and 5."
  }
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots kept."
  type        = number
  default     = 3
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
