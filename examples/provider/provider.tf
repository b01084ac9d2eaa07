terraform {
  required_providers {
    aegis = {
      source = "100monkeys-ai/aegis"
    }
  }
}

# The endpoint and token can also come from AEGIS_ENDPOINT and AEGIS_TOKEN.
variable "aegis_token" {
  type      = string
  sensitive = true
}

provider "aegis" {
  endpoint = "https://aegis-admin.internal.example.com:8787"
  token    = var.aegis_token
}
