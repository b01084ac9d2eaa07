package configfile

import (
	"bytes"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"go.yaml.in/yaml/v3"
)

// seedEditor computes the byte edits that turn a seed-format file's llm section
// into a new configuration entry by entry: a changed field rewrites that field's
// value (its key, quoting style where possible and inline comment column kept), a
// removed provider or alias removes its lines, an added one is written in the
// style of its neighbors. It gives up (ok == false) on anything it does not fully
// understand, and Render falls back to re-rendering the llm section.
type seedEditor struct {
	d     *seedDocument
	t     *text
	x     *docIndex
	step  int
	edits []edit
}

func (d *seedDocument) renderEntries(cfg *llmconfig.LLM) ([]byte, bool) {
	t := d.text()
	e := &seedEditor{d: d, t: t, x: newDocIndex(t, d.root), step: indentStep(d.root)}
	if !e.run(cfg) {
		return nil, false
	}
	out, err := splice(d.src, e.edits)
	return out, err == nil
}

func (e *seedEditor) add(ed edit) { e.edits = append(e.edits, ed) }

// insertAfter inserts lines after line l (which keeps its line break).
func (e *seedEditor) insertAfter(l int, lines []string) {
	at := e.t.lineEnd(l)
	e.add(edit{start: at, end: at, repl: e.t.nl + strings.Join(lines, e.t.nl)})
}

// insertBefore inserts lines before line l.
func (e *seedEditor) insertBefore(l int, lines []string) {
	at := e.t.lineStart(l)
	e.add(edit{start: at, end: at, repl: strings.Join(lines, e.t.nl) + e.t.nl})
}

func (e *seedEditor) run(cfg *llmconfig.LLM) bool {
	old := e.d.llm
	provsChanged := !sameProviders(old.Providers, cfg.Providers)
	aliasesChanged := !sameAliases(old.Aliases, cfg.Aliases)
	top := e.d.top()
	if top.Style&yaml.FlowStyle != 0 { // "{}" too: a block section cannot follow it
		return false
	}
	ki := keyIndex(top, "llm")
	if ki < 0 {
		col := 1 // the column of the file's top-level keys
		if len(top.Content) > 0 {
			col = top.Content[0].Column
		}
		lines := append([]string{spaces(col-1) + "llm:"}, e.sectionLines(cfg, col+e.step)...)
		e.add(edit{start: len(e.t.src), end: len(e.t.src), repl: string(appendSection(e.t, strings.Join(lines, e.t.nl))[len(e.t.src):])})
		return true
	}
	key, v := top.Content[ki], top.Content[ki+1]
	if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Anchor == "" && v.Style&yaml.TaggedStyle == 0 {
		childCol := v.Content[0].Column
		if provsChanged && !e.editProviders(v, childCol, cfg.Providers) {
			return false
		}
		if aliasesChanged && !e.editAliases(v, childCol, cfg) {
			return false
		}
		return true
	}
	return e.replaceEmpty(key, v, e.sectionLines(cfg, key.Column+e.step))
}

// replaceEmpty turns "key: {}", "key: []", "key: ~" or "key:" into a block
// collection holding lines.
func (e *seedEditor) replaceEmpty(key, v *yaml.Node, lines []string) bool {
	end := e.t.emptyValueEnd(key, v)
	if end < 0 || v.Anchor != "" {
		return false
	}
	ac := e.t.afterColon(key)
	e.add(edit{start: ac, end: end})
	e.insertAfter(key.Line, lines)
	return true
}

// sectionLines renders a whole llm section's content with its keys at column col.
func (e *seedEditor) sectionLines(cfg *llmconfig.LLM, col int) []string {
	var lines []string
	if len(cfg.Providers) == 0 {
		lines = append(lines, spaces(col-1)+"providers: []")
	} else {
		lines = append(lines, spaces(col-1)+"providers:")
		st := defaultItemStyle(col + e.step)
		for _, p := range cfg.Providers {
			lines = append(lines, st.render(p)...)
		}
	}
	if len(cfg.Aliases) == 0 {
		lines = append(lines, spaces(col-1)+"aliases: {}")
	} else {
		lines = append(lines, spaces(col-1)+"aliases:")
		for _, name := range cfg.AliasNames() {
			lines = append(lines, spaces(col-1+e.step)+renderString(name, 0)+": "+renderString(cfg.Aliases[name], 0))
		}
	}
	return lines
}

