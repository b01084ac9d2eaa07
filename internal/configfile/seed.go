package configfile

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"go.yaml.in/yaml/v3"
)

// FormatSeed is the file format of the AEGIS guide "Configuring LLM Providers": a
// top-level `llm:` mapping with `providers` and `aliases`.
const FormatSeed = "aegis/seed"

// seedDocument is a whole aegis-config.yaml in the seed format, kept as a YAML node
// tree so that writing the llm section back leaves every other section, the key
// order and the comments of the file as the operator wrote them.
type seedDocument struct {
	src  []byte
	root *yaml.Node // a DocumentNode holding one MappingNode
	llm  *llmconfig.LLM
}

func parseSeed(data []byte) (*seedDocument, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	if root.Kind == 0 { // empty file
		root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the file must be a YAML mapping at the top level")
	}
	d := &seedDocument{src: data, root: &root}
	llm, err := d.decodeLLM()
	if err != nil {
		return nil, err
	}
	d.llm = llm
	return d, nil
}

func (d *seedDocument) Format() string { return FormatSeed }

func (d *seedDocument) LLM() *llmconfig.LLM { return d.llm.Clone() }

// Render returns the file with its llm section replaced by cfg. The document
// itself is not changed: the original bytes are parsed again and edited.
func (d *seedDocument) Render(cfg *llmconfig.LLM) ([]byte, error) {
	work, err := parseSeed(d.src)
	if err != nil {
		return nil, err
	}
	work.setLLM(cfg)
	return work.bytes()
}

func (d *seedDocument) top() *yaml.Node { return d.root.Content[0] }

func (d *seedDocument) decodeLLM() (*llmconfig.LLM, error) {
	out := &llmconfig.LLM{Aliases: map[string]string{}}
	llmNode := mapValue(d.top(), "llm")
	if llmNode == nil || isNull(llmNode) {
		return out, nil
	}
	if llmNode.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: llm must be a mapping", llmNode.Line)
	}
	if err := checkDuplicateKeys(llmNode, "llm"); err != nil {
		return nil, err
	}
	if provs := mapValue(llmNode, "providers"); provs != nil && !isNull(provs) {
		if provs.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("line %d: llm.providers must be a list", provs.Line)
		}
		for i, n := range provs.Content {
			if n.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("line %d: llm.providers[%d] must be a mapping", n.Line, i)
			}
			if err := checkDuplicateKeys(n, fmt.Sprintf("llm.providers[%d]", i)); err != nil {
				return nil, err
			}
			for k := 0; k+1 < len(n.Content); k += 2 {
				if key := n.Content[k]; !isProviderField(key.Value) {
					return nil, fmt.Errorf("line %d: llm.providers[%d] has an unknown field %q; the fields are %s",
						key.Line, i, key.Value, strings.Join(providerFields, ", "))
				}
			}
			var p llmconfig.Provider
			if err := n.Decode(&p); err != nil {
				return nil, fmt.Errorf("llm.providers[%d]: %s", i, hideValues(err.Error()))
			}
			out.Providers = append(out.Providers, p)
		}
	}
	if al := mapValue(llmNode, "aliases"); al != nil && !isNull(al) {
		if al.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("line %d: llm.aliases must be a mapping of alias name to provider name", al.Line)
		}
		if err := checkDuplicateKeys(al, "llm.aliases"); err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(al.Content); i += 2 {
			k, v := al.Content[i], al.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: llm.aliases.%s must be a provider name", v.Line, k.Value)
			}
			out.Aliases[k.Value] = v.Value
		}
	}
	return out, nil
}

