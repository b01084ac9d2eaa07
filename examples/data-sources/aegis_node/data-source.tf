data "aegis_node" "this" {}

output "generation" {
  value = data.aegis_node.this.generation
}
