variable "name" {
  description = "Name prefix for every resource (e.g. faena-production)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.name))
    error_message = "name must be 3-41 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC the database lives in (the Kubernetes cluster's)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets, in at least two availability zones, for the DB subnet group."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Give at least two subnets (two availability zones)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups allowed to reach PostgreSQL on 5432 (the cluster's node or pod security groups)."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL major.minor version."
  type        = string
  default     = "16.8"
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "allocated_storage_gb" {
  description = "Initial storage in GiB (gp3)."
  type        = number
  default     = 50
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling in GiB."
  type        = number
  default     = 500
}

variable "multi_az" {
  description = "Run a synchronous standby in another availability zone."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance (turn off only to tear down an environment)."
  type        = bool
  default     = true
}

variable "database_name" {
  description = "Database Faena uses; every service owns a schema inside it."
  type        = string
  default     = "faena"
}

variable "username" {
  description = "Database user Faena connects as."
  type        = string
  default     = "faena"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
