package configfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// FormatV1 is the `apiVersion: 100monkeys.ai/v1`, `kind: NodeConfig` manifest that
// today's AEGIS daemon reads (see ../shared/upstream/README.md).
const FormatV1 = llmconfig.FormatV1

// The identity of a v1 manifest, validated exactly by the daemon.
const (
	v1APIVersion = "100monkeys.ai/v1"
	v1Kind       = "NodeConfig"
)

// v1Document is a NodeConfig manifest. Its LLM configuration is
// spec.llm_providers[]: every provider entry holds its aliases as models[]
// entries. Writing edits the original bytes line by line, and only inside
// spec.llm_providers: an entry that did not change keeps every byte, and so does
// everything outside the section.
//
// Two things of the API's model have no place in the file, and live in the
// server's own state beside it (StatePath): providers without any alias (the
// daemon refuses a provider with an empty models list), and, per provider, the
// values the API set on the provider itself (model, max_tokens, context_window,
// temperature, and whether base_url was left unset), which the file only holds
// copied into each models[] entry.
type v1Document struct {
	src      []byte
	lines    [][]byte // src split after each "\n"
	spec     *yaml.Node
	provKey  *yaml.Node // the llm_providers key, nil when absent
	provSeq  *yaml.Node
	entries  []*v1Provider
	strategy string
	state    v1State
	stateSrc []byte // the state file d was read or written with
	llm      *llmconfig.LLM
	consumed bool // Next moved the nodes away: parse src again before use
}

type v1Provider struct {
	node        *yaml.Node
	name, typ   string
	endpoint    string
	enabled     bool
	models      []*v1Model
	first, last int // line indexes (0-based, inclusive) of the entry
}

type v1Model struct {
	node        *yaml.Node
	alias       string
	model       string
	caps        []string
	ctx, maxOut *int64
	temp, cost  *float64
	managed     bool // the entry the API's alias stands for
	first, last int
}

// v1State is the server's own state beside a v1 file (StatePath).
type v1State struct {
	Version int `json:"version"`
	// Pending holds providers that have no alias yet, in creation order.
	Pending []llmconfig.Provider `json:"pending,omitempty"`
	// Providers holds, per provider in the file, what the API set on it.
	Providers map[string]v1Hint `json:"providers,omitempty"`
}

type v1Hint struct {
	Model         string   `json:"model,omitempty"`
	MaxTokens     *int64   `json:"max_tokens,omitempty"`
	ContextWindow *int64   `json:"context_window,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty"`
	// DefaultEndpoint: base_url was unset, and the file holds the type's default.
	DefaultEndpoint bool `json:"default_endpoint,omitempty"`
}

// StatePath is where the admin server keeps what a config file's format cannot
// hold (aegis/v1: providers without aliases, provider-level settings).
func StatePath(configPath string) string { return configPath + ".aegis-admin.json" }

// isV1 reports whether the top-level mapping declares a v1 manifest, and fails
// for a manifest of another apiVersion or kind (the daemon refuses those too).
func isV1(top *yaml.Node) (bool, error) {
	av, kind := mapValue(top, "apiVersion"), mapValue(top, "kind")
	if av == nil && kind == nil {
		return false, nil
	}
	if av == nil || kind == nil || av.Value != v1APIVersion || kind.Value != v1Kind {
		return false, fmt.Errorf("the file is a manifest (apiVersion/kind) but not `apiVersion: %s` with `kind: %s`; this server handles that manifest and the seed format (a top-level llm: section)", v1APIVersion, v1Kind)
	}
	return true, nil
}

