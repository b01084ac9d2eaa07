package configfile

import (
	"bytes"
	"errors"
	"maps"
	"sort"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"go.yaml.in/yaml/v3"
)

// ErrReadBack is returned by Next when the rendered file would not read back as
// the configuration it was rendered from; nothing should be written then.
var ErrReadBack = errors.New("the rendered config does not read back as the intended llm section")

// Next renders cfg like Render and returns the Document the result parses as.
// When the entry-level editor made the change, that Document is built from this
// one: only the lines of the changed entries are parsed (and checked to read as
// cfg), every other node keeps its parse with its line moved, so a commit costs
// what it changes, not the size of the file. Otherwise the result is parsed
// whole. Either way the result reads as cfg, or Next fails with ErrReadBack.
//
// Next moves d's node tree into the new Document: d stays usable, but its next
// use parses its bytes again.
func (d *seedDocument) Next(cfg *llmconfig.LLM) ([]byte, Document, error) {
	if err := d.ensureParsed(); err != nil {
		return nil, nil, err
	}
	if out, next, ok := d.nextEntries(cfg); ok {
		return out, next, nil
	}
	out, err := d.Render(cfg)
	if err != nil {
		return nil, nil, err
	}
	back, err := parseSeed(out)
	if err != nil || !readsAsSeed(back.llm, cfg) {
		return nil, nil, ErrReadBack
	}
	return out, back, nil
}

// readsAsSeed reports whether a seed file's llm section (got) holds cfg: the same
// providers in the same order and the same aliases, and nothing the seed format
// cannot hold.
func readsAsSeed(got, cfg *llmconfig.LLM) bool {
	return seedHolds(cfg) && sameProviders(got.Providers, cfg.Providers) && sameAliases(got.Aliases, cfg.Aliases)
}

// seedHolds reports whether cfg has nothing but what a seed file holds: no
// per-alias settings that differ from their provider's, no shared aliases, no
// references.
func seedHolds(cfg *llmconfig.LLM) bool {
	if len(cfg.Shared) > 0 || len(cfg.References) > 0 {
		return false
	}
	if len(cfg.AliasOptions) > 0 {
		c := cfg.Clone()
		c.NormalizeOptions()
		return len(c.AliasOptions) == 0
	}
	return true
}

// ensureParsed parses d's bytes again after Next moved its node tree away.
func (d *seedDocument) ensureParsed() error {
	if d.root != nil {
		return nil
	}
	nd, err := parseSeed(d.src)
	if err != nil {
		return err
	}
	*d = *nd
	return nil
}

// text is d's line index, built once.
func (d *seedDocument) text() *text {
	if d.lines == nil {
		d.lines = newText(d.src)
	}
	return d.lines
}

// entryList is one of the llm section's two lists as the entry-level editor sees
// it: the provider items (one node each) or the alias pairs (key and value).
type entryList struct {
	key, coll *yaml.Node
	width     int    // nodes per entry: 1 for providers, 2 for aliases
	kept      []bool // per old entry: unchanged, so not re-parsed
	keptIdx   []int  // the indexes of the kept entries
	changed   int    // entries of cfg not kept (changed or new)
	edits     []edit // the edits inside this list
	spanStart int    // the list's old text: [spanStart, spanEnd]
	spanEnd   int
	regions   map[int][]*yaml.Node // re-parsed entries, by region (see region)
	firstDash int                  // the column of a kept first item's '-' (providers)
	regionPos [2]int               // the line and column of the first re-parsed item's '-'
}

func (l *entryList) entries() int { return len(l.coll.Content) / l.width }

// entryNode is the first node of old entry i (an item, or an alias key).
func (l *entryList) entryNode(i int) *yaml.Node { return l.coll.Content[i*l.width] }

