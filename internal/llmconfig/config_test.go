package llmconfig

import (
	"strings"
	"testing"
)

func TestModelRejectsControlCharacters(t *testing.T) {
	errs := ValidateProvider(Provider{Name: "o", Type: TypeOllama, BaseURL: "http://localhost:11434", Model: "qwen\nx"}, nil)
	if len(errs) != 1 || errs[0].Field != FieldModel || !strings.Contains(errs[0].Detail, "control characters") {
		t.Fatalf("errors = %v", errs)
	}
}

func TestIsLiteralKey(t *testing.T) {
	for s, want := range map[string]bool{
		"":                   false,
		"env:OPENAI_API_KEY": false,
		"vault:aegis/llm#k":  false,
		"env:1BAD":           false, // a malformed reference stays an error
		"vault:":             false,
		"sk-proj-abc123":     true,
		"plain-secret":       true,
		"vault:sk-live-abc":  true, // a key behind a scheme
		"Bearer abc def":     true,
	} {
		if got := IsLiteralKey(s); got != want {
			t.Errorf("IsLiteralKey(%q) = %v, want %v", s, got, want)
		}
	}
	cfg := &LLM{Providers: []Provider{{Name: "a", Type: TypeOpenAI, APIKey: "sk-proj-abc123", Model: "m"}}}
	if err := cfg.Validate(); err != nil {
		t.Errorf("a literal key in the file must validate: %v", err)
	}
	if errs := ValidateProvider(cfg.Providers[0], nil); len(errs) == 0 {
		t.Error("ValidateProvider (API writes, plans) must refuse a literal key")
	}
}