func parseV1(data, state []byte, root *yaml.Node) (*v1Document, error) {
	d := &v1Document{src: data, lines: bytes.SplitAfter(data, []byte("\n")), stateSrc: state}
	if len(d.lines) > 0 && len(d.lines[len(d.lines)-1]) == 0 {
		d.lines = d.lines[:len(d.lines)-1]
	}
	if len(state) > 0 {
		if err := json.Unmarshal(state, &d.state); err != nil {
			return nil, fmt.Errorf("the admin server's state beside the config file cannot be read: %w; remove it to derive provider settings from the file again", err)
		}
	}
	top := root.Content[0]
	d.spec = mapValue(top, "spec")
	if d.spec == nil || d.spec.Kind != yaml.MappingNode {
		return nil, errors.New("spec must be a mapping (a NodeConfig manifest without spec is refused by the daemon)")
	}
	if sel := mapValue(d.spec, "llm_selection"); sel != nil && sel.Kind == yaml.MappingNode {
		if s := mapValue(sel, "strategy"); s != nil {
			d.strategy = s.Value
		}
	}
	if i := keyIndex(d.spec, "llm_providers"); i >= 0 {
		d.provKey, d.provSeq = d.spec.Content[i], d.spec.Content[i+1]
		if isNull(d.provSeq) {
			d.provSeq = nil
		} else if d.provSeq.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("line %d: spec.llm_providers must be a list", d.provSeq.Line)
		}
	}
	if err := d.readEntries(); err != nil {
		return nil, err
	}
	d.llm = d.decodeLLM()
	return d, nil
}

func (d *v1Document) readEntries() error {
	if d.provSeq == nil {
		return nil
	}
	for i, n := range d.provSeq.Content {
		p, err := d.readEntry(n, i)
		if err != nil {
			return err
		}
		d.entries = append(d.entries, p)
	}
	return nil
}

// readEntry reads spec.llm_providers[i].
func (d *v1Document) readEntry(n *yaml.Node, i int) (*v1Provider, error) {
	where := fmt.Sprintf("spec.llm_providers[%d]", i)
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s must be a mapping", n.Line, where)
	}
	if err := checkDuplicateKeys(n, where); err != nil {
		return nil, err
	}
	p := &v1Provider{node: n, enabled: true}
	p.first, p.last = d.span(n)
	var err error
	if p.name, err = scalarString(n, "name", where); err != nil {
		return nil, err
	}
	if p.typ, err = scalarString(n, "type", where); err != nil {
		return nil, err
	}
	if p.endpoint, err = scalarString(n, "endpoint", where); err != nil {
		return nil, err
	}
	if en := mapValue(n, "enabled"); en != nil && !isNull(en) {
		if err := en.Decode(&p.enabled); err != nil {
			return nil, fmt.Errorf("line %d: %s.enabled must be true or false", en.Line, where)
		}
	}
	models := mapValue(n, "models")
	if models != nil && !isNull(models) {
		if models.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("line %d: %s.models must be a list", models.Line, where)
		}
		for j, mn := range models.Content {
			mw := fmt.Sprintf("%s.models[%d]", where, j)
			m, err := d.readModel(mn, mw)
			if err != nil {
				return nil, err
			}
			p.models = append(p.models, m)
		}
	}
	return p, nil
}

func (d *v1Document) readModel(n *yaml.Node, where string) (*v1Model, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: %s must be a mapping", n.Line, where)
	}
	if err := checkDuplicateKeys(n, where); err != nil {
		return nil, err
	}
	m := &v1Model{node: n}
	m.first, m.last = d.span(n)
	var err error
	if m.alias, err = scalarString(n, "alias", where); err != nil {
		return nil, err
	}
	if m.model, err = scalarString(n, "model", where); err != nil {
		return nil, err
	}
	decode := func(key string, dst any) error {
		v := mapValue(n, key)
		if v == nil || isNull(v) {
			return nil
		}
		if err := v.Decode(dst); err != nil {
			return fmt.Errorf("line %d: %s.%s: %s", v.Line, where, key, hideValues(err.Error()))
		}
		return nil
	}
	var ctx, maxOut int64
	var temp, cost float64
	if v := mapValue(n, "context_window"); v != nil && !isNull(v) {
		if err := decode("context_window", &ctx); err != nil {
			return nil, err
		}
		m.ctx = &ctx
	}
	if v := mapValue(n, "max_output_tokens"); v != nil && !isNull(v) {
		if err := decode("max_output_tokens", &maxOut); err != nil {
			return nil, err
		}
		m.maxOut = &maxOut
	}
	if v := mapValue(n, "temperature"); v != nil && !isNull(v) {
		if err := decode("temperature", &temp); err != nil {
			return nil, err
		}
		m.temp = &temp
	}
	if v := mapValue(n, "cost_per_1k_tokens"); v != nil && !isNull(v) {
		if err := decode("cost_per_1k_tokens", &cost); err != nil {
			return nil, err
		}
		m.cost = &cost
	}
	if err := decode("capabilities", &m.caps); err != nil {
		return nil, err
	}
	return m, nil
}

