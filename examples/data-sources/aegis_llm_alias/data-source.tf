data "aegis_llm_alias" "default" {
  name = "default"
}

output "default_model" {
  value = "${data.aegis_llm_alias.default.provider_name} (${data.aegis_llm_alias.default.model})"
}
