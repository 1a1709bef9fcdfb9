# The Faena Helm release: its runtime Secret (connection URLs and service secrets, kept in
# Terraform state, which must therefore be encrypted), the Temporal mTLS client certificate, and
# the chart with values that point at them.

locals {
  runtime_secret = "${var.release_name}-runtime"
  mtls_secret    = "${var.release_name}-temporal-mtls"
  use_mtls       = var.temporal_client_cert != null

  values = {
    image = {
      repository = var.image_repository
      tag        = var.image_tag
      digest     = var.image_digest
      pullPolicy = "IfNotPresent"
    }
    config = {
      environment = var.environment
    }
    secrets = {
      existingSecret = local.runtime_secret
    }
    temporal = {
      address   = var.temporal_address
      namespace = var.temporal_namespace
      tls = {
        enabled          = true
        clientCertSecret = local.use_mtls ? local.mtls_secret : ""
        serverCA         = false
      }
    }
    ingress = {
      enabled     = true
      className   = "nginx"
      annotations = var.ingress_annotations
      hosts       = var.hosts
      tls         = var.tls_secret_name == "" ? [] : [{ secretName = var.tls_secret_name, hosts = var.hosts }]
    }
    otelCollector = {
      exporters = {
        otlp = { enabled = true, endpoint = var.otlp_endpoint, insecure = true, headers = {}, metrics = false }
      }
    }
    metrics = {
      serviceMonitor = { enabled = var.service_monitors }
    }
  }
}

resource "kubernetes_secret_v1" "runtime" {
  metadata {
    name      = local.runtime_secret
    namespace = var.namespace
    labels = {
      "app.kubernetes.io/part-of"    = "faena"
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }

  type = "Opaque"
  data = merge(
    var.app_secrets,
    {
      DATABASE_URL = var.database_url
      REDIS_URL    = var.redis_url
    },
    var.temporal_api_key == null ? {} : { TEMPORAL_API_KEY = var.temporal_api_key },
  )
}

resource "kubernetes_secret_v1" "temporal_mtls" {
  count = local.use_mtls ? 1 : 0

  metadata {
    name      = local.mtls_secret
    namespace = var.namespace
    labels = {
      "app.kubernetes.io/part-of"    = "faena"
      "app.kubernetes.io/managed-by" = "terraform"
    }
  }

  type = "kubernetes.io/tls"
  data = {
    "tls.crt" = var.temporal_client_cert
    "tls.key" = var.temporal_client_key
  }
}

resource "helm_release" "faena" {
  name      = var.release_name
  namespace = var.namespace
  chart     = coalesce(var.chart, "${path.module}/../../../charts/faena")
  version   = var.chart_version

  values = concat([yamlencode(local.values)], var.extra_values)

  atomic          = true
  cleanup_on_fail = true
  wait            = true
  timeout         = 900
  max_history     = 10

  depends_on = [
    kubernetes_secret_v1.runtime,
    kubernetes_secret_v1.temporal_mtls,
  ]

  lifecycle {
    precondition {
      condition     = var.temporal_api_key != null || var.temporal_client_cert != null
      error_message = "Give temporal_api_key or temporal_client_cert/temporal_client_key: Temporal Cloud needs one."
    }
  }
}
