data "aegis_llm_providers" "all" {}

# Providers whose credential reference does not resolve on the orchestrator.
output "unresolved_credentials" {
  value = [for p in data.aegis_llm_providers.all.providers : p.name if p.credential_status == "missing"]
}