// scalarString returns the string value of key in m ("" when absent or null).
func scalarString(m *yaml.Node, key, where string) (string, error) {
	v := mapValue(m, key)
	if v == nil || isNull(v) {
		return "", nil
	}
	if v.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: %s.%s must be a string", v.Line, where, key)
	}
	return v.Value, nil
}

// isLocal is the daemon's LLMProviderConfig::is_local: types served on the node.
func isLocal(typ string) bool {
	return typ == llmconfig.TypeOllama || typ == llmconfig.TypeOpenAICompatible
}

// replaces reports whether a later candidate replaces the current winner of an
// alias under the strategy, as the daemon's ProviderRegistry::from_config does.
func (d *v1Document) replaces(cur, next *v1Provider, curM, nextM *v1Model) bool {
	switch d.strategy {
	case "prefer-cloud":
		return !isLocal(next.typ) && isLocal(cur.typ)
	case "cost-optimized":
		return cost(nextM) < cost(curM)
	default: // prefer-local (the default), latency-optimized
		return isLocal(next.typ) && !isLocal(cur.typ)
	}
}

func cost(m *v1Model) float64 {
	if m.cost == nil {
		return 0
	}
	return *m.cost
}

// decodeLLM maps the entries onto the API's model: each alias is the entry the
// daemon would pick (enabled providers first, then the strategy); aliases defined
// more than once are marked Shared.
func (d *v1Document) decodeLLM() *llmconfig.LLM {
	out := &llmconfig.LLM{Aliases: map[string]string{}}
	type cand struct {
		p *v1Provider
		m *v1Model
	}
	winners := map[string]cand{}
	count := map[string][]string{}
	for _, pass := range []bool{true, false} { // enabled providers first
		for _, p := range d.entries {
			if p.enabled != pass {
				continue
			}
			for _, m := range p.models {
				count[m.alias] = append(count[m.alias], p.name)
				w, ok := winners[m.alias]
				switch {
				case !ok:
					winners[m.alias] = cand{p, m}
				case pass && w.p.enabled && w.p != p && d.replaces(w.p, p, w.m, m):
					winners[m.alias] = cand{p, m}
				}
			}
		}
	}
	for alias, w := range winners {
		w.m.managed = true
		out.Aliases[alias] = w.p.name
		if len(count[alias]) > 1 {
			if out.Shared == nil {
				out.Shared = map[string][]string{}
			}
			out.Shared[alias] = count[alias]
		}
	}
	for _, p := range d.entries {
		prov := llmconfig.Provider{Name: p.name, Type: p.typ, BaseURL: p.endpoint}
		if k := mapValue(p.node, "api_key"); k != nil && !isNull(k) {
			prov.APIKey = k.Value
		}
		if h, ok := d.state.Providers[p.name]; ok {
			prov.Model, prov.MaxTokens, prov.ContextWindow, prov.Temperature = h.Model, h.MaxTokens, h.ContextWindow, h.Temperature
			if h.DefaultEndpoint && p.endpoint == llmconfig.DefaultEndpoint(p.typ) {
				prov.BaseURL = ""
			}
		} else if len(p.models) > 0 {
			// No record of what the API set: the first entry's settings are the
			// provider's, the others' differences are their overrides.
			f := p.models[0]
			prov.Model, prov.MaxTokens, prov.ContextWindow, prov.Temperature = f.model, f.maxOut, f.ctx, f.temp
		}
		// An optional setting that a managed entry lacks cannot be the provider's:
		// the alias would inherit it.
		for _, m := range p.models {
			if !m.managed {
				continue
			}
			if m.maxOut == nil {
				prov.MaxTokens = nil
			}
			if m.ctx == nil {
				prov.ContextWindow = nil
			}
			if m.temp == nil {
				prov.Temperature = nil
			}
		}
		for _, m := range p.models {
			if !m.managed {
				continue
			}
			o := llmconfig.AliasOptions{Model: m.model, MaxTokens: m.maxOut, ContextWindow: m.ctx, Temperature: m.temp,
				Capabilities: m.caps, CostPer1kTokens: m.cost}
			out.SetOptions(m.alias, o.Normalize(prov))
		}
		out.Providers = append(out.Providers, prov)
	}
	for _, p := range d.state.Pending {
		if out.Provider(p.Name) == nil {
			out.Providers = append(out.Providers, p.Clone())
		}
	}
	if sel := mapValue(d.spec, "llm_selection"); sel != nil && sel.Kind == yaml.MappingNode {
		for _, key := range []string{"default_provider", "fallback_provider"} {
			if v := mapValue(sel, key); v != nil && v.Kind == yaml.ScalarNode && !isNull(v) && v.Value != "" {
				if out.References == nil {
					out.References = map[string]string{}
				}
				out.References["llm_selection."+key] = v.Value
			}
		}
	}
	return out
}

