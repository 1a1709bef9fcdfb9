# Faena production: Multi-AZ PostgreSQL and cache in São Paulo, a Temporal Cloud namespace with
# mTLS, and the Helm release on the existing EKS cluster, pinned to an image digest.

locals {
  name        = "faena-production"
  environment = "production"
  tags = {
    project     = "faena"
    environment = "production"
    managed-by  = "terraform"
  }
}

module "database" {
  source = "../../modules/database"

  name                       = local.name
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.private_subnet_ids
  allowed_security_group_ids = var.cluster_security_group_ids
  instance_class             = "db.r7g.large"
  allocated_storage_gb       = 100
  max_allocated_storage_gb   = 1000
  multi_az                   = true
  backup_retention_days      = 30
  deletion_protection        = true
  tags                       = local.tags
}

module "cache" {
  source = "../../modules/cache"

  name                       = local.name
  vpc_id                     = var.vpc_id
  subnet_ids                 = var.private_subnet_ids
  allowed_security_group_ids = var.cluster_security_group_ids
  node_type                  = "cache.r7g.large"
  replicas                   = 2
  snapshot_retention_days    = 7
  tags                       = local.tags
}

module "temporal" {
  source = "../../modules/temporal-namespace"

  name               = local.name
  region             = "aws-sa-east-1"
  retention_days     = 30
  auth_method        = "mtls"
  accepted_client_ca = var.temporal_accepted_client_ca
}

module "faena" {
  source = "../../modules/faena-release"

  environment          = local.environment
  namespace            = "faena"
  image_digest         = var.image_digest
  hosts                = var.hosts
  tls_secret_name      = "faena-api-tls"
  ingress_annotations  = { "cert-manager.io/cluster-issuer" = "letsencrypt" }
  database_url         = module.database.url
  redis_url            = module.cache.url
  temporal_address     = module.temporal.address
  temporal_namespace   = module.temporal.namespace
  temporal_client_cert = var.temporal_client_cert
  temporal_client_key  = var.temporal_client_key
  otlp_endpoint        = var.otlp_endpoint
  service_monitors     = true
  app_secrets = {
    KEY_ENCRYPTION_SECRET       = var.key_encryption_secret
    NOTIFICATIONS_SERVICE_TOKEN = var.notifications_service_token
    PAYMENTS_SECRET_KEY         = var.payments_secret_key
    WEBHOOK_SECRET_KEY          = var.webhook_secret_key
    SMTP_USER                   = var.smtp_user
    SMTP_PASS                   = var.smtp_pass
  }
  extra_values = [yamlencode({
    apiDefaults = {
      autoscaling       = { minReplicas = 3, maxReplicas = 20 }
      priorityClassName = "faena-high"
    }
    workerDefaults = { priorityClassName = "faena-high" }
    services = {
      payments = { enabled = true, api = { autoscaling = { minReplicas = 4, maxReplicas = 30 } } }
    }
    otel          = { tracesSamplerArg = "0.2" }
    otelCollector = { replicaCount = 3 }
    metrics       = { serviceMonitor = { labels = { release = "kube-prometheus-stack" } } }
  })]
}