// Providers.

func (e *seedEditor) editProviders(llmNode *yaml.Node, childCol int, provs []llmconfig.Provider) bool {
	pi := keyIndex(llmNode, "providers")
	if pi < 0 {
		if len(provs) == 0 {
			return true
		}
		lines := []string{spaces(childCol-1) + "providers:"}
		st := defaultItemStyle(childCol + e.step)
		for _, p := range provs {
			lines = append(lines, st.render(p)...)
		}
		if ai := keyIndex(llmNode, "aliases"); ai >= 0 {
			ak := llmNode.Content[ai]
			e.insertBefore(e.t.headLine(ak.Line, ak.Column), lines)
		} else {
			e.insertAfter(e.x.endLine(llmNode), lines)
		}
		return true
	}
	key, seq := llmNode.Content[pi], llmNode.Content[pi+1]
	if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0 || seq.Anchor != "" || seq.Style&yaml.TaggedStyle != 0 {
		st := defaultItemStyle(key.Column + e.step)
		var lines []string
		for _, p := range provs {
			lines = append(lines, st.render(p)...)
		}
		if len(lines) == 0 {
			return false
		}
		return e.replaceEmpty(key, seq, lines)
	}
	if len(provs) == 0 {
		ac := e.t.afterColon(key)
		if ac < 0 {
			return false
		}
		e.add(edit{start: ac, end: e.t.lineEnd(e.x.endLine(seq)), repl: " []"})
		return true
	}
	items := seq.Content
	oldProvs := e.d.llm.Providers
	if len(oldProvs) != len(items) {
		return false
	}
	byName := make(map[string]int, len(items))
	for i, p := range oldProvs {
		if _, dup := byName[p.Name]; dup || p.Name == "" {
			return false
		}
		byName[p.Name] = i
	}
	// Kept providers must keep their relative order; a reorder re-renders the section.
	used := make([]bool, len(items))
	last := -1
	for _, p := range provs {
		if i, ok := byName[p.Name]; ok {
			if i <= last {
				return false
			}
			last, used[i] = i, true
		}
	}
	// A run of removed items goes with the blank lines that separated it from the
	// next item, or, at the end of the list, from the previous one.
	for a := 0; a < len(items); a++ {
		if used[a] {
			continue
		}
		b := a
		for b+1 < len(items) && !used[b+1] {
			b++
		}
		for _, it := range items[a : b+1] {
			if !e.itemOK(it) {
				return false
			}
		}
		switch {
		case b+1 < len(items):
			if !e.itemOK(items[b+1]) {
				return false
			}
			e.add(e.t.deleteLines(e.t.headLine(items[a].Line, e.dashCol(items[a])), e.t.headLine(items[b+1].Line, e.dashCol(items[b+1]))-1))
		case a > 0:
			e.add(e.t.deleteLines(e.x.endLine(items[a-1])+1, e.x.endLine(items[b])))
		default:
			e.add(e.t.deleteLines(e.t.headLine(items[a].Line, e.dashCol(items[a])), e.x.endLine(items[b])))
		}
		a = b
	}
	for _, p := range provs {
		if i, ok := byName[p.Name]; ok && !sameProvider(oldProvs[i], p) {
			if !e.itemOK(items[i]) || !e.patchItem(items[i], oldProvs[i], p) {
				return false
			}
		}
	}
	// New providers go after the provider that precedes them in cfg, in the
	// style of their nearest neighbor.
	blank := len(items) > 1 && e.blankBetween(items[0], items[1])
	prev := -1
	for j := 0; j < len(provs); {
		if i, ok := byName[provs[j].Name]; ok {
			prev = i
			j++
			continue
		}
		k := j
		for k < len(provs) {
			if _, ok := byName[provs[k].Name]; ok {
				break
			}
			k++
		}
		tmpl := items[0]
		if prev >= 0 {
			tmpl = items[prev]
		}
		if !e.itemOK(tmpl) {
			return false
		}
		st := e.itemStyle(tmpl, items)
		var lines []string
		for _, p := range provs[j:k] {
			if prev >= 0 && blank {
				lines = append(lines, "")
			}
			lines = append(lines, st.render(p)...)
			if prev < 0 && blank {
				lines = append(lines, "")
			}
		}
		switch {
		case prev >= 0:
			e.insertAfter(e.x.endLine(items[prev]), lines)
		case used[0]:
			if !e.itemOK(items[0]) {
				return false
			}
			e.insertBefore(e.t.headLine(items[0].Line, e.dashCol(items[0])), lines)
		default: // every item before it goes: right under "providers:"
			if blank {
				lines = lines[:len(lines)-1]
			}
			e.insertAfter(key.Line, lines)
		}
		j = k
	}
	return true
}