func (d *v1Document) Format() string { return FormatV1 }

func (d *v1Document) LLM() *llmconfig.LLM { return d.llm.Clone() }

func (d *v1Document) Render(cfg *llmconfig.LLM) ([]byte, error) {
	data, _, err := d.render(cfg)
	return data, err
}

// RenderWithState returns Render(cfg) and the server's own state that goes with it.
func (d *v1Document) RenderWithState(cfg *llmconfig.LLM) ([]byte, []byte, error) {
	return d.render(cfg)
}

// span returns the first and last line (0-based, inclusive) of a block node.
func (d *v1Document) span(n *yaml.Node) (int, int) {
	first := n.Line - 1
	// A sequence item's mapping starts after "- "; when the dash stands alone on
	// its line, the item starts there.
	if first > 0 && first < len(d.lines) && !strings.Contains(string(d.lines[first][:min(len(d.lines[first]), max(n.Column-1, 0))]), "-") {
		if t := strings.TrimSpace(string(d.lines[first-1])); t == "-" {
			first--
		}
	}
	return first, maxLine(n) - 1
}

func maxLine(n *yaml.Node) int {
	m := n.Line
	if n.Kind == yaml.ScalarNode && (n.Style&(yaml.LiteralStyle|yaml.FoldedStyle)) != 0 {
		m += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	for _, c := range n.Content {
		m = max(m, maxLine(c))
	}
	return m
}

// lineEdit replaces lines [from, to) with repl.
type lineEdit struct {
	from, to int
	repl     []string
	seq      int
}

type editor struct {
	d     *v1Document
	edits []lineEdit
}

func (e *editor) add(from, to int, repl ...string) {
	e.edits = append(e.edits, lineEdit{from: from, to: to, repl: repl, seq: len(e.edits)})
}

func (e *editor) apply() []byte {
	sort.SliceStable(e.edits, func(i, j int) bool {
		if e.edits[i].from != e.edits[j].from {
			return e.edits[i].from > e.edits[j].from
		}
		return e.edits[i].seq > e.edits[j].seq
	})
	lines := make([][]byte, len(e.d.lines))
	copy(lines, e.d.lines)
	if n := len(lines); n > 0 && !bytes.HasSuffix(lines[n-1], []byte("\n")) && len(e.edits) > 0 {
		lines[n-1] = append(append([]byte(nil), lines[n-1]...), '\n')
	}
	for _, ed := range e.edits {
		repl := make([][]byte, len(ed.repl))
		for i, s := range ed.repl {
			repl[i] = []byte(s + "\n")
		}
		lines = slices.Replace(lines, ed.from, ed.to, repl...)
	}
	return bytes.Join(lines, nil)
}

// linePrefix is the text of line i before column col (1-based).
func (d *v1Document) linePrefix(i, col int) string {
	l := string(d.lines[i])
	if col-1 <= len(l) {
		return l[:col-1]
	}
	return l
}

// indentOf returns spaces as wide as the text before column col on line i.
func (d *v1Document) indentOf(i, col int) string {
	return strings.Repeat(" ", len(d.linePrefix(i, col)))
}

// render computes the new file and state for cfg.
func (d *v1Document) render(cfg *llmconfig.LLM) ([]byte, []byte, error) {
	out, state, _, _, err := d.renderEdits(cfg)
	return out, state, err
}

// renderEdits is render, with the edits it made and the state it wrote.
func (d *v1Document) renderEdits(cfg *llmconfig.LLM) ([]byte, []byte, []lineEdit, *v1State, error) {
	out, state, e, st, err := d.renderEditor(cfg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return out, state, e.edits, st, nil
}

func (d *v1Document) renderEditor(cfg *llmconfig.LLM) ([]byte, []byte, *editor, *v1State, error) {
	fail := func(err error) ([]byte, []byte, *editor, *v1State, error) { return nil, nil, nil, nil, err }
	if err := d.ensureParsed(); err != nil {
		return fail(err)
	}
	e := &editor{d: d}
	st := v1State{Version: 1}
	inFile := map[string]bool{}
	fileAliases := map[string]bool{} // (provider, alias) entries that stay
	remaining := 0
	idx := cfg.Index() // look-ups per entry: a scan each would make a commit quadratic in the file
	for _, p := range d.entries {
		want := idx.Provider(p.name)
		var unmanaged int
		for _, m := range p.models {
			if !m.managed {
				unmanaged++
			}
		}
		if want == nil {
			if unmanaged > 0 {
				return fail(fmt.Errorf("provider %q still holds models[] entries that the API does not manage (aliases defined under several providers); refusing to drop them", p.name))
			}
			e.add(p.first, p.last+1)
			continue
		}
		aliases := idx.AliasesOf(p.name)
		if len(aliases) == 0 && unmanaged == 0 {
			// No alias left: the provider moves into the server's state until
			// its next alias arrives (the daemon refuses an empty models list).
			e.add(p.first, p.last+1)
			continue
		}
		inFile[p.name] = true
		remaining++
		st.hint(*want)
		if err := d.patchProvider(e, p, *want); err != nil {
			return fail(err)
		}
		var keep int
		for _, m := range p.models {
			switch {
			case !m.managed:
				keep++
			case cfg.Aliases[m.alias] == p.name:
				eff, _ := idx.Effective(m.alias)
				if err := d.patchModel(e, m, eff, cfg.Options(m.alias)); err != nil {
					return fail(err)
				}
				fileAliases[p.name+"\x00"+m.alias] = true
				keep++
			default:
				e.add(m.first, m.last+1)
			}
		}
		var added []string
		for _, a := range aliases {
			if !fileAliases[p.name+"\x00"+a] {
				eff, _ := idx.Effective(a)
				added = append(added, renderModel(a, eff, cfg.Options(a))...)
			}
		}
		if len(added) > 0 {
			if len(p.models) == 0 {
				return fail(fmt.Errorf("provider %q has no models[] list to add aliases to; fix the file by hand", p.name))
			}
			last := p.models[len(p.models)-1]
			f := p.models[0]
			ind := d.indentOf(f.first, f.node.Column)
			dash := strings.TrimSuffix(ind, "  ")
			for i := range added {
				if strings.HasPrefix(added[i], "- ") {
					added[i] = dash + added[i]
				} else {
					added[i] = ind + added[i]
				}
			}
			e.add(last.last+1, last.last+1, added...)
		}
	}
	// Providers that are not in the file: appended with their aliases, or kept in
	// the state while they have none.
	var newEntries []string
	for _, p := range cfg.Providers {
		if inFile[p.Name] {
			continue
		}
		aliases := idx.AliasesOf(p.Name)
		if len(aliases) == 0 {
			st.Pending = append(st.Pending, p.Clone())
			continue
		}
		st.hint(p)
		remaining++
		newEntries = append(newEntries, renderProvider(p, cfg, idx, aliases)...)
	}
	if err := d.placeProviders(e, newEntries, remaining); err != nil {
		return fail(err)
	}
	out := e.apply()
	if len(e.edits) == 0 {
		out = d.src
	}
	state, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fail(err)
	}
	return out, append(state, '\n'), e, &st, nil
}

func (st *v1State) hint(p llmconfig.Provider) {
	if st.Providers == nil {
		st.Providers = map[string]v1Hint{}
	}
	st.Providers[p.Name] = v1Hint{Model: p.Model, MaxTokens: p.MaxTokens, ContextWindow: p.ContextWindow,
		Temperature: p.Temperature, DefaultEndpoint: p.BaseURL == ""}
}

// placeProviders appends new provider entries to spec.llm_providers, creating the
// key when the file has none and writing `[]` when no entry remains.
func (d *v1Document) placeProviders(e *editor, newEntries []string, remaining int) error {
	switch {
	case d.provKey != nil && d.provSeq != nil && len(d.provSeq.Content) > 0 && d.provSeq.Style&yaml.FlowStyle == 0:
		f := d.entries[0]
		ind := d.indentOf(f.first, f.node.Column)
		dash := strings.TrimSuffix(ind, "  ")
		if len(newEntries) > 0 {
			last := d.entries[len(d.entries)-1]
			e.add(last.last+1, last.last+1, indentLines(newEntries, dash, ind)...)
		}
		if remaining == 0 {
			kl := d.provKey.Line - 1
			e.add(kl, kl+1, d.linePrefix(kl, d.provKey.Column)+"llm_providers: []"+comment(d.provKey, d.provSeq))
		}
		return nil
	case len(newEntries) == 0:
		return nil
	case d.provKey != nil:
		// `llm_providers: []` (or null): the key line becomes a block list.
		if d.provSeq != nil && len(d.provSeq.Content) > 0 {
			return errors.New("spec.llm_providers is a flow-style list ([...]) with entries; rewrite it in block style (one `- name:` per provider) so that it can be edited without touching the rest of the file")
		}
		kl := d.provKey.Line - 1
		keyInd := d.indentOf(kl, d.provKey.Column)
		lines := []string{d.linePrefix(kl, d.provKey.Column) + "llm_providers:" + comment(d.provKey, d.provSeq)}
		lines = append(lines, indentLines(newEntries, keyInd+"  ", keyInd+"    ")...)
		e.add(kl, kl+1, lines...)
		return nil
	default:
		if len(d.spec.Content) == 0 || d.spec.Style&yaml.FlowStyle != 0 {
			return errors.New("spec must be a block mapping with at least one key to add spec.llm_providers to")
		}
		k := d.spec.Content[0]
		keyInd := d.indentOf(k.Line-1, k.Column)
		lines := []string{keyInd + "llm_providers:"}
		lines = append(lines, indentLines(newEntries, keyInd+"  ", keyInd+"    ")...)
		at := k.Line - 1 // before spec's first key (after its head comments' line? no: right before the key line)
		e.add(at, at, lines...)
		return nil
	}
}

// indentLines indents rendered entry lines: "- ..." lines with dash, the others with ind.
func indentLines(lines []string, dash, ind string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if strings.HasPrefix(l, "- ") {
			out[i] = dash + l
		} else {
			out[i] = ind + l
		}
	}
	return out
}

