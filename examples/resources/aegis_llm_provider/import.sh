# An LLM provider is imported by its name.
terraform import aegis_llm_provider.gpt_4o gpt-4o
