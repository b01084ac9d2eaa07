package configfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"go.yaml.in/yaml/v3"
)

// FormatSeed is the file format of the AEGIS guide "Configuring LLM Providers": a
// top-level `llm:` mapping with `providers` and `aliases`.
const FormatSeed = "aegis/seed"

// EmptySeed is a new seed-format file with an empty llm section.
const EmptySeed = "llm:\n  providers: []\n  aliases: {}\n"

// seedDocument is a whole aegis-config.yaml in the seed format, kept as a YAML node
// tree so that writing the llm section back leaves every other section, the key
// order and the comments of the file as the operator wrote them.
type seedDocument struct {
	src  []byte
	root *yaml.Node // a DocumentNode holding one MappingNode; nil once Next moved it
	llm  *llmconfig.LLM
	// reliable is positionsReliable(src); lines is src's line index (nil until
	// needed).
	reliable bool
	lines    *text
}

func parseSeed(data []byte) (*seedDocument, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		if derr := checkSingleDocument(data); derr != nil {
			return nil, derr
		}
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	return parseSeedDecoded(data, dec, &root)
}

// parseSeedDecoded finishes parsing a seed-format file whose first document dec
// has decoded into root.
func parseSeedDecoded(data []byte, dec *yaml.Decoder, first *yaml.Node) (*seedDocument, error) {
	if err := checkSingleDocument(data); err != nil {
		return nil, err
	}
	root := *first
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, secondDocumentError(data, &root, err)
	}
	if root.Kind == 0 { // empty file
		root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the file must be a YAML mapping at the top level")
	}
	d := &seedDocument{src: data, root: &root, reliable: positionsReliable(data)}
	llm, err := d.decodeLLM()
	if err != nil {
		return nil, err
	}
	d.llm = llm
	return d, nil
}

// checkSingleDocument refuses YAML directives: the orchestrator reads one plain
// document, and a directive could change how the rest of the file is read.
func checkSingleDocument(data []byte) error {
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(line) > 1 && line[0] == '%' && (line[1] >= 'A' && line[1] <= 'Z' || line[1] >= 'a' && line[1] <= 'z') {
			name, _, _ := bytes.Cut(bytes.TrimRight(line, "\r"), []byte(" "))
			return fmt.Errorf("line %d: the YAML directive %s is not supported: the orchestrator reads one plain YAML document; remove the directive line (and the '---' after it if nothing else needs it)", i+1, name)
		}
	}
	return nil
}

// secondDocumentError names the line where a second YAML document starts: the
// orchestrator reads exactly one document, and the rest of the file would be
// silently dropped.
func secondDocumentError(data []byte, first *yaml.Node, err error) error {
	line := 0
	after := 0
	if first != nil {
		after = first.Line
	}
	for i, l := range bytes.Split(data, []byte("\n")) {
		l = bytes.TrimRight(l, "\r")
		if i+1 > after && (bytes.Equal(l, []byte("---")) || bytes.HasPrefix(l, []byte("--- ")) || bytes.HasPrefix(l, []byte("---\t"))) && i+1 > 1 {
			line = i + 1
			break
		}
	}
	if line == 0 && err != nil {
		return fmt.Errorf("parsing YAML: %s", hideValues(err.Error()))
	}
	where := "the file"
	if line > 0 {
		where = fmt.Sprintf("line %d", line)
	}
	msg := where + ": a second YAML document starts here ('---'); the config file must hold exactly one document (the orchestrator reads only one): merge the documents or remove the second one"
	if err != nil {
		msg += fmt.Sprintf(" (%s)", hideValues(err.Error()))
	}
	return errors.New(msg)
}

func (d *seedDocument) Format() string { return FormatSeed }

func (d *seedDocument) LLM() *llmconfig.LLM { return d.llm.Clone() }

// Render returns the file with its llm section replaced by cfg, changing only the
// bytes of the entries that differ (see seedEditor). Files the entry-level editor
// cannot handle (YAML anchors or flow-style entries in the llm section, provider
// reordering) get their llm section re-rendered and every other section kept
// byte for byte; only files whose line positions YAML reads differently (a lone
// CR, NEL, LS, PS or a byte order mark) are re-encoded whole. Callers parse the
// result back before writing it (see adminserver writeAndPublish). The Document
// itself is not changed.
func (d *seedDocument) Render(cfg *llmconfig.LLM) ([]byte, error) {
	out, _, err := d.render(cfg)
	return out, err
}

// render tiers, as reported to tests.
const (
	tierUnchanged = "unchanged"
	tierEntries   = "entries"
	tierSection   = "section"
	tierWhole     = "whole"
)

func (d *seedDocument) render(cfg *llmconfig.LLM) ([]byte, string, error) {
	if err := d.ensureParsed(); err != nil {
		return nil, "", err
	}
	if sameProviders(d.llm.Providers, cfg.Providers) && sameAliases(d.llm.Aliases, cfg.Aliases) {
		return bytes.Clone(d.src), tierUnchanged, nil
	}
	if d.reliable {
		// Entry-level edits are checked by the property and fuzz tests, and the
		// caller parses what it writes (the admin server does); not parsing the
		// result here keeps a one-entry change from costing a whole-file parse.
		if out, ok := d.renderEntries(cfg); ok {
			return out, tierEntries, nil
		}
		want := cfg.Revision()
		if out, ok := d.renderSection(cfg); ok && readsAs(out, want) {
			return out, tierSection, nil
		}
	}
	out, err := d.renderWhole(cfg)
	return out, tierWhole, err
}