var dashPrefixRE = regexp.MustCompile(`^ *- +$`)

// dashCol is the column of a block sequence item's '-'.
func (e *seedEditor) dashCol(item *yaml.Node) int {
	line := e.t.line(item.Line)
	return bytes.IndexByte(line, '-') + 1
}

// itemOK reports whether a provider list item is simple enough to edit in place:
// a block mapping written "- key: value" with one-line plain keys, scalar values
// on their key's line, and no anchors, aliases or tags.
func (e *seedEditor) itemOK(it *yaml.Node) bool {
	if it.Kind != yaml.MappingNode || it.Style&(yaml.FlowStyle|yaml.TaggedStyle) != 0 || it.Anchor != "" || len(it.Content) == 0 {
		return false
	}
	first := it.Content[0]
	if first.Line != it.Line || first.Column != it.Column {
		return false
	}
	if !dashPrefixRE.Match(e.t.src[e.t.lineStart(it.Line):e.t.pos(first)]) {
		return false
	}
	return e.pairsOK(it)
}

// pairsOK checks the entries of a block mapping: every key a one-line plain
// scalar starting its own line (or the item's dash line), every value a scalar
// that starts on its key's line.
func (e *seedEditor) pairsOK(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Style != 0 || k.Anchor != "" || e.t.afterColon(k) < 0 {
			return false
		}
		if i > 0 && (k.Column != m.Content[0].Column || strings.TrimLeft(string(e.t.src[e.t.lineStart(k.Line):e.t.pos(k)]), " ") != "") {
			return false
		}
		if v.Kind != yaml.ScalarNode || v.Anchor != "" || v.Style&yaml.TaggedStyle != 0 || v.Tag == "!!merge" || k.Value == "<<" {
			return false
		}
		if isNull(v) && e.t.emptyValueEnd(k, v) < 0 {
			return false
		}
		if e.t.emptyValueEnd(k, v) == e.t.afterColon(k) { // "key:" with nothing: no position to edit
			return false
		}
		if v.Line != k.Line {
			return false
		}
		// A block scalar or a quoted one that goes on over lines can hold lines
		// that look like comments, which endLine would cut off the value.
		if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			return false
		}
		if _, ok := e.t.tokenEnd(v); !ok && v.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			return false
		}
	}
	return true
}

// blankBetween reports whether a blank line separates two neighboring items.
func (e *seedEditor) blankBetween(a, b *yaml.Node) bool {
	for l := e.x.endLine(a) + 1; l < b.Line; l++ {
		if blank, _ := e.t.blankOrComment(l); blank {
			return true
		}
	}
	return false
}

func (e *seedEditor) patchItem(it *yaml.Node, oldP, newP llmconfig.Provider) bool {
	deleted := map[string]bool{}
	for _, f := range providerFields {
		if fieldEqual(oldP, newP, f) {
			continue
		}
		ki := keyIndex(it, f)
		_, has := fieldText(newP, f, 0)
		switch {
		case ki >= 0 && !has:
			if ki == 0 { // on the dash line: the next key moves up
				if len(it.Content) < 4 {
					return false
				}
				e.add(edit{start: e.t.pos(it.Content[0]), end: e.t.pos(it.Content[2])})
			} else {
				k := it.Content[ki]
				e.add(e.t.deleteLines(e.t.headLine(k.Line, k.Column), e.x.endLine(it.Content[ki+1])))
			}
			deleted[f] = true
		case ki >= 0:
			v := it.Content[ki+1]
			repl, _ := fieldText(newP, f, v.Style)
			e.add(e.t.replaceScalar(v, repl, e.x.endLine(v)))
		}
	}
	for fi, f := range providerFields {
		if fieldEqual(oldP, newP, f) || keyIndex(it, f) >= 0 {
			continue
		}
		// After the nearest preceding field the entry keeps.
		after := -1
		for pj := fi - 1; pj >= 0 && after < 0; pj-- {
			if ki := keyIndex(it, providerFields[pj]); ki >= 0 && !deleted[providerFields[pj]] {
				after = ki
			}
		}
		if after < 0 {
			return false
		}
		repl, _ := fieldText(newP, f, e.fieldStyle(f, it))
		e.insertAfter(e.x.endLine(it.Content[after+1]), []string{spaces(it.Content[0].Column-1) + f + ": " + repl})
	}
	return true
}

