# The full example of the AEGIS guide "Configuring LLM Providers": five providers
# and the five aliases agents use. Set AEGIS_ENDPOINT and AEGIS_TOKEN, then
# `terraform apply`. `terraform plan` shows exactly which model an alias change
# re-routes to; `terraform plan -detailed-exitcode` in CI detects drift.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aegis = {
      source = "100monkeys-ai/aegis"
    }
  }
}

provider "aegis" {}

# OpenAI
resource "aegis_llm_provider" "gpt_4o" {
  name           = "gpt-4o"
  type           = "openai"
  api_key        = "env:OPENAI_API_KEY"
  model          = "gpt-4o"
  max_tokens     = 4096
  context_window = 128000
  temperature    = 0.2
}

resource "aegis_llm_provider" "gpt_4o_mini" {
  name           = "gpt-4o-mini"
  type           = "openai"
  api_key        = "env:OPENAI_API_KEY"
  model          = "gpt-4o-mini"
  max_tokens     = 2048
  context_window = 128000
}

# Anthropic
resource "aegis_llm_provider" "claude_3_5_sonnet" {
  name           = "claude-3-5-sonnet"
  type           = "anthropic"
  api_key        = "env:ANTHROPIC_API_KEY"
  model          = "claude-3-5-sonnet-20241022"
  max_tokens     = 8192
  context_window = 200000
}

resource "aegis_llm_provider" "claude_3_5_haiku" {
  name           = "claude-3-5-haiku"
  type           = "anthropic"
  api_key        = "env:ANTHROPIC_API_KEY"
  model          = "claude-3-5-haiku-20241022"
  max_tokens     = 4096
  context_window = 200000
}

# Ollama (local / air-gapped): no API key.
resource "aegis_llm_provider" "ollama_qwen" {
  name           = "ollama-qwen"
  type           = "ollama"
  base_url       = "http://localhost:11434"
  model          = "qwen2.5-coder:32b"
  max_tokens     = 4096
  context_window = 32000
}

# The alias a change re-routes is a variable here so a demo can retarget it:
# terraform plan -var fast_provider=gpt-4o-mini
variable "fast_provider" {
  type        = string
  default     = "claude-3-5-haiku"
  description = "Provider behind the \"fast\" alias."
}

locals {
  providers = {
    "gpt-4o"            = aegis_llm_provider.gpt_4o.name
    "gpt-4o-mini"       = aegis_llm_provider.gpt_4o_mini.name
    "claude-3-5-sonnet" = aegis_llm_provider.claude_3_5_sonnet.name
    "claude-3-5-haiku"  = aegis_llm_provider.claude_3_5_haiku.name
    "ollama-qwen"       = aegis_llm_provider.ollama_qwen.name
  }
}

resource "aegis_llm_alias" "default" { # Used when no model is specified
  name          = "default"
  provider_name = aegis_llm_provider.gpt_4o.name
}

resource "aegis_llm_alias" "fast" { # Low latency, lower cost
  name          = "fast"
  provider_name = local.providers[var.fast_provider]
}

resource "aegis_llm_alias" "reasoning" { # High-capability tasks
  name          = "reasoning"
  provider_name = aegis_llm_provider.gpt_4o.name
}

resource "aegis_llm_alias" "local" { # Air-gapped / zero API cost
  name          = "local"
  provider_name = aegis_llm_provider.ollama_qwen.name
}

resource "aegis_llm_alias" "review" { # Long-context review tasks
  name          = "review"
  provider_name = aegis_llm_provider.claude_3_5_sonnet.name
}