// comment returns " # ..." for the line comment of a key or its value.
func comment(nodes ...*yaml.Node) string {
	for _, n := range nodes {
		if n != nil && n.LineComment != "" {
			return " " + n.LineComment
		}
	}
	return ""
}

// renderProvider renders a new provider entry, relative to its "- " column.
func renderProvider(p llmconfig.Provider, cfg *llmconfig.LLM, idx *llmconfig.Index, aliases []string) []string {
	endpoint := p.BaseURL
	if endpoint == "" {
		endpoint = llmconfig.DefaultEndpoint(p.Type)
	}
	lines := []string{
		"- name: " + dq(p.Name),
		"type: " + dq(p.Type),
		"endpoint: " + dq(endpoint),
	}
	if p.APIKey != "" {
		lines = append(lines, "api_key: "+dq(p.APIKey))
	}
	lines = append(lines, "models:")
	for _, a := range aliases {
		eff, _ := idx.Effective(a)
		for _, l := range renderModel(a, eff, cfg.Options(a)) {
			if strings.HasPrefix(l, "- ") {
				lines = append(lines, "  "+l)
			} else {
				lines = append(lines, "    "+l)
			}
		}
	}
	return lines
}

// renderModel renders one models[] entry, relative to its "- " column.
func renderModel(alias string, eff llmconfig.Provider, o llmconfig.AliasOptions) []string {
	lines := []string{"- alias: " + dq(alias), "model: " + dq(eff.Model), "capabilities: " + flowList(o.Capabilities)}
	if eff.ContextWindow != nil {
		lines = append(lines, "context_window: "+strconv.FormatInt(*eff.ContextWindow, 10))
	}
	if eff.MaxTokens != nil {
		lines = append(lines, "max_output_tokens: "+strconv.FormatInt(*eff.MaxTokens, 10))
	}
	if eff.Temperature != nil {
		lines = append(lines, "temperature: "+renderFloat(*eff.Temperature))
	}
	if o.CostPer1kTokens != nil {
		lines = append(lines, "cost_per_1k_tokens: "+renderFloat(*o.CostPer1kTokens))
	}
	return lines
}

