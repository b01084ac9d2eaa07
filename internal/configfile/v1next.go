package configfile

import (
	"bytes"
	"slices"
	"sort"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"go.yaml.in/yaml/v3"
)

// Next renders cfg like RenderWithState and returns the Document the new file
// and state read as. When every edit lies in spec.llm_providers, between or in
// its entries, that Document is built from this one: the gaps between untouched
// entries that an edit touched are parsed on their own, every other node keeps
// its parse and moves by the lines added above it, and the llm section derived
// from the entries must equal cfg. Otherwise the new file is parsed whole and
// checked. Either way a result that would not read back as cfg is ErrReadBack.
//
// Next moves d's nodes into the new Document: d stays usable, but its next use
// parses its bytes again.
func (d *v1Document) Next(cfg *llmconfig.LLM) ([]byte, Document, error) {
	if err := d.ensureParsed(); err != nil {
		return nil, nil, err
	}
	out, state, edits, st, err := d.renderEdits(cfg)
	if err != nil {
		return nil, nil, err
	}
	if len(edits) == 0 && bytes.Equal(state, d.stateSrc) {
		return out, d, nil
	}
	if next, ok := d.nextEntries(out, state, edits, st, cfg); ok {
		return out, next, nil
	}
	back, err := ParseWithState(out, state)
	if err != nil || !llmconfig.SameContent(back.LLM(), cfg) {
		return nil, nil, ErrReadBack
	}
	return out, back, nil
}

// State is the state file d was read or written with.
func (d *v1Document) State() []byte { return d.stateSrc }

// ensureParsed parses d's bytes again after Next moved its nodes away.
func (d *v1Document) ensureParsed() error {
	if !d.consumed {
		return nil
	}
	nd, err := ParseWithState(d.src, d.stateSrc)
	if err != nil {
		return err
	}
	v, ok := nd.(*v1Document)
	if !ok {
		return ErrReadBack
	}
	*d = *v
	return nil
}

// v1Shift maps the old 0-based line indexes that no edit touched to new ones.
type v1Shift struct {
	edits []lineEdit // by from; an insertion before a replacement at the same line
	delta []int      // delta[i]: lines added by edits[:i]
}

func newV1Shift(edits []lineEdit) *v1Shift {
	es := slices.Clone(edits)
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].from != es[j].from {
			return es[i].from < es[j].from
		}
		return es[i].from == es[i].to && es[j].from != es[j].to
	})
	s := &v1Shift{edits: es, delta: make([]int, len(es)+1)}
	for i, e := range es {
		s.delta[i+1] = s.delta[i] + len(e.repl) - (e.to - e.from)
	}
	return s
}

// newIdx is the new index of old line i.
func (s *v1Shift) newIdx(i int) int {
	k := sort.Search(len(s.edits), func(j int) bool {
		e := s.edits[j]
		return e.from > i || (e.from == i && e.to > e.from)
	})
	return i + s.delta[k]
}

