package configfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"go.yaml.in/yaml/v3"
)

// A change is one admin-API-sized edit of an llm section: kind picks the kind,
// index the provider or alias it applies to, value a new string value.
type change struct {
	kind  uint8
	index int
	value string
}

const changeKinds = 9

// apply makes the change on cfg and returns the lines of the original document
// the change may touch (its entry, with the blank lines around it, and the keys
// that hold it), or nil when the change does not apply.
func (c change) apply(d *seedDocument, cfg *llmconfig.LLM) (touch func(line int) bool, ok bool) {
	n := len(cfg.Providers)
	names := cfg.AliasNames()
	val := c.value
	if val == "" || !utf8.ValidString(val) {
		val = "m"
	}
	switch c.kind {
	case 0: // add a provider
		cfg.Providers = append(cfg.Providers, llmconfig.Provider{Name: fmt.Sprintf("new-%d", n), Type: "ollama", BaseURL: "http://h:1", Model: val, MaxTokens: i64(7)})
		return d.touchKeys(), true
	case 1, 2, 3, 4: // change a string field, change an int field, remove a field, add a field
		if n == 0 {
			return nil, false
		}
		i := c.index % n
		p := &cfg.Providers[i]
		switch c.kind {
		case 1:
			p.Model = val
		case 2:
			p.MaxTokens = i64(int64(len(val)) * 1000)
		case 3:
			if p.Temperature == nil && p.APIKey == "" && p.ContextWindow == nil {
				return nil, false
			}
			p.Temperature, p.APIKey, p.ContextWindow = nil, "", nil
		case 4:
			p.APIVersion = val
		}
		return d.touchProvider(i), true
	case 5: // remove a provider
		if n == 0 {
			return nil, false
		}
		i := c.index % n
		cfg.Providers = append(cfg.Providers[:i], cfg.Providers[i+1:]...)
		return d.touchProvider(i), true
	case 6: // add an alias
		cfg.Aliases[fmt.Sprintf("alias-%d", len(names))] = val
		return d.touchKeys(), true
	case 7, 8: // retarget or remove an alias
		if len(names) == 0 {
			return nil, false
		}
		name := names[c.index%len(names)]
		if c.kind == 7 {
			if cfg.Aliases[name] == val {
				return nil, false
			}
			cfg.Aliases[name] = val
		} else {
			delete(cfg.Aliases, name)
		}
		return d.touchAlias(name), true
	}
	return nil, false
}

// touchKeys allows the lines of the llm, providers and aliases keys (an empty
// "[]" or "{}" there becomes a block).
func (d *seedDocument) touchKeys() func(int) bool {
	lines := map[int]bool{}
	if i := keyIndex(d.top(), "llm"); i >= 0 {
		lines[d.top().Content[i].Line] = true
		if m := d.top().Content[i+1]; m.Kind == yaml.MappingNode {
			for _, k := range []string{"providers", "aliases"} {
				if j := keyIndex(m, k); j >= 0 {
					lines[m.Content[j].Line] = true
				}
			}
		}
	}
	return func(l int) bool { return lines[l] }
}

func (d *seedDocument) llmLines() (int, int) {
	i := keyIndex(d.top(), "llm")
	if i < 0 {
		return 0, -1
	}
	t := newText(d.src)
	x := newDocIndex(t, d.root)
	return d.top().Content[i].Line, x.nextLine(d.top().Content[i+1]) - 1
}

// touchProvider allows the lines from the end of the previous item to the start
// of the next one (or the end of the llm section).
func (d *seedDocument) touchProvider(i int) func(int) bool {
	keys := d.touchKeys()
	lo, hi := d.llmLines()
	llm := mapValue(d.top(), "llm")
	if llm != nil && llm.Kind == yaml.MappingNode {
		if seq := mapValue(llm, "providers"); seq != nil && seq.Kind == yaml.SequenceNode && i < len(seq.Content) {
			t := newText(d.src)
			x := newDocIndex(t, d.root)
			if i > 0 {
				lo = x.endLine(seq.Content[i-1]) + 1
			}
			if i+1 < len(seq.Content) {
				hi = seq.Content[i+1].Line - 1
			}
		}
	}
	return func(l int) bool { return keys(l) || (l >= lo && l <= hi) }
}