// patchProvider edits the provider-level keys of an existing entry that differ.
func (d *v1Document) patchProvider(e *editor, p *v1Provider, want llmconfig.Provider) error {
	endpoint := want.BaseURL
	if endpoint == "" {
		endpoint = llmconfig.DefaultEndpoint(want.Type)
	}
	anchor := "type"
	if keyIndex(p.node, "endpoint") >= 0 {
		anchor = "endpoint"
	}
	if err := d.setString(e, p.node, "type", want.Type, "name"); err != nil {
		return err
	}
	if err := d.setString(e, p.node, "endpoint", endpoint, "type"); err != nil {
		return err
	}
	return d.setString(e, p.node, "api_key", want.APIKey, anchor)
}

// patchModel edits the keys of a managed models[] entry that differ from eff.
func (d *v1Document) patchModel(e *editor, m *v1Model, eff llmconfig.Provider, o llmconfig.AliasOptions) error {
	if err := d.setString(e, m.node, "model", eff.Model, "alias"); err != nil {
		return err
	}
	if len(o.Capabilities) > 0 || mapValue(m.node, "capabilities") == nil {
		if !slices.Equal(o.Capabilities, m.caps) || mapValue(m.node, "capabilities") == nil {
			d.setRaw(e, m.node, "capabilities", flowList(o.Capabilities), "model")
		}
	}
	setInt := func(key string, want, have *int64) {
		switch {
		case want == nil && have != nil:
			d.remove(e, m.node, key)
		case want != nil && (have == nil || *have != *want):
			d.setRaw(e, m.node, key, strconv.FormatInt(*want, 10), "")
		}
	}
	setFloat := func(key string, want, have *float64) {
		switch {
		case want == nil && have != nil:
			d.remove(e, m.node, key)
		case want != nil && (have == nil || *have != *want):
			d.setRaw(e, m.node, key, renderFloat(*want), "")
		}
	}
	setInt("context_window", eff.ContextWindow, m.ctx)
	setInt("max_output_tokens", eff.MaxTokens, m.maxOut)
	setFloat("temperature", eff.Temperature, m.temp)
	setFloat("cost_per_1k_tokens", o.CostPer1kTokens, m.cost)
	return nil
}