// nextEntries is Next for changes the entry-level editor makes inside existing
// non-empty lists; ok is false for anything else.
func (d *seedDocument) nextEntries(cfg *llmconfig.LLM) ([]byte, *seedDocument, bool) {
	if !seedHolds(cfg) {
		return nil, nil, false
	}
	provsChanged := !sameProviders(d.llm.Providers, cfg.Providers)
	aliasesChanged := !sameAliases(d.llm.Aliases, cfg.Aliases)
	if !provsChanged && !aliasesChanged {
		return bytes.Clone(d.src), d, true
	}
	if !d.reliable {
		return nil, nil, false
	}
	t := d.text()
	e := &seedEditor{d: d, t: t, x: newDocIndex(t, d.root), step: indentStep(d.root)}
	if !e.run(cfg) {
		return nil, nil, false
	}
	out, err := splice(d.src, e.edits) // sorts e.edits
	if err != nil {
		return nil, nil, false
	}
	edits := e.edits
	for _, ed := range edits {
		if !positionsReliable([]byte(ed.repl)) {
			return nil, nil, false
		}
	}
	llmNode := mapValue(d.top(), "llm")
	if llmNode == nil || llmNode.Kind != yaml.MappingNode {
		return nil, nil, false
	}
	var lists []*entryList
	if provsChanged {
		l := d.providerList(e, llmNode, cfg)
		if l == nil {
			return nil, nil, false
		}
		lists = append(lists, l)
	}
	if aliasesChanged {
		l := d.aliasList(e, llmNode, cfg)
		if l == nil {
			return nil, nil, false
		}
		lists = append(lists, l)
	}
	// Every edit lies inside a changed list.
	for _, ed := range edits {
		in := false
		for _, l := range lists {
			if ed.start >= l.spanStart && ed.end <= l.spanEnd {
				l.edits = append(l.edits, ed)
				in = true
				break
			}
		}
		if !in {
			return nil, nil, false
		}
	}
	nt := newText(out)
	sh := &shifter{t: t, edits: edits}
	for _, l := range lists {
		if !d.reparseRegions(e, l, sh, nt, cfg) {
			return nil, nil, false
		}
	}
	// From here on the tree is changed in place; nothing can fail. Every edit
	// lies in a gap between kept entries (reparseRegions checked), so a node that
	// stays keeps its text and moves by the lines added above it.
	first := sh.t.lineCount() + 1
	if len(edits) > 0 {
		first = sort.Search(len(sh.t.lines), func(i int) bool { return sh.t.lines[i] > edits[0].start }) // line of the first edit
	}
	d.walkKept(lists, first, func(n *yaml.Node) { n.Line = sh.newLine(n.Line) })
	for _, l := range lists {
		l.rebuild(sh)
	}
	next := &seedDocument{src: out, root: d.root, llm: &llmconfig.LLM{Providers: cloneProviders(cfg.Providers), Aliases: maps.Clone(cfg.Aliases)},
		reliable: true, lines: nt}
	d.root, d.lines = nil, nil
	return out, next, true
}

func cloneProviders(ps []llmconfig.Provider) []llmconfig.Provider {
	c := (&llmconfig.LLM{Providers: ps}).Clone()
	return c.Providers
}

// providerList describes llm.providers for nextEntries, or nil when the editor
// did not edit it entry by entry (a list that was or becomes empty).
func (d *seedDocument) providerList(e *seedEditor, llmNode *yaml.Node, cfg *llmconfig.LLM) *entryList {
	pi := keyIndex(llmNode, "providers")
	if pi < 0 || len(cfg.Providers) == 0 {
		return nil
	}
	key, seq := llmNode.Content[pi], llmNode.Content[pi+1]
	if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0 || len(seq.Content) != len(d.llm.Providers) {
		return nil
	}
	want := make(map[string]int, len(cfg.Providers))
	for i, p := range cfg.Providers {
		want[p.Name] = i
	}
	l := newEntryList(e, key, seq, 1, len(cfg.Providers), func(i int) bool {
		j, ok := want[d.llm.Providers[i].Name]
		return ok && sameProvider(d.llm.Providers[i], cfg.Providers[j])
	})
	if len(l.keptIdx) > 0 && l.keptIdx[0] > 0 {
		// It may become the first item: the list then starts at its '-'.
		it := seq.Content[l.keptIdx[0]]
		if it.Kind != yaml.MappingNode || len(it.Content) == 0 || it.Content[0].Line != it.Line ||
			!dashPrefixRE.Match(e.t.src[e.t.lineStart(it.Line):e.t.pos(it)]) {
			return nil
		}
		l.firstDash = e.dashCol(it)
	}
	return l
}

// newEntryList describes one list of coll (entries of width nodes) whose new
// version holds want entries; kept reports whether old entry i stays as it is.
func newEntryList(e *seedEditor, key, coll *yaml.Node, width, want int, kept func(i int) bool) *entryList {
	l := &entryList{key: key, coll: coll, width: width, kept: make([]bool, len(coll.Content)/width),
		spanStart: e.t.lineEnd(key.Line), spanEnd: e.t.lineNext(e.x.endLine(coll))}
	for i := range l.kept {
		if kept(i) {
			l.kept[i] = true
			l.keptIdx = append(l.keptIdx, i)
		}
	}
	l.changed = want - len(l.keptIdx)
	return l
}

