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