// setString sets a string key of m to want (removing it when want is ""),
// keeping the value's quoting style; a new key goes after the key anchor.
func (d *v1Document) setString(e *editor, m *yaml.Node, key, want, anchor string) error {
	v := mapValue(m, key)
	switch {
	case want == "" && v == nil:
		return nil
	case want == "":
		d.remove(e, m, key)
		return nil
	case v != nil && v.Kind == yaml.ScalarNode && !isNull(v) && v.Value == want:
		return nil
	}
	raw := dq(want)
	if v != nil && v.Kind == yaml.ScalarNode {
		switch {
		case v.Style&yaml.SingleQuotedStyle != 0:
			raw = "'" + strings.ReplaceAll(want, "'", "''") + "'"
		case v.Style&yaml.DoubleQuotedStyle == 0 && isPlainSafe(want):
			raw = want
		}
	}
	d.setRaw(e, m, key, raw, anchor)
	return nil
}

// setRaw writes `key: raw` into m: in place of the existing key (keeping the text
// before the key and the line comment), or as a new line after anchor's lines
// (after the entry's last line when anchor is "").
func (d *v1Document) setRaw(e *editor, m *yaml.Node, key, raw, anchor string) {
	if i := keyIndex(m, key); i >= 0 {
		k, v := m.Content[i], m.Content[i+1]
		kl := k.Line - 1
		e.add(kl, maxLine(v), d.linePrefix(kl, k.Column)+key+": "+raw+comment(v, k))
		return
	}
	first := m.Content[0]
	ind := d.indentOf(first.Line-1, first.Column)
	at := maxLine(m) // after the entry's last line
	if i := keyIndex(m, anchor); anchor != "" && i >= 0 {
		at = maxLine(m.Content[i+1])
	}
	e.add(at, at, ind+key+": "+raw)
}

// remove deletes key (and its value's lines) from m.
func (d *v1Document) remove(e *editor, m *yaml.Node, key string) {
	i := keyIndex(m, key)
	if i < 0 {
		return
	}
	k, v := m.Content[i], m.Content[i+1]
	if i == 0 {
		// The key shares its line with the entry's "- ": keep the dash, move the
		// next key up is not possible line-wise; blank the value instead.
		kl := k.Line - 1
		e.add(kl, maxLine(v), d.linePrefix(kl, k.Column)+key+": null"+comment(v, k))
		return
	}
	e.add(k.Line-1, maxLine(v))
}

func dq(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// isPlainSafe reports whether s reads back as the same string when written plain.
func isPlainSafe(s string) bool {
	if s == "" || strings.ContainsAny(s, "\n\r\t#:") {
		return false
	}
	var back any
	if err := yaml.Unmarshal([]byte("v: "+s), &back); err != nil {
		return false
	}
	m, ok := back.(map[string]any)
	if !ok {
		return false
	}
	got, ok := m["v"].(string)
	return ok && got == s
}

func flowList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = dq(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
