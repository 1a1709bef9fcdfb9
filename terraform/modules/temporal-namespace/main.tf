# A Temporal Cloud namespace for Faena's workflows, with the search attributes operators filter on
# (TenantId, BusinessKey, ProcessStatus) and either mTLS or API-key access for the workers.

resource "temporalcloud_namespace" "this" {
  name               = var.name
  regions            = [var.region]
  retention_days     = var.retention_days
  accepted_client_ca = var.auth_method == "mtls" ? var.accepted_client_ca : null
  api_key_auth       = var.auth_method == "api_key"

  lifecycle {
    precondition {
      condition     = var.auth_method != "mtls" || var.accepted_client_ca != null
      error_message = "auth_method = mtls needs accepted_client_ca."
    }
  }
}

resource "temporalcloud_namespace_search_attribute" "this" {
  for_each = var.search_attributes

  namespace_id = temporalcloud_namespace.this.id
  name         = each.key
  type         = each.value
}

resource "temporalcloud_service_account" "workers" {
  count = var.auth_method == "api_key" ? 1 : 0

  name           = "${var.name}-workers"
  account_access = "read"
  namespace_accesses = [
    {
      namespace_id = temporalcloud_namespace.this.id
      permission   = "write"
    }
  ]
}

resource "temporalcloud_apikey" "workers" {
  count = var.auth_method == "api_key" ? 1 : 0

  display_name = "${var.name}-workers"
  owner_type   = "service-account"
  owner_id     = temporalcloud_service_account.workers[0].id
  expiry_time  = var.api_key_expiry

  lifecycle {
    precondition {
      condition     = var.api_key_expiry != null
      error_message = "auth_method = api_key needs api_key_expiry."
    }
  }
}
