package configfile_test

import (
	"math"
	"os"
	"reflect"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// FuzzParseDocument: never panics, and writing a parsed llm section back into its
// document and parsing the result yields the same llm section.
func FuzzParseDocument(f *testing.F) {
	seed, err := os.ReadFile("testdata/seed.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	for _, s := range []string{
		"",
		"llm:\n",
		"llm: {}\n",
		"llm:\n  providers: []\n  aliases: {}\n",
		"node: {id: 1}\nllm:\n  providers:\n    - {name: a, type: ollama, base_url: 'http://h:1', model: m}\n  aliases: {default: a}\n",
		"llm:\n  providers:\n    - name: a\n      max_tokens: 0x10\n      temperature: 1\n",
		"llm:\n  providers:\n    - name: a\n      model: 123\n      unknown: keep-me # comment\n",
		"llm:\n  providers:\n    - name: a\n    - name: a\n",
		"llm:\n  providers:\n    - name: a\n      model: x\n    - name: a\n      model: y\n", // duplicates shared one node
		"llm:\n  providers:\n    - &p {name: a, type: openai}\n    - *p\n",
		"base: &b {type: openai, model: m}\nllm:\n  providers:\n    - <<: *b\n      name: x\n",
		"llm:\n  providers:\n    - name: a\n      temperature: .nan\n", // crashed Revision; round-trip wrote NaN.0
		"llm:\n  providers:\n    - name: a\n      temperature: -.inf\n    - name: b\n      temperature: .Inf\n",
		"llm:\n  aliases:\n    fast:\n    slow: ~\n",
		"llm: []\n",
		"- a\n",
		"a: 1\n---\nb: 2\n",
		"llm:\n  providers:\n    - name: a\n      name: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := configfile.Parse(data)
		if err != nil {
			return
		}
		llm := doc.LLM()
		_ = llm.Validate()
		_ = llm.Revision()
		out, err := doc.Render(llm)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		backDoc, err := configfile.Parse(out)
		if err != nil {
			t.Fatalf("the written document does not parse: %v\ninput:\n%s\noutput:\n%s", err, data, out)
		}
		back := backDoc.LLM()
		if !sameLLM(llm, back) {
			t.Fatalf("round trip changed the llm section\ninput:\n%s\noutput:\n%s\nbefore: %+v\nafter:  %+v", data, out, llm, back)
		}
		if back.Revision() != llm.Revision() {
			t.Fatalf("round trip changed the revision")
		}
	})
}

// sameLLM compares two llm sections, treating NaN as equal to NaN and a nil alias
// map as equal to an empty one.
func sameLLM(a, b *llmconfig.LLM) bool {
	if len(a.Providers) != len(b.Providers) || len(a.Aliases) != len(b.Aliases) {
		return false
	}
	for k, v := range a.Aliases {
		if w, ok := b.Aliases[k]; !ok || w != v {
			return false
		}
	}
	for i := range a.Providers {
		p, q := a.Providers[i], b.Providers[i]
		if !sameFloat(p.Temperature, q.Temperature) {
			return false
		}
		p.Temperature, q.Temperature = nil, nil
		if !reflect.DeepEqual(p, q) {
			return false
		}
	}
	return true
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b || (math.IsNaN(*a) && math.IsNaN(*b))
}