// fieldStyle is the quoting of a field in the item, or in its neighbors.
func (e *seedEditor) fieldStyle(f string, it *yaml.Node) yaml.Style {
	if v := mapValue(it, f); v != nil {
		return v.Style & (yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle)
	}
	return defaultFieldStyle(f)
}

// Aliases.

func (e *seedEditor) editAliases(llmNode *yaml.Node, childCol int, cfg *llmconfig.LLM) bool {
	names := cfg.AliasNames()
	ai := keyIndex(llmNode, "aliases")
	if ai < 0 {
		if len(names) == 0 {
			return true
		}
		lines := []string{spaces(childCol-1) + "aliases:"}
		for _, n := range names {
			lines = append(lines, spaces(childCol-1+e.step)+renderString(n, 0)+": "+renderString(cfg.Aliases[n], 0))
		}
		e.insertAfter(e.x.endLine(llmNode), lines)
		return true
	}
	key, m := llmNode.Content[ai], llmNode.Content[ai+1]
	if m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 || m.Anchor != "" || m.Style&yaml.TaggedStyle != 0 {
		var lines []string
		for _, n := range names {
			lines = append(lines, spaces(key.Column-1+e.step)+renderString(n, 0)+": "+renderString(cfg.Aliases[n], 0))
		}
		if len(lines) == 0 {
			return false
		}
		return e.replaceEmpty(key, m, lines)
	}
	if !e.pairsOK(m) {
		return false
	}
	if first := m.Content[0]; strings.TrimLeft(string(e.t.src[e.t.lineStart(first.Line):e.t.pos(first)]), " ") != "" {
		return false
	}
	if len(names) == 0 {
		ac := e.t.afterColon(key)
		if ac < 0 {
			return false
		}
		e.add(edit{start: ac, end: e.t.lineEnd(e.x.endLine(m)), repl: " {}"})
		return true
	}
	inFile := map[string]bool{}
	lastKept := -1
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		inFile[k.Value] = true
		target, ok := cfg.Aliases[k.Value]
		switch {
		case !ok:
			e.add(e.t.deleteLines(e.t.headLine(k.Line, k.Column), e.x.endLine(v)))
		case v.Value != target:
			e.add(e.t.replaceScalar(v, renderString(target, v.Style), e.x.endLine(v)))
			lastKept = i
		default:
			lastKept = i
		}
	}
	col := m.Content[0].Column
	style := m.Content[1].Style
	if lastKept >= 0 {
		style = m.Content[lastKept+1].Style
	}
	var lines []string
	for _, n := range names {
		if !inFile[n] {
			lines = append(lines, spaces(col-1)+renderString(n, 0)+": "+renderString(cfg.Aliases[n], style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle)))
		}
	}
	if len(lines) > 0 {
		if lastKept >= 0 {
			e.insertAfter(e.x.endLine(m.Content[lastKept+1]), lines)
		} else { // every entry goes: right under "aliases:"
			e.insertAfter(key.Line, lines)
		}
	}
	return true
}

// Rendering new provider entries.

// itemStyle is how a provider list item is written: the columns of its '-' and
// keys, its key order and the quoting of each field.
type itemStyle struct {
	dashCol, keyCol int
	order           []string
	styles          map[string]yaml.Style
}

func defaultItemStyle(dashCol int) itemStyle {
	return itemStyle{dashCol: dashCol, keyCol: dashCol + 2, order: providerFields, styles: map[string]yaml.Style{}}
}

