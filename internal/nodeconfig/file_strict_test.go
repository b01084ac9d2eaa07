package nodeconfig

import (
	"strings"
	"testing"
)

func TestParseDocumentRejectsUnknownProviderFields(t *testing.T) {
	_, _, err := ParseDocument([]byte("llm:\n  providers:\n    - name: a\n      type: openai\n      model: m\n      max_token: 5\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown field "max_token"`) || !strings.Contains(err.Error(), "line 6") {
		t.Fatalf("want an error naming the unknown field and its line, got %v", err)
	}
}

func TestParseDocumentHidesMistypedValues(t *testing.T) {
	_, _, err := ParseDocument([]byte("llm:\n  providers:\n    - name: a\n      type: openai\n      model: m\n      max_tokens: sk-secret-in-the-wrong-field\n"))
	if err == nil {
		t.Fatal("want a type error")
	}
	if strings.Contains(err.Error(), "sk-secret") || !strings.Contains(err.Error(), "(value hidden)") {
		t.Fatalf("type error echoes the value or hides nothing: %v", err)
	}
}

func TestSetLLMOnFlowMappingWritesBlockStyle(t *testing.T) {
	d, _, err := ParseDocument([]byte("node: {id: n}\nllm: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	d.SetLLM(&LLM{Providers: []Provider{{Name: "o", Type: TypeOllama, BaseURL: "http://localhost:11434", Model: "qwen"}}, Aliases: map[string]string{"local": "o"}})
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "llm:\n  providers:\n    - name: o\n") {
		t.Fatalf("llm section not written in block style:\n%s", b)
	}
}

func TestModelRejectsControlCharacters(t *testing.T) {
	errs := ValidateProvider(Provider{Name: "o", Type: TypeOllama, BaseURL: "http://localhost:11434", Model: "qwen\nx"}, nil)
	if len(errs) != 1 || errs[0].Field != FieldModel || !strings.Contains(errs[0].Detail, "control characters") {
		t.Fatalf("errors = %v", errs)
	}
}
