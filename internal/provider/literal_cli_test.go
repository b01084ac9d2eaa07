package provider

import (
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// A node config written by hand with a literal key, as the orchestrator's guide allows.
const literalKeyFile = `# written by hand before Terraform
node:
  id: node-1

llm:
  providers:
    - name: gpt-4o
      type: openai
      api_key: "sk-proj-HAND-WRITTEN-literal-5b7e1c"   # to be moved
      model: gpt-4o
    - name: local
      type: ollama
      base_url: "http://localhost:11434"
      model: qwen2.5-coder:32b
  aliases:
    default: gpt-4o
`

const literalKeyValue = "sk-proj-HAND-WRITTEN-literal-5b7e1c"

// TestAccLLMProvider_importLiteralKey: a provider whose file entry holds a literal
// key imports; the plan warns, naming api_key but not the key, that it should
// become a reference; applying the reference replaces the literal in the file and
// nothing else; the key never reaches state, plan, output or the server log.
func TestAccLLMProvider_importLiteralKey(t *testing.T) {
	s := startServer(t, testserver.Options{ConfigYAML: literalKeyFile, Env: []string{"OPENAI_API_KEY=sk-env-value-not-a-literal"}})
	r := newCLIRun(t, s, `
resource "aegis_llm_provider" "p" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}
`)
	r.run(0, nil, "import", "-no-color", "aegis_llm_provider.p", "gpt-4o")
	state := r.file("terraform.tfstate")
	if !strings.Contains(state, `"credential_source": "literal"`) {
		t.Errorf("the imported state does not record a literal credential:\n%s", state)
	}
	plan := oneLine(r.run(2, nil, "plan", "-no-color", "-detailed-exitcode"))
	for _, want := range []string{"Literal API Key in the Node Config", `set api_key to "env:VAR_NAME"`, `api_key becomes "env:OPENAI_API_KEY"`, `+ api_key = "env:OPENAI_API_KEY"`} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}
	r.run(0, nil, "apply", "-auto-approve", "-no-color")
	// Only the value changes; the comment keeps its column.
	oldValue, newValue := `"`+literalKeyValue+`"`, `"env:OPENAI_API_KEY"`
	want := strings.Replace(literalKeyFile, oldValue+"   #", newValue+strings.Repeat(" ", len(oldValue)+3-len(newValue))+"#", 1)
	if got := string(s.ReadConfig()); got != want {
		t.Errorf("applying the reference changed more than the literal:\n%s", got)
	}
	after := oneLine(r.run(0, nil, "plan", "-no-color", "-detailed-exitcode"))
	if strings.Contains(after, "Literal API Key") {
		t.Errorf("the warning stays after the literal was replaced:\n%s", after)
	}
	for name, text := range map[string]string{"CLI output": r.log.String(), "state": r.file("terraform.tfstate"), "server log": s.Log()} {
		if strings.Contains(text, literalKeyValue) {
			t.Errorf("%s contains the literal key", name)
		}
	}
}
