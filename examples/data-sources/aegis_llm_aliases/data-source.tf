data "aegis_llm_aliases" "all" {}

output "alias_mapping" {
  value = data.aegis_llm_aliases.all.mapping
}