// touchAlias allows the alias's own lines.
func (d *seedDocument) touchAlias(name string) func(int) bool {
	keys := d.touchKeys()
	lo, hi := d.llmLines()
	llm := mapValue(d.top(), "llm")
	if llm != nil && llm.Kind == yaml.MappingNode {
		if m := mapValue(llm, "aliases"); m != nil && m.Kind == yaml.MappingNode {
			if j := keyIndex(m, name); j >= 0 {
				lo = m.Content[j].Line
				if j+2 < len(m.Content) {
					hi = m.Content[j+2].Line - 1
				}
			}
		}
	}
	return func(l int) bool { return keys(l) || (l >= lo && l <= hi) }
}

// checkChange renders one change and checks parse(render(change(x))) ==
// change(parse(x)); when the entry-level editor did the work, also that every
// line outside the changed entry is untouched: the lines where before and after
// differ all lie in the entry.
func checkChange(t *testing.T, data []byte, c change, wantEntries bool) {
	t.Helper()
	d, err := parseSeed(data)
	if err != nil {
		return
	}
	cfg := d.LLM()
	touch, ok := c.apply(d, cfg)
	if !ok {
		return
	}
	out, tier, err := d.render(cfg)
	if err != nil {
		t.Fatalf("render %+v: %v\ninput:\n%s", c, err, data)
	}
	back, err := parseSeed(out)
	if err != nil {
		t.Fatalf("change %+v: the result does not parse: %v\ninput:\n%s\noutput:\n%s", c, err, data, out)
	}
	if back.llm.Revision() != cfg.Revision() {
		t.Fatalf("change %+v: the result reads as\n%+v\nwant\n%+v\ninput:\n%s\noutput:\n%s", c, back.llm, cfg, data, out)
	}
	if tier == tierUnchanged {
		return
	}
	if wantEntries && tier != tierEntries {
		t.Fatalf("change %+v was rendered by the %s fallback\ninput:\n%s", c, tier, data)
	}
	if tier != tierEntries {
		return
	}
	in, got := splitLines(data), splitLines(out)
	p := 0
	for p < len(in) && p < len(got) && in[p] == got[p] {
		p++
	}
	s := 0
	for s < len(in)-p && s < len(got)-p && in[len(in)-1-s] == got[len(got)-1-s] {
		s++
	}
	for l := p + 1; l <= len(in)-s; l++ {
		if !touch(l) {
			t.Fatalf("change %+v rewrote line %d (%q), outside the changed entry\ninput:\n%s\noutput:\n%s", c, l, in[l-1], data, out)
		}
	}
}

func splitLines(b []byte) []string {
	return strings.Split(string(b), "\n") // a last line may gain the line break it lacked
}

func propertyCorpus(t testing.TB) map[string][]byte {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f) //nolint:gosec // test data
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// TestEveryChangeIsEntryLocal runs every kind of change on every entry of every
// test file, with plain and ambiguous values.
func TestEveryChangeIsEntryLocal(t *testing.T) {
	for name, data := range propertyCorpus(t) {
		t.Run(name, func(t *testing.T) {
			for kind := uint8(0); kind < changeKinds; kind++ {
				for index := 0; index < 6; index++ {
					for _, v := range []string{"gpt-4.1", "yes", "1.10", "0x1F", "007", "~", "a: b", "it's", "line\nbreak", "naïve"} {
						checkChange(t, data, change{kind: kind, index: index, value: v}, true)
					}
				}
			}
		})
	}
}

// FuzzRenderChange: for any file that parses and any change, the result parses
// as the changed configuration, and entry-level edits stay inside the entry.
func FuzzRenderChange(f *testing.F) {
	for _, data := range propertyCorpus(f) {
		for kind := uint8(0); kind < changeKinds; kind++ {
			f.Add(data, kind, uint8(1), "yes")
		}
	}
	f.Add([]byte("llm:\n  providers:\n    - {name: a, type: ollama, base_url: 'http://h:1', model: m}\n  aliases: {default: a}\n"), uint8(1), uint8(0), "x")
	f.Add([]byte("llm:\n  providers:\n    - &p {name: a, type: openai}\n  aliases:\n    fast:\n"), uint8(7), uint8(0), "a")
	f.Add([]byte("a: 1\r\nllm:\r\n  providers:\r\n  - name: a\r\n    model: |\r\n      multi\r\n      # not a comment\r\n    type: ollama\r\n"), uint8(1), uint8(0), "one")
	f.Fuzz(func(t *testing.T, data []byte, kind, index uint8, value string) {
		if !bytes.Contains(data, []byte("llm")) && len(data) > 64 {
			return
		}
		checkChange(t, data, change{kind: kind % changeKinds, index: int(index), value: value}, false)
	})
}