// aliasList describes llm.aliases for nextEntries, or nil.
func (d *seedDocument) aliasList(e *seedEditor, llmNode *yaml.Node, cfg *llmconfig.LLM) *entryList {
	ai := keyIndex(llmNode, "aliases")
	if ai < 0 || len(cfg.Aliases) == 0 {
		return nil
	}
	key, m := llmNode.Content[ai], llmNode.Content[ai+1]
	if m.Kind != yaml.MappingNode || m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0 {
		return nil
	}
	return newEntryList(e, key, m, 2, len(cfg.Aliases), func(i int) bool {
		k, v := m.Content[2*i], m.Content[2*i+1]
		target, ok := cfg.Aliases[k.Value]
		return ok && v.Kind == yaml.ScalarNode && v.Value == target
	})
}

// region is the gap before kept entry r (r == len(keptIdx): after the last one)
// that holds the old offset off. An insertion at the start of a kept entry's
// first line goes before it.
func (l *entryList) region(t *text, off int) int {
	return sort.Search(len(l.keptIdx), func(i int) bool {
		return t.lineStart(l.entryNode(l.keptIdx[i]).Line) >= off
	})
}

// reparseRegions parses, in the new text, each gap between kept entries that an
// edit touched, and checks that together they hold exactly the entries of cfg
// that are not kept, each reading as cfg says.
func (d *seedDocument) reparseRegions(e *seedEditor, l *entryList, sh *shifter, nt *text, cfg *llmconfig.LLM) bool {
	l.regions = map[int][]*yaml.Node{}
	touched := map[int]bool{}
	for _, ed := range l.edits {
		r := l.region(sh.t, ed.start)
		if r < len(l.keptIdx) && ed.end > sh.t.lineStart(l.entryNode(l.keptIdx[r]).Line) {
			return false // an edit reaching into the kept entry after it
		}
		if r > 0 && ed.start < sh.t.lineEnd(e.x.endLine(l.lastNode(l.keptIdx[r-1]))) {
			return false // or into the one before it
		}
		touched[r] = true
	}
	seen := map[string]bool{}
	for r := range touched {
		first := sh.newLine(l.key.Line) + 1
		if r > 0 {
			first = sh.newLine(e.x.endLine(l.lastNode(l.keptIdx[r-1]))) + 1
		}
		last := nt.lineCount()
		if r < len(l.keptIdx) {
			last = sh.newLine(l.entryNode(l.keptIdx[r]).Line) - 1
		} else if nl := e.x.nextLine(l.coll); nl <= sh.t.lineCount() {
			last = sh.newLine(nl) - 1
		}
		nodes, pos, ok := parseRegion(nt, first, last, l.width == 1)
		if !ok {
			return false
		}
		if r == 0 {
			l.regionPos = pos
		}
		for i := 0; i < len(nodes); i += l.width {
			if l.width == 1 {
				p, err := decodeProvider(nodes[i], i)
				j := indexOfProvider(cfg.Providers, p.Name)
				if err != nil || j < 0 || seen[p.Name] || !sameProvider(p, cfg.Providers[j]) {
					return false
				}
				seen[p.Name] = true
			} else {
				k, v := nodes[i], nodes[i+1]
				target, ok := cfg.Aliases[k.Value]
				if !ok || seen[k.Value] || v.Kind != yaml.ScalarNode || v.Value != target || k.Kind != yaml.ScalarNode {
					return false
				}
				seen[k.Value] = true
			}
		}
		l.regions[r] = nodes
	}
	if len(seen) != l.changed {
		return false
	}
	// A re-parsed entry must not also be a kept one.
	for _, i := range l.keptIdx {
		name := l.entryNode(i).Value
		if l.width == 1 {
			name = d.llm.Providers[i].Name
		}
		if seen[name] {
			return false
		}
	}
	if l.width == 1 { // the new file lists the providers in cfg's order
		var names []string
		l.eachNew(func(n *yaml.Node, kept bool, i int) {
			if kept {
				names = append(names, d.llm.Providers[i].Name)
			} else if v := mapValue(n, llmconfig.FieldName); v != nil {
				names = append(names, v.Value)
			}
		})
		if len(names) != len(cfg.Providers) {
			return false
		}
		for i, p := range cfg.Providers {
			if names[i] != p.Name {
				return false
			}
		}
	} else if len(l.keptIdx)+l.changed != len(cfg.Aliases) {
		return false
	}
	return true
}

// lastNode is the last node of old entry i (an item, or an alias value).
func (l *entryList) lastNode(i int) *yaml.Node { return l.coll.Content[i*l.width+l.width-1] }

func indexOfProvider(ps []llmconfig.Provider, name string) int {
	for i := range ps {
		if ps[i].Name == name {
			return i
		}
	}
	return -1
}

