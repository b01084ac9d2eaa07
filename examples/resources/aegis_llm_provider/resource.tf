# OpenAI, with the key read from the orchestrator's environment.
resource "aegis_llm_provider" "gpt_4o" {
  name           = "gpt-4o"
  type           = "openai"
  api_key        = "env:OPENAI_API_KEY"
  model          = "gpt-4o"
  max_tokens     = 4096
  context_window = 128000
  temperature    = 0.2

  # Renaming or removing a provider that aliases use takes one apply: the
  # orchestrator keeps it, marked deleting, until its last alias has moved.
}

# Azure OpenAI: base_url and api_version are required, the key comes from OpenBao.
resource "aegis_llm_provider" "azure_gpt4o" {
  name        = "azure-gpt4o"
  type        = "openai"
  api_key     = "vault:aegis/llm/azure#api_key"
  base_url    = "https://my-resource.openai.azure.com/openai/deployments/gpt-4o"
  api_version = "2024-02-01"
  model       = "gpt-4o"
  max_tokens  = 4096
}

# Ollama runs locally and needs no key.
resource "aegis_llm_provider" "ollama_qwen" {
  name           = "ollama-qwen"
  type           = "ollama"
  base_url       = "http://localhost:11434"
  model          = "qwen2.5-coder:32b"
  max_tokens     = 4096
  context_window = 32000
}
