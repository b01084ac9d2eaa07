package configfile

import (
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

func TestParseDocumentRejectsUnknownProviderFields(t *testing.T) {
	_, err := Parse([]byte("llm:\n  providers:\n    - name: a\n      type: openai\n      model: m\n      max_token: 5\n"))
	if err == nil || !strings.Contains(err.Error(), `unknown field "max_token"`) || !strings.Contains(err.Error(), "line 6") {
		t.Fatalf("want an error naming the unknown field and its line, got %v", err)
	}
}

func TestParseDocumentHidesMistypedValues(t *testing.T) {
	_, err := Parse([]byte("llm:\n  providers:\n    - name: a\n      type: openai\n      model: m\n      max_tokens: sk-secret-in-the-wrong-field\n"))
	if err == nil {
		t.Fatal("want a type error")
	}
	if strings.Contains(err.Error(), "sk-secret") || !strings.Contains(err.Error(), "(value hidden)") {
		t.Fatalf("type error echoes the value or hides nothing: %v", err)
	}
}

func TestSetLLMOnFlowMappingWritesBlockStyle(t *testing.T) {
	d, err := Parse([]byte("node: {id: n}\nllm: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Render(&llmconfig.LLM{Providers: []llmconfig.Provider{{Name: "o", Type: llmconfig.TypeOllama, BaseURL: "http://localhost:11434", Model: "qwen"}}, Aliases: map[string]string{"local": "o"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "llm:\n  providers:\n    - name: o\n") {
		t.Fatalf("llm section not written in block style:\n%s", b)
	}
}

func TestParseRefusesSeveralDocumentsAndDirectives(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"llm: {}\n---\nnode: {}\n", "line 2: a second YAML document"},
		{"---\nllm: {}\n---\n", "line 3: a second YAML document"},
		{"llm:\n  providers: []\n...\n---\nllm: {}\n", "line 4: a second YAML document"},
		{"%YAML 1.1\n---\nllm: {}\n", "line 1: the YAML directive %YAML"},
		{"# c\n%TAG ! tag:example.com,2000:\n---\nllm: {}\n", "line 2: the YAML directive %TAG"},
	} {
		_, err := Parse([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
	if _, err := Parse([]byte("---\nllm: {}\n...\n")); err != nil {
		t.Errorf("one explicit document must parse: %v", err)
	}
}
