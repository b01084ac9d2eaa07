import {
  to = aegis_llm_provider.gpt_4o
  id = "gpt-4o"
}
