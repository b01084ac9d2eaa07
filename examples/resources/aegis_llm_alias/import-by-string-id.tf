import {
  to = aegis_llm_alias.fast
  id = "fast"
}
