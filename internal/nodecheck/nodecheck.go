// Package nodecheck encodes, for tests, the rules by which today's AEGIS daemon
// validates an `apiVersion: 100monkeys.ai/v1` NodeConfig file (serde decoding of
// NodeConfigManifest plus NodeConfigManifest::validate, as summarized in
// ../shared/upstream/README.md), and compares the bytes of two versions of such a
// file outside spec.llm_providers. It is written independently of
// internal/configfile, so that a test can catch the codec writing something the
// daemon would refuse.
package nodecheck

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Check returns every rule the file breaks (nil when the daemon would accept it).
func Check(data []byte) []string {
	var probs []string
	bad := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return []string{"not YAML: " + err.Error()}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return []string{"the top level must be a mapping"}
	}
	top := root.Content[0]
	if s, _ := str(get(top, "apiVersion")); s != "100monkeys.ai/v1" {
		bad("apiVersion must be exactly 100monkeys.ai/v1")
	}
	if s, _ := str(get(top, "kind")); s != "NodeConfig" {
		bad("kind must be exactly NodeConfig")
	}
	if s, _ := str(get(get(top, "metadata"), "name")); s == "" {
		bad("metadata.name must be a non-empty string")
	}
	spec := get(top, "spec")
	if spec == nil || spec.Kind != yaml.MappingNode {
		return append(probs, "spec must be a mapping")
	}
	if s, _ := str(get(get(spec, "node"), "id")); s == "" {
		bad("spec.node.id must be a non-empty string")
	}
	names := map[string]bool{}
	provs := get(spec, "llm_providers")
	if provs != nil && !null(provs) {
		if provs.Kind != yaml.SequenceNode {
			bad("spec.llm_providers must be a list")
			provs = nil
		}
	} else {
		provs = nil
	}
	if provs != nil {
		for i, p := range provs.Content {
			w := fmt.Sprintf("spec.llm_providers[%d]", i)
			if p.Kind != yaml.MappingNode {
				bad("%s must be a mapping", w)
				continue
			}
			dupKeys(p, w, bad)
			name, ok := str(get(p, "name"))
			if !ok || name == "" {
				bad("%s.name is required (a non-empty string)", w)
			}
			names[name] = true
			switch t, _ := str(get(p, "type")); t {
			case "ollama", "openai", "anthropic", "gemini", "openai-compatible":
			default:
				bad("%s.type %q is not one of ollama, openai, anthropic, gemini, openai-compatible", w, t)
			}
			if e, ok := str(get(p, "endpoint")); !ok || e == "" {
				bad("%s.endpoint is required and must not be empty", w)
			}
			if k := get(p, "api_key"); k != nil && !null(k) {
				if _, ok := str(k); !ok {
					bad("%s.api_key must be a string", w)
				}
			}
			if en := get(p, "enabled"); en != nil && !null(en) && en.ShortTag() != "!!bool" {
				bad("%s.enabled must be a boolean", w)
			}
			models := get(p, "models")
			if models == nil || models.Kind != yaml.SequenceNode || len(models.Content) == 0 {
				bad("%s.models must be a non-empty list", w)
				continue
			}
			for j, m := range models.Content {
				mw := fmt.Sprintf("%s.models[%d]", w, j)
				if m.Kind != yaml.MappingNode {
					bad("%s must be a mapping", mw)
					continue
				}
				dupKeys(m, mw, bad)
				if s, ok := str(get(m, "alias")); !ok || s == "" {
					bad("%s.alias is required (a non-empty string)", mw)
				}
				if s, ok := str(get(m, "model")); !ok || s == "" {
					bad("%s.model is required (a non-empty string)", mw)
				}
				if c := get(m, "capabilities"); c == nil || c.Kind != yaml.SequenceNode {
					bad("%s.capabilities is required (a list, may be empty)", mw)
				} else {
					for _, it := range c.Content {
						if _, ok := str(it); !ok {
							bad("%s.capabilities must hold strings", mw)
						}
					}
				}
				if !uint32Of(get(m, "context_window")) {
					bad("%s.context_window is required (an integer 0..4294967295)", mw)
				}
				if v := get(m, "max_output_tokens"); v != nil && !null(v) && !uint32Of(v) {
					bad("%s.max_output_tokens must be an integer 0..4294967295", mw)
				}
				for _, k := range []string{"cost_per_1k_tokens", "temperature"} {
					if v := get(m, k); v != nil && !null(v) && !number(v) {
						bad("%s.%s must be a number", mw, k)
					}
				}
			}
		}
	}
	if sel := get(spec, "llm_selection"); sel != nil && !null(sel) {
		if sel.Kind != yaml.MappingNode {
			bad("spec.llm_selection must be a mapping")
		} else {
			if s := get(sel, "strategy"); s != nil && !null(s) {
				switch v, _ := str(s); v {
				case "prefer-local", "prefer-cloud", "cost-optimized", "latency-optimized":
				default:
					bad("spec.llm_selection.strategy %q is not a known strategy", v)
				}
			}
			for _, k := range []string{"default_provider", "fallback_provider"} {
				if v := get(sel, k); v != nil && !null(v) {
					if n, _ := str(v); !names[n] {
						bad("spec.llm_selection.%s names %q, which is not in spec.llm_providers", k, n)
					}
				}
			}
			for _, k := range []string{"max_retries", "retry_delay_ms"} {
				if v := get(sel, k); v != nil && !null(v) && !uint32Of(v) && !uint64Of(v) {
					bad("spec.llm_selection.%s must be a non-negative integer", k)
				}
			}
		}
	}
	return probs
}

