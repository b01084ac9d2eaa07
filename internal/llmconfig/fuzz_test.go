package llmconfig_test

import (
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// FuzzParseCredentialRef: never panics, and an accepted reference renders back to
// exactly its input.
func FuzzParseCredentialRef(f *testing.F) {
	for _, s := range []string{
		"env:OPENAI_API_KEY", "env:_X1", "env:", "env:1BAD", "env:A-B",
		"vault:aegis/llm/openai", "vault:aegis/llm/openai#api_key", "vault:a#", "vault:#f",
		"vault:a//b", "vault:/a", "vault:a/", "vault:./a", "vault:a/../b", "vault:a#b#c",
		"sk-proj-abc123", "Bearer xyz", "", " ", "env:A B", ":", "ENV:X", "vault:a/b.c_d-e#f.g",
		"vault:\u00e9", "env:\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := llmconfig.ParseCredentialRef(s)
		if err != nil {
			if ref != (llmconfig.CredentialRef{}) {
				t.Fatalf("%q: error %v with a non-zero ref %+v", s, err, ref)
			}
			return
		}
		if got := ref.String(); got != s {
			t.Fatalf("%q parses to %+v, which renders as %q", s, ref, got)
		}
		again, err := llmconfig.ParseCredentialRef(ref.String())
		if err != nil || again != ref {
			t.Fatalf("%q: re-parse %+v, %v", s, again, err)
		}
	})
}