// setLLM replaces the llm section by cfg, editing the node tree in place: entries
// that did not change keep their formatting and comments, removed ones disappear,
// new ones are appended.
func (d *seedDocument) setLLM(cfg *llmconfig.LLM) {
	llmNode := ensureMapKey(d.top(), "llm", yaml.MappingNode)
	llmNode.Style = 0 // "llm: {}" in the file must not make the whole section flow style

	provs := ensureMapKey(llmNode, "providers", yaml.SequenceNode)
	// Entries by name, in file order; each is reused at most once, so that
	// duplicate names (possible in a hand-edited file) do not share one node.
	existing := map[string][]*yaml.Node{}
	for _, n := range provs.Content {
		if n.Kind == yaml.MappingNode {
			if name := mapValue(n, llmconfig.FieldName); name != nil {
				existing[name.Value] = append(existing[name.Value], n)
			}
		}
	}
	content := make([]*yaml.Node, 0, len(cfg.Providers))
	for _, p := range cfg.Providers {
		var n *yaml.Node
		if ns := existing[p.Name]; len(ns) > 0 {
			n, existing[p.Name] = ns[0], ns[1:]
		} else {
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		patchProvider(n, p)
		content = append(content, n)
	}
	provs.Content = content
	provs.Style = blockOrFlow(len(content))

	al := ensureMapKey(llmNode, "aliases", yaml.MappingNode)
	kept := map[string]bool{}
	var alContent []*yaml.Node
	for i := 0; i+1 < len(al.Content); i += 2 {
		k, v := al.Content[i], al.Content[i+1]
		target, ok := cfg.Aliases[k.Value]
		if !ok || kept[k.Value] {
			continue
		}
		kept[k.Value] = true
		if v.Kind != yaml.ScalarNode || v.Value != target {
			v = strNode(target, v)
		}
		alContent = append(alContent, k, v)
	}
	for _, name := range cfg.AliasNames() {
		if !kept[name] {
			alContent = append(alContent, strNode(name, nil), strNode(cfg.Aliases[name], nil))
		}
	}
	al.Content = alContent
	al.Style = blockOrFlow(len(alContent))
}

// bytes renders the document.
func (d *seedDocument) bytes() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(d.root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func isProviderField(k string) bool {
	for _, f := range providerFields {
		if f == k {
			return true
		}
	}
	return false
}

// backticked matches the values yaml.v3 quotes in its type errors.
var backticked = regexp.MustCompile("`[^`]*`")

// hideValues removes quoted values from a YAML error: a mistyped value might be a
// secret pasted into the wrong field, and errors reach logs and API responses.
func hideValues(msg string) string { return backticked.ReplaceAllString(msg, "(value hidden)") }

// providerFields lists the provider keys in the order the seed document uses.
var providerFields = []string{llmconfig.FieldName, llmconfig.FieldType, llmconfig.FieldAPIKey, llmconfig.FieldBaseURL, llmconfig.FieldAPIVersion, llmconfig.FieldModel, llmconfig.FieldMaxTokens, llmconfig.FieldContextWindow, llmconfig.FieldTemperature}

func providerField(p llmconfig.Provider, field string) (*yaml.Node, bool) {
	switch field {
	case llmconfig.FieldName:
		return strNode(p.Name, nil), true
	case llmconfig.FieldType:
		return strNode(p.Type, nil), true
	case llmconfig.FieldModel:
		return strNode(p.Model, nil), p.Model != ""
	case llmconfig.FieldAPIKey:
		n := strNode(p.APIKey, nil)
		n.Style = yaml.DoubleQuotedStyle
		return n, p.APIKey != ""
	case llmconfig.FieldBaseURL:
		n := strNode(p.BaseURL, nil)
		n.Style = yaml.DoubleQuotedStyle
		return n, p.BaseURL != ""
	case llmconfig.FieldAPIVersion:
		n := strNode(p.APIVersion, nil)
		n.Style = yaml.DoubleQuotedStyle
		return n, p.APIVersion != ""
	case llmconfig.FieldMaxTokens:
		return intNode(p.MaxTokens), p.MaxTokens != nil
	case llmconfig.FieldContextWindow:
		return intNode(p.ContextWindow), p.ContextWindow != nil
	case llmconfig.FieldTemperature:
		if p.Temperature == nil {
			return nil, false
		}
		t := *p.Temperature
		var s string
		switch {
		case math.IsNaN(t): // YAML spellings; only a hand edit can hold these
			s = ".nan"
		case math.IsInf(t, 1):
			s = ".inf"
		case math.IsInf(t, -1):
			s = "-.inf"
		default:
			s = strconv.FormatFloat(t, 'f', -1, 64)
			if !strings.ContainsAny(s, ".eE") {
				s += ".0"
			}
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s}, true
	}
	return nil, false
}

func patchProvider(n *yaml.Node, p llmconfig.Provider) {
	for _, field := range providerFields {
		want, present := providerField(p, field)
		idx := keyIndex(n, field)
		switch {
		case !present && idx >= 0:
			n.Content = append(n.Content[:idx], n.Content[idx+2:]...)
		case present && idx >= 0:
			if !sameScalar(n.Content[idx+1], want) {
				want.LineComment = n.Content[idx+1].LineComment
				n.Content[idx+1] = want
			}
		case present:
			n.Content = append(n.Content, strNode(field, nil), want)
		}
	}
}

// sameScalar reports whether an existing node already holds the wanted value, so
// that its quoting style and comments are kept.
func sameScalar(have, want *yaml.Node) bool {
	if have.Kind != yaml.ScalarNode {
		return false
	}
	switch want.Tag {
	case "!!int":
		a, err1 := strconv.ParseInt(have.Value, 0, 64)
		b, err2 := strconv.ParseInt(want.Value, 10, 64)
		return err1 == nil && err2 == nil && a == b
	case "!!float":
		a, err1 := parseYAMLFloat(have.Value)
		b, err2 := parseYAMLFloat(want.Value)
		return err1 == nil && err2 == nil && (a == b || (math.IsNaN(a) && math.IsNaN(b)))
	default:
		return have.Value == want.Value && (have.Tag == "!!str" || have.ShortTag() == "!!str")
	}
}

// parseYAMLFloat parses a float scalar, including YAML's .nan and .inf forms.
func parseYAMLFloat(s string) (float64, error) {
	switch s {
	case ".nan", ".NaN", ".NAN":
		return math.NaN(), nil
	case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF":
		return math.Inf(1), nil
	case "-.inf", "-.Inf", "-.INF":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

func strNode(v string, like *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	if like != nil {
		n.Style = like.Style &^ (yaml.TaggedStyle | yaml.LiteralStyle | yaml.FoldedStyle)
		n.LineComment = like.LineComment
		n.HeadComment = like.HeadComment
		n.FootComment = like.FootComment
	}
	return n
}

func intNode(v *int64) *yaml.Node {
	if v == nil {
		return nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(*v, 10)}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func keyIndex(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if i := keyIndex(m, key); i >= 0 {
		return m.Content[i+1]
	}
	return nil
}

// ensureMapKey returns the value of key in m, creating it (or replacing a null or
// wrongly-kinded value) with an empty node of the given kind.
func ensureMapKey(m *yaml.Node, key string, kind yaml.Kind) *yaml.Node {
	tag := "!!map"
	if kind == yaml.SequenceNode {
		tag = "!!seq"
	}
	if i := keyIndex(m, key); i >= 0 {
		v := m.Content[i+1]
		if v.Kind == kind {
			return v
		}
		nv := &yaml.Node{Kind: kind, Tag: tag, LineComment: v.LineComment, HeadComment: v.HeadComment}
		m.Content[i+1] = nv
		return nv
	}
	nv := &yaml.Node{Kind: kind, Tag: tag}
	m.Content = append(m.Content, strNode(key, nil), nv)
	return nv
}

func checkDuplicateKeys(m *yaml.Node, where string) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if line, dup := seen[k.Value]; dup {
			return fmt.Errorf("line %d: %s.%s is defined twice (first at line %d)", k.Line, where, k.Value, line)
		}
		seen[k.Value] = k.Line
	}
	return nil
}

func blockOrFlow(n int) yaml.Style {
	if n == 0 {
		return yaml.FlowStyle
	}
	return 0
}
