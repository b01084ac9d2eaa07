data "aegis_llm_provider" "gpt_4o" {
  name = "gpt-4o"
}

output "gpt_4o_credential" {
  value = "${data.aegis_llm_provider.gpt_4o.credential_source}: ${data.aegis_llm_provider.gpt_4o.credential_status}"
}