func readsAs(out []byte, revision string) bool {
	back, err := parseSeed(out)
	return err == nil && back.llm.Revision() == revision
}

// renderWhole re-encodes the whole document from its node tree (comments and key
// order kept, formatting not).
func (d *seedDocument) renderWhole(cfg *llmconfig.LLM) ([]byte, error) {
	work, err := parseSeed(d.src)
	if err != nil {
		return nil, err
	}
	work.setLLM(cfg)
	return work.bytes()
}

// renderSection re-encodes the llm section alone and splices it in place of the
// old one.
func (d *seedDocument) renderSection(cfg *llmconfig.LLM) ([]byte, bool) {
	top := d.top()
	if top.Style&yaml.FlowStyle != 0 && len(top.Content) > 0 {
		return nil, false
	}
	work, err := parseSeed(d.src)
	if err != nil {
		return nil, false
	}
	work.setLLM(cfg)
	step := indentStep(d.root)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(step)
	if err := enc.Encode(mapValue(work.top(), "llm")); err != nil {
		return nil, false
	}
	if err := enc.Close(); err != nil {
		return nil, false
	}
	t := newText(d.src)
	ki := keyIndex(top, "llm")
	col := 1
	if len(top.Content) > 0 {
		col = top.Content[0].Column
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for i := range lines {
		lines[i] = spaces(col-1+step) + lines[i]
	}
	body := t.nl + strings.Join(lines, t.nl)
	if ki < 0 {
		return appendSection(t, spaces(col-1)+"llm:"+body), true
	}
	key, v := top.Content[ki], top.Content[ki+1]
	ac := t.afterColon(key)
	if ac < 0 {
		return nil, false
	}
	var end int
	if isNull(v) {
		if end = t.emptyValueEnd(key, v); end < 0 {
			return nil, false
		}
	} else {
		x := newDocIndex(t, d.root)
		end = t.lineEnd(x.endLine(v))
	}
	out, err := splice(d.src, []edit{{start: ac, end: end, repl: body}})
	return out, err == nil
}

// appendSection adds a top-level section at the end of the file.
func appendSection(t *text, section string) []byte {
	out := bytes.Clone(t.src)
	switch {
	case len(out) == 0:
		return []byte(section + t.nl)
	case out[len(out)-1] == '\n':
		return append(out, section+t.nl...)
	default:
		return append(out, t.nl+section...)
	}
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
			p, err := decodeProvider(n, i)
			if err != nil {
				return nil, err
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

// decodeProvider reads the i-th item of llm.providers.
func decodeProvider(n *yaml.Node, i int) (llmconfig.Provider, error) {
	var p llmconfig.Provider
	if n.Kind != yaml.MappingNode {
		return p, fmt.Errorf("line %d: llm.providers[%d] must be a mapping", n.Line, i)
	}
	if err := checkDuplicateKeys(n, fmt.Sprintf("llm.providers[%d]", i)); err != nil {
		return p, err
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		if key := n.Content[k]; !isProviderField(key.Value) {
			return p, fmt.Errorf("line %d: llm.providers[%d] has an unknown field %q; the fields are %s",
				key.Line, i, key.Value, strings.Join(providerFields, ", "))
		}
	}
	if err := n.Decode(&p); err != nil {
		return p, fmt.Errorf("llm.providers[%d]: %s", i, hideValues(err.Error()))
	}
	return p, nil
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

// providerFields lists the provider keys in the order the seed document uses: the
// guide's order, then any other field of llmconfig.Provider in declaration order
// (the seed format stores every field under its own name).
var providerFields = withEveryProviderField(llmconfig.FieldName, llmconfig.FieldType, llmconfig.FieldAPIKey, llmconfig.FieldBaseURL,
	llmconfig.FieldAPIVersion, llmconfig.FieldModel, llmconfig.FieldMaxTokens, llmconfig.FieldContextWindow, llmconfig.FieldTemperature)

func withEveryProviderField(order ...string) []string {
	for _, f := range llmconfig.ProviderFieldNames {
		if !slices.Contains(order, f) {
			order = append(order, f)
		}
	}
	return order
}

func providerField(p llmconfig.Provider, field string) (*yaml.Node, bool) {
	v, set := p.Field(field)
	switch v := v.(type) {
	case string:
		n := strNode(v, nil)
		n.Style = defaultFieldStyle(field)
		return n, set || alwaysWritten(field)
	case *int64:
		return intNode(v), v != nil
	case *float64:
		if v == nil {
			return nil, false
		}
		t := *v
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
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 && !plainSafe(v) {
		n.Style = yaml.DoubleQuotedStyle // "yes", "1.10", "0x1F": every YAML reader must read a string
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
