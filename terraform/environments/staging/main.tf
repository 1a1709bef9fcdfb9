# Faena staging: the same shape as production, smaller and cheaper (single-AZ database, one cache
# replica, Temporal Cloud with an API key, image by tag), torn down and rebuilt freely.

locals {
  name        = "faena-staging"
  environment = "staging"
  tags = {
    project     = "faena"
    environment = "staging"
    managed-by  = "terraform"
  }
}

module "database" {
  source = "../../modules/database"

  name                       = local.name
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.private_subnet_ids
  allowed_security_group_ids = var.cluster_security_group_ids
  instance_class             = "db.t4g.medium"
  allocated_storage_gb       = 20
  max_allocated_storage_gb   = 100
  multi_az                   = false
  backup_retention_days      = 3
  deletion_protection        = false
  tags                       = local.tags
}

module "cache" {
  source = "../../modules/cache"

  name                       = local.name
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.private_subnet_ids
  allowed_security_group_ids = var.cluster_security_group_ids
  node_type                  = "cache.t4g.small"
  replicas                   = 1
  snapshot_retention_days    = 1
  tags                       = local.tags
}

module "temporal" {
  source = "../../modules/temporal-namespace"

  name           = local.name
  region         = "aws-sa-east-1"
  retention_days = 7
  auth_method    = "api_key"
  api_key_expiry = var.temporal_api_key_expiry
}

module "faena" {
  source = "../../modules/faena-release"

  environment         = local.environment
  namespace           = "faena"
  image_tag           = var.image_tag
  hosts               = var.hosts
  tls_secret_name     = "faena-api-tls"
  ingress_annotations = { "cert-manager.io/cluster-issuer" = "letsencrypt-staging" }
  database_url        = module.database.url
  redis_url           = module.cache.url
  temporal_address    = module.temporal.address
  temporal_namespace  = module.temporal.namespace
  temporal_api_key    = module.temporal.api_key
  otlp_endpoint       = var.otlp_endpoint
  service_monitors    = true
  app_secrets = {
    KEY_ENCRYPTION_SECRET       = var.key_encryption_secret
    NOTIFICATIONS_SERVICE_TOKEN = var.notifications_service_token
    PAYMENTS_SECRET_KEY         = var.payments_secret_key
    WEBHOOK_SECRET_KEY          = var.webhook_secret_key
    SMTP_USER                   = var.smtp_user
    SMTP_PASS                   = var.smtp_pass
  }
  extra_values = [yamlencode({
    apiDefaults    = { autoscaling = { minReplicas = 1, maxReplicas = 3 } }
    workerDefaults = { autoscaling = { minReplicas = 1, maxReplicas = 3 } }
    config         = { logLevel = "debug" }
  })]
}
