# An alias is imported by its name.
terraform import aegis_llm_alias.fast fast