// Outside returns the bytes of a v1 file before and after spec.llm_providers (the
// key line through the last line of its value). A file without the key is all
// "before".
func Outside(data []byte) (before, after []byte, err error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, err
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return data, nil, nil
	}
	spec := get(root.Content[0], "spec")
	if spec == nil || spec.Kind != yaml.MappingNode {
		return data, nil, nil
	}
	var key, val *yaml.Node
	for i := 0; i+1 < len(spec.Content); i += 2 {
		if spec.Content[i].Value == "llm_providers" {
			key, val = spec.Content[i], spec.Content[i+1]
		}
	}
	if key == nil {
		return data, nil, nil
	}
	// (after is never nil when the key exists)
	lines := bytes.SplitAfter(data, []byte("\n"))
	first, last := key.Line-1, maxLine(val)
	return bytes.Join(lines[:first], nil), append([]byte{}, bytes.Join(lines[last:], nil)...), nil
}

// SameOutside reports whether two versions of a v1 file hold the same bytes
// outside spec.llm_providers, with a description of the first difference.
func SameOutside(a, b []byte) (bool, string) {
	ab, aa, err := Outside(a)
	if err != nil {
		return false, err.Error()
	}
	bb, ba, err := Outside(b)
	if err != nil {
		return false, err.Error()
	}
	// A file without the key gets one inserted: compare what is around it.
	if aa == nil || ba == nil {
		x, y := append(append([]byte(nil), ab...), aa...), append(append([]byte(nil), bb...), ba...)
		if !bytes.Equal(x, y) {
			return false, "bytes outside spec.llm_providers differ:\n" + firstDiff(x, y)
		}
		return true, ""
	}
	if !bytes.Equal(ab, bb) {
		return false, "bytes before spec.llm_providers differ:\n" + firstDiff(ab, bb)
	}
	if !bytes.Equal(aa, ba) {
		return false, "bytes after spec.llm_providers differ:\n" + firstDiff(aa, ba)
	}
	return true, ""
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d: %q != %q", i+1, x, y)
		}
	}
	return "(no line differs)"
}

func maxLine(n *yaml.Node) int {
	m := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		m += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	for _, c := range n.Content {
		m = max(m, maxLine(c))
	}
	return m
}

func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func dupKeys(m *yaml.Node, where string, bad func(string, ...any)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if seen[m.Content[i].Value] {
			bad("%s.%s is defined twice", where, m.Content[i].Value)
		}
		seen[m.Content[i].Value] = true
	}
}

func null(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func str(n *yaml.Node) (string, bool) {
	if n == nil || n.Kind != yaml.ScalarNode || null(n) {
		return "", false
	}
	// serde reads a YAML scalar into a String whatever its tag, but a quoted or
	// plain string is what the daemon's templates use.
	return n.Value, true
}

func uint32Of(n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return false
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	return err == nil && v >= 0 && v <= math.MaxUint32
}

func uint64Of(n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return false
	}
	_, err := strconv.ParseUint(n.Value, 0, 64)
	return err == nil
}

func number(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	t := n.ShortTag()
	return t == "!!int" || t == "!!float"
}