// eachNew calls f for each entry of the new list in order: kept entries with
// their old index, re-parsed ones with -1 (f gets an entry's first node).
func (l *entryList) eachNew(f func(n *yaml.Node, kept bool, i int)) {
	for r := 0; r <= len(l.keptIdx); r++ {
		nodes := l.regions[r]
		for j := 0; j < len(nodes); j += l.width {
			f(nodes[j], false, -1)
		}
		if r < len(l.keptIdx) {
			f(l.entryNode(l.keptIdx[r]), true, l.keptIdx[r])
		}
	}
}

// rebuild puts the new entries into the list's node and moves the list's own
// position to its new first entry (YAML places a block collection at its first
// entry: a sequence at its first '-', a mapping at its first key).
func (l *entryList) rebuild(sh *shifter) {
	content := make([]*yaml.Node, 0, (len(l.keptIdx)+l.changed)*l.width)
	for r := 0; r <= len(l.keptIdx); r++ {
		content = append(content, l.regions[r]...)
		if r < len(l.keptIdx) {
			i := l.keptIdx[r]
			content = append(content, l.coll.Content[i*l.width:(i+1)*l.width]...)
		}
	}
	first := content[0]
	keptFirst := len(l.keptIdx) > 0 && l.keptIdx[0] == 0
	switch {
	case l.width == 2:
		l.coll.Line, l.coll.Column = first.Line, first.Column
	case len(l.regions[0]) > 0:
		l.coll.Line, l.coll.Column = l.regionPos[0], l.regionPos[1]
	case keptFirst:
		l.coll.Line = sh.newLine(l.coll.Line)
	default:
		l.coll.Line, l.coll.Column = first.Line, l.firstDash
	}
	l.coll.Content = content
}

// parseRegion parses lines first..last of the new text on their own: nothing, a
// block sequence (seq) or a block mapping, whose nodes get their lines in the
// file. It returns the sequence's items or the mapping's keys and values, and
// the collection's position.
func parseRegion(nt *text, first, last int, seq bool) ([]*yaml.Node, [2]int, bool) {
	if first > last {
		return nil, [2]int{}, true
	}
	src := nt.src[nt.lineStart(first):nt.lineNext(last)]
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, [2]int{}, false
	}
	if root.Kind == 0 {
		return nil, [2]int{}, true // blank and comment lines only
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return nil, [2]int{}, false
	}
	c := root.Content[0]
	if c.Style&yaml.FlowStyle != 0 || c.Anchor != "" || c.Tag != "" && c.Style&yaml.TaggedStyle != 0 ||
		(seq && c.Kind != yaml.SequenceNode) || (!seq && c.Kind != yaml.MappingNode) {
		return nil, [2]int{}, false
	}
	shiftTree(c, first-1)
	return c.Content, [2]int{c.Line, c.Column}, true
}

func shiftTree(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftTree(c, by)
	}
}

// shifter maps old line numbers to new ones for lines no edit touched.
type shifter struct {
	t     *text
	edits []edit // sorted by splice
	delta []int  // delta[i]: lines added by edits[:i]
}

func countNL(s []byte) int { return bytes.Count(s, []byte("\n")) }

// before is the number of edits that lie before line l's first byte.
func (s *shifter) before(l int) int {
	ls := s.t.lineStart(l)
	return sort.Search(len(s.edits), func(i int) bool {
		e := s.edits[i]
		return e.start > ls || (e.start == ls && e.end > e.start)
	})
}

func (s *shifter) newLine(l int) int {
	if s.delta == nil {
		s.delta = make([]int, len(s.edits)+1)
		for i, e := range s.edits {
			s.delta[i+1] = s.delta[i] + countNL([]byte(e.repl)) - countNL(s.t.src[e.start:e.end])
		}
	}
	return l + s.delta[s.before(l)]
}

// walkKept calls f on every node of the document that stays in the new one and
// may move — all of them but the changed lists' nodes, the entries they drop or
// re-parse, and the subtrees that end before line from.
func (d *seedDocument) walkKept(lists []*entryList, from int, f func(n *yaml.Node)) {
	var walk func(n *yaml.Node)
	visit := func(nodes []*yaml.Node) {
		// Skip the children whose next sibling starts before line from: their
		// subtrees end before it.
		i := sort.Search(len(nodes), func(i int) bool { return i+1 >= len(nodes) || nodes[i+1].Line >= from })
		for _, c := range nodes[i:] {
			walk(c)
		}
	}
	walk = func(n *yaml.Node) {
		for _, l := range lists {
			if n == l.coll {
				k := l.entries()
				start := sort.Search(k, func(i int) bool { return i+1 >= k || l.entryNode(i+1).Line >= from })
				for i := start; i < k; i++ {
					if l.kept[i] {
						visit(l.coll.Content[i*l.width : (i+1)*l.width])
					}
				}
				return
			}
		}
		f(n)
		visit(n.Content)
	}
	walk(d.root)
}
