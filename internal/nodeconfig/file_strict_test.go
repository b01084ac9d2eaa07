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