func defaultFieldStyle(f string) yaml.Style {
	switch f {
	case llmconfig.FieldAPIKey, llmconfig.FieldBaseURL, llmconfig.FieldAPIVersion:
		return yaml.DoubleQuotedStyle
	}
	return 0
}

// itemStyle takes the style of tmpl; fields tmpl lacks are quoted as in the
// other items.
func (e *seedEditor) itemStyle(tmpl *yaml.Node, items []*yaml.Node) itemStyle {
	st := itemStyle{dashCol: e.dashCol(tmpl), keyCol: tmpl.Content[0].Column, styles: map[string]yaml.Style{}}
	for i := 0; i+1 < len(tmpl.Content); i += 2 {
		st.order = append(st.order, tmpl.Content[i].Value)
	}
	for _, f := range providerFields {
		if v := mapValue(tmpl, f); v != nil {
			st.styles[f] = v.Style & (yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle)
			continue
		}
		for _, it := range items {
			if v := mapValue(it, f); v != nil && it.Kind == yaml.MappingNode {
				st.styles[f] = v.Style & (yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle)
				break
			}
		}
	}
	return st
}

func (st itemStyle) render(p llmconfig.Provider) []string {
	// The template's key order; a field it lacks goes after the nearest field
	// that precedes it in providerFields.
	fields := append([]string{}, st.order...)
	for fi, f := range providerFields {
		if slices.Contains(fields, f) {
			continue
		}
		at := 0
		for pj := fi - 1; pj >= 0; pj-- {
			if k := slices.Index(fields, providerFields[pj]); k >= 0 {
				at = k + 1
				break
			}
		}
		fields = slices.Insert(fields, at, f)
	}
	var lines []string
	for _, f := range fields {
		style, ok := st.styles[f]
		if !ok {
			style = defaultFieldStyle(f)
		}
		v, has := fieldText(p, f, style)
		if !has {
			continue
		}
		if len(lines) == 0 {
			lines = append(lines, spaces(st.dashCol-1)+"-"+spaces(st.keyCol-st.dashCol-1)+f+": "+v)
		} else {
			lines = append(lines, spaces(st.keyCol-1)+f+": "+v)
		}
	}
	return lines
}

// alwaysWritten are the fields written even when empty (the seed format's
// required keys); the others are left out when unset.
func alwaysWritten(field string) bool {
	return field == llmconfig.FieldName || field == llmconfig.FieldType
}

// fieldText renders one provider field, and whether the provider sets it.
func fieldText(p llmconfig.Provider, field string, style yaml.Style) (string, bool) {
	v, set := p.Field(field)
	switch v := v.(type) {
	case string:
		return renderString(v, style), set || alwaysWritten(field)
	case *int64:
		if v == nil {
			return "", false
		}
		return renderInt(*v), true
	case *float64:
		if v == nil {
			return "", false
		}
		return renderFloat(*v), true
	}
	return "", false
}

// fieldEqual compares one field of two providers (NaN equals NaN).
func fieldEqual(a, b llmconfig.Provider, field string) bool {
	va, _ := a.Field(field)
	vb, _ := b.Field(field)
	switch x := va.(type) {
	case *int64:
		return sameInt(x, vb.(*int64)) //nolint:forcetypeassert // the same field of the same type
	case *float64:
		return sameFloat(x, vb.(*float64)) //nolint:forcetypeassert // the same field of the same type
	}
	return va == vb
}

// sameProvider is fieldEqual over every field, without reflection: Render
// compares every provider of the file with the new configuration, so this runs
// for each of them on every commit (TestSeedFormatStoresEveryProviderField
// checks that it sees each field).
func sameProvider(a, b llmconfig.Provider) bool {
	return a.Name == b.Name && a.Type == b.Type && a.APIKey == b.APIKey && a.BaseURL == b.BaseURL &&
		a.Model == b.Model && sameInt(a.MaxTokens, b.MaxTokens) && sameInt(a.ContextWindow, b.ContextWindow) &&
		sameFloat(a.Temperature, b.Temperature) && a.APIVersion == b.APIVersion
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b || (math.IsNaN(*a) && math.IsNaN(*b))
}

func sameInt(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func sameProviders(a, b []llmconfig.Provider) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameProvider(a[i], b[i]) {
			return false
		}
	}
	return true
}

func sameAliases(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
