terraform {
  required_version = ">= 1.6.0"

  # State holds database and cache credentials: an encrypted, versioned, locked bucket.
  # terraform init -backend-config="bucket=<state bucket>" -backend-config="region=sa-east-1"
  backend "s3" {
    key          = "faena/staging/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    temporalcloud = {
      source  = "temporalio/temporalcloud"
      version = ">= 0.9.0, < 2.0.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.38"
    }
  }
}