// nextEntries builds the Document of a render whose edits all lie in
// spec.llm_providers; ok is false for anything else.
func (d *v1Document) nextEntries(out, state []byte, edits []lineEdit, st *v1State, cfg *llmconfig.LLM) (*v1Document, bool) {
	if d.provSeq == nil || d.provKey == nil || len(d.entries) == 0 || d.provSeq.Style&yaml.FlowStyle != 0 ||
		len(d.entries) != len(d.provSeq.Content) {
		return nil, false
	}
	// The list's old lines: from the first entry to the line before the next
	// node (the key after llm_providers in spec, or after spec at the top).
	lo := d.entries[0].first
	hi := len(d.lines) // one past the last line the list may use
	if n := d.nodeAfterList(); n != nil {
		hi = n.Line - 1
	}
	affected := make([]bool, len(d.entries))
	for _, e := range edits {
		if e.from < lo || e.to > hi || (e.from == e.to && e.from > hi) {
			return nil, false
		}
		// Entries the edit overlaps, or an insertion inside.
		i := sort.Search(len(d.entries), func(i int) bool { return d.entries[i].last >= e.from })
		for ; i < len(d.entries) && d.entries[i].first < max(e.to, e.from+1); i++ {
			if e.from == e.to && e.from <= d.entries[i].first {
				break // an insertion before the entry
			}
			affected[i] = true
		}
	}
	var kept []int
	for i := range d.entries {
		if !affected[i] {
			kept = append(kept, i)
		}
	}
	sh := newV1Shift(edits)
	newLines := bytes.SplitAfter(out, []byte("\n"))
	if len(newLines) > 0 && len(newLines[len(newLines)-1]) == 0 {
		newLines = newLines[:len(newLines)-1]
	}
	tmp := &v1Document{lines: newLines}
	regions := map[int][]*v1Provider{}
	var firstSeq *yaml.Node
	for _, e := range edits {
		r := sort.Search(len(kept), func(i int) bool { return d.entries[kept[i]].first >= e.from })
		if _, done := regions[r]; done {
			continue
		}
		start := sh.newIdx(d.provKey.Line-1) + 1
		if r > 0 {
			start = sh.newIdx(d.entries[kept[r-1]].last) + 1
		}
		end := sh.newIdx(hi) // one past
		if r < len(kept) {
			end = sh.newIdx(d.entries[kept[r]].first)
		}
		seq, ok := parseLines(newLines, start, end)
		if !ok {
			return nil, false
		}
		var ps []*v1Provider
		if seq != nil {
			for j, n := range seq.Content {
				p, err := tmp.readEntry(n, j)
				if err != nil {
					return nil, false
				}
				ps = append(ps, p)
			}
			if r == 0 {
				firstSeq = seq
			}
		}
		regions[r] = ps
	}
	// From here d's nodes change: d is done with, whatever the outcome.
	d.consumed = true
	from := len(d.lines)
	if len(sh.edits) > 0 {
		from = sh.edits[0].from
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == d.provSeq {
			for _, i := range kept {
				if d.entries[i].last >= from {
					walk(d.entries[i].node)
				}
			}
			return
		}
		if n.Line-1 >= from {
			n.Line = sh.newIdx(n.Line-1) + 1
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	seqLine := d.provSeq.Line
	walk(d.spec)
	var entries []*v1Provider
	var content []*yaml.Node
	for r := 0; r <= len(kept); r++ {
		for _, p := range regions[r] {
			entries = append(entries, p)
			content = append(content, p.node)
		}
		if r < len(kept) {
			p := d.entries[kept[r]]
			p.first, p.last = sh.newIdx(p.first), sh.newIdx(p.last)
			for _, m := range p.models {
				m.first, m.last = sh.newIdx(m.first), sh.newIdx(m.last)
				m.managed = false
			}
			entries = append(entries, p)
			content = append(content, p.node)
		}
	}
	if len(entries) == 0 {
		return nil, false
	}
	switch {
	case firstSeq != nil && len(regions[0]) > 0:
		d.provSeq.Line, d.provSeq.Column = firstSeq.Line, firstSeq.Column
	case len(kept) > 0 && kept[0] == 0:
		if seqLine-1 >= from {
			d.provSeq.Line = sh.newIdx(seqLine-1) + 1
		}
	default:
		p := entries[0]
		dash := bytes.IndexByte(newLines[p.first], '-')
		if dash < 0 || len(bytes.TrimLeft(newLines[p.first][:dash], " ")) > 0 {
			return nil, false
		}
		d.provSeq.Line, d.provSeq.Column = p.first+1, dash+1
	}
	d.provSeq.Content = content
	next := &v1Document{src: out, lines: newLines, spec: d.spec, provKey: d.provKey, provSeq: d.provSeq,
		entries: entries, strategy: d.strategy, state: *st, stateSrc: state}
	next.llm = next.decodeLLM()
	if !llmconfig.SameContent(next.llm, cfg) {
		return nil, false
	}
	return next, true
}

// nodeAfterList is the first node after spec.llm_providers in the file: the
// next key of spec, or nil (the caller then takes the end of the file; a key
// after spec at the top level also ends the list, but the list cannot reach
// past spec's last line either way, so nil only widens the bound to it).
func (d *v1Document) nodeAfterList() *yaml.Node {
	for i := 0; i+1 < len(d.spec.Content); i += 2 {
		if d.spec.Content[i] == d.provKey && i+2 < len(d.spec.Content) {
			return d.spec.Content[i+2]
		}
	}
	return nil
}

// parseLines parses new lines [start, end) on their own: nil for blank and
// comment lines, else a block sequence whose nodes get their lines in the file.
func parseLines(lines [][]byte, start, end int) (*yaml.Node, bool) {
	if start >= end {
		return nil, true
	}
	if start < 0 || end > len(lines) {
		return nil, false
	}
	var root yaml.Node
	if err := yaml.Unmarshal(bytes.Join(lines[start:end], nil), &root); err != nil {
		return nil, false
	}
	if root.Kind == 0 {
		return nil, true
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, false
	}
	c := root.Content[0]
	if c.Kind != yaml.SequenceNode || c.Style&yaml.FlowStyle != 0 || c.Anchor != "" || c.Style&yaml.TaggedStyle != 0 {
		return nil, false
	}
	shiftTree(c, start)
	return c, true
}
