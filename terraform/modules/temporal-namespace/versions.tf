terraform {
  required_version = ">= 1.6.0"

  required_providers {
    temporalcloud = {
      source  = "temporalio/temporalcloud"
      version = ">= 0.9.0, < 2.0.0"
    }
  }
}
