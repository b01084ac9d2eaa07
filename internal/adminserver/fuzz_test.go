package adminserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// FuzzDecodeProviderBody feeds arbitrary names and bodies to the PUT provider
// decoder: it must never panic, never answer 5xx, and what it accepts must be a
// valid provider with the path's name.
func FuzzDecodeProviderBody(f *testing.F) {
	f.Add("gpt-4o", []byte(`{"type":"openai","api_key":"env:OPENAI_API_KEY","model":"gpt-4o","max_tokens":4096,"context_window":128000,"temperature":0.2}`))
	f.Add("azure", []byte(`{"name":"azure","type":"openai","api_key":"vault:kv/azure#key","base_url":"https://r.openai.azure.com/openai/deployments/x","api_version":"2024-02-01","model":"gpt-4o"}`))
	f.Add("local", []byte(`{"type":"ollama","base_url":"http://localhost:11434","model":"qwen2.5-coder:32b"}`))
	f.Add("x", []byte(`{"type":"openai","api_key":"sk-abc","model":"m","temperature":3,"max_tokens":10,"context_window":5}`))
	f.Add("x", []byte(`{"type":"openai","api_key":"env:A","model":"m","max_tokens":1e400}`))
	f.Add("x", []byte(`{"type":"openai","api_key":"env:A","model":"m","temperature":-0}`))
	f.Add("x", []byte(`{"unknown":1}`))
	f.Add("x", []byte(`{"name":null,"type":null}`))
	f.Add("x", []byte(`null`))
	f.Add("x", []byte(`[1,2]`))
	f.Add("x", []byte(`"str"`))
	f.Add("x", []byte(`{"type":"openai"} trailing`))
	f.Add("x", []byte(`{"type":"openai",`))
	f.Add("x", []byte("{\"model\":\"\xff\xfe\"}"))
	f.Add("Bad Name", []byte(`{"type":"gemini","api_key":"env:G","model":"gemini-2.0"}`))
	f.Add("", []byte(``))
	f.Fuzz(func(t *testing.T, name string, body []byte) {
		rec := httptest.NewRecorder()
		p, prob := decodeProvider(name, http.MaxBytesReader(rec, io.NopCloser(bytes.NewReader(body)), MaxBodyBytes))
		if prob != nil {
			switch prob.Status {
			case 400, 413, 422:
			default:
				t.Fatalf("status %d for %q", prob.Status, body)
			}
			writeProblemDoc(rec, prob)
			var doc map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatalf("problem document is not JSON: %v", err)
			}
			if !strings.HasPrefix(doc["type"].(string), adminapi.ProblemTypePrefix) {
				t.Fatalf("problem type %v", doc["type"])
			}
			return
		}
		if p.Name != name {
			t.Fatalf("accepted name %q for path %q", p.Name, name)
		}
		if errs := llmconfig.ValidateProvider(p, nil); len(errs) > 0 {
			t.Fatalf("accepted an invalid provider: %v", errs)
		}
		_ = p.Revision()
		if _, err := json.Marshal(adminapi.Provider{Provider: p, Revision: p.Revision()}); err != nil {
			t.Fatalf("accepted provider cannot be encoded: %v", err)
		}
	})
}
