resource "aegis_llm_provider" "claude_3_5_haiku" {
  name           = "claude-3-5-haiku"
  type           = "anthropic"
  api_key        = "env:ANTHROPIC_API_KEY"
  model          = "claude-3-5-haiku-20241022"
  max_tokens     = 4096
  context_window = 200000
}

# Agents that ask for "fast" get Claude 3.5 Haiku. Referencing the provider's
# name makes Terraform create the provider before the alias, and retarget or
# destroy the alias before the provider is deleted.
resource "aegis_llm_alias" "fast" {
  name          = "fast"
  provider_name = aegis_llm_provider.claude_3_5_haiku.name
}
