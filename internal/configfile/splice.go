package configfile

// Shared helpers for byte-minimal edits of a YAML file: every file format parses
// with yaml.v3 (for values and node positions) and then splices re-rendered entries
// into the original bytes, so that everything it does not change stays
// byte-identical.

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// text is a source file indexed by line, for mapping yaml.v3 node positions (1-based
// line, 1-based column in characters) to byte offsets.
type text struct {
	src   []byte
	lines []int  // byte offset of the start of each line
	nl    string // the file's line break: "\n" or "\r\n"
}

func newText(src []byte) *text {
	lines := make([]int, 1, bytes.Count(src, []byte("\n"))+1)
	for off := 0; ; {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
		lines = append(lines, off)
	}
	t := &text{src: src, lines: lines, nl: "\n"}
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		t.nl = "\r\n"
	}
	return t
}

// positionsReliable reports whether yaml.v3's line numbers match the file's '\n'
// lines: YAML also breaks lines at a lone '\r', NEL, LS and PS, and a byte order
// mark shifts the first line's columns.
func positionsReliable(src []byte) bool {
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		return false
	}
	for i, c := range src {
		if c == '\r' && (i+1 == len(src) || src[i+1] != '\n') {
			return false
		}
	}
	return !bytes.Contains(src, []byte("\u0085")) && !bytes.Contains(src, []byte("\u2028")) && !bytes.Contains(src, []byte("\u2029"))
}

// lineCount is the number of lines; a file ending in a line break has no extra
// empty line.
func (t *text) lineCount() int {
	n := len(t.lines)
	if t.lines[n-1] == len(t.src) {
		n--
	}
	return n
}

// lineStart is the offset of the first byte of line l (1-based).
func (t *text) lineStart(l int) int {
	if l-1 >= len(t.lines) {
		return len(t.src)
	}
	return t.lines[l-1]
}

// lineNext is the offset just after line l's line break.
func (t *text) lineNext(l int) int {
	if l >= len(t.lines) {
		return len(t.src)
	}
	return t.lines[l]
}

// lineEnd is the offset of line l's line break (its content ends there).
func (t *text) lineEnd(l int) int {
	e := t.lineNext(l)
	if e > t.lineStart(l) && e <= len(t.src) && e > 0 && t.src[e-1] == '\n' {
		e--
		if e > t.lineStart(l) && t.src[e-1] == '\r' {
			e--
		}
	}
	return e
}

func (t *text) line(l int) []byte { return t.src[t.lineStart(l):t.lineEnd(l)] }

// offset converts a yaml.v3 position to a byte offset.
func (t *text) offset(line, col int) int {
	off := t.lineStart(line)
	end := t.lineEnd(line)
	for c := 1; c < col && off < end; c++ {
		_, size := utf8.DecodeRune(t.src[off:end])
		off += size
	}
	return off
}

func (t *text) pos(n *yaml.Node) int { return t.offset(n.Line, n.Column) }

// column is the 1-based character column of an offset.
func (t *text) column(off int) int {
	l := sort.Search(len(t.lines), func(i int) bool { return t.lines[i] > off }) // line index+1
	return utf8.RuneCount(t.src[t.lines[l-1]:off]) + 1
}

// blankOrComment reports whether line l holds nothing but whitespace or a comment.
func (t *text) blankOrComment(l int) (blank, comment bool) {
	s := bytes.TrimLeft(t.line(l), " \t")
	return len(s) == 0, len(s) > 0 && s[0] == '#'
}

// indent is the number of leading spaces of line l.
func (t *text) indent(l int) int {
	s := t.line(l)
	return len(s) - len(bytes.TrimLeft(s, " "))
}

// scalarEnd returns the offset just after a scalar value written on one line with
// at most a comment after it, and false for anything else (block scalars,
// multi-line flow scalars, empty nodes, flow context).
func (t *text) scalarEnd(n *yaml.Node) (int, bool) {
	end, ok := t.tokenEnd(n)
	if !ok {
		return 0, false
	}
	rest := t.src[end:t.lineEnd(n.Line)]
	trimmed := bytes.TrimLeft(rest, " \t")
	if len(trimmed) > 0 && (trimmed[0] != '#' || len(trimmed) == len(rest)) {
		return 0, false // more on the line (flow context) or "#" not preceded by a space
	}
	return end, true
}

// tokenEnd returns the offset just after a scalar token that ends on its first line.
func (t *text) tokenEnd(n *yaml.Node) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Anchor != "" || n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle|yaml.FlowStyle) != 0 {
		return 0, false
	}
	start, end := t.pos(n), t.lineEnd(n.Line)
	s := t.src[start:end]
	var tok int
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		tok = -1
		if len(s) == 0 || s[0] != '"' {
			return 0, false
		}
		for i := 1; i < len(s); i++ {
			if s[i] == '\\' {
				i++
				continue
			}
			if s[i] == '"' {
				tok = i + 1
				break
			}
		}
	case n.Style&yaml.SingleQuotedStyle != 0:
		tok = -1
		if len(s) == 0 || s[0] != '\'' {
			return 0, false
		}
		for i := 1; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					i++
					continue
				}
				tok = i + 1
				break
			}
		}
	default:
		if n.Value == "" || !bytes.HasPrefix(s, []byte(n.Value)) {
			return 0, false
		}
		tok = len(n.Value)
	}
	if tok <= 0 {
		return 0, false
	}
	return start + tok, true
}

// edit replaces src[start:end] by repl.
type edit struct {
	start, end int
	repl       string
}

// splice applies non-overlapping edits. Insertions (start == end) at the same
// offset keep the order they were given in and come before a replacement that
// starts there.
func splice(src []byte, edits []edit) ([]byte, error) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].start != edits[j].start {
			return edits[i].start < edits[j].start
		}
		return edits[i].start == edits[i].end && edits[j].start != edits[j].end
	})
	size := len(src)
	for _, e := range edits {
		size += len(e.repl) - (e.end - e.start)
	}
	out := make([]byte, 0, size)
	cur := 0
	for _, e := range edits {
		if e.start < cur || e.end < e.start || e.end > len(src) {
			return nil, fmt.Errorf("overlapping edits at byte %d", e.start)
		}
		out = append(out, src[cur:e.start]...)
		out = append(out, e.repl...)
		cur = e.end
	}
	return append(out, src[cur:]...), nil
}

// Scalar rendering. A string is written plain only when every YAML 1.1 and 1.2
// reader reads it back as that same string; otherwise it is quoted.

var plainSafeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._/+@-]*(:[A-Za-z0-9._/+@-]+)*$`)

// yaml11Words are the plain scalars that some YAML reader resolves to a boolean
// or null, compared case-insensitively.
var yaml11Words = map[string]bool{"y": true, "yes": true, "n": true, "no": true, "on": true, "off": true, "true": true, "false": true, "null": true}

// plainSafe reports whether s can be written as a plain scalar: it starts with a
// letter (so it is never a number, timestamp, sexagesimal, .inf or .nan), holds
// no indicator or space, and is not a YAML 1.1 boolean or null word.
func plainSafe(s string) bool {
	return plainSafeRE.MatchString(s) && !yaml11Words[strings.ToLower(s)]
}

// quoteDouble writes s as a YAML double-quoted scalar.
func quoteDouble(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError || r == 0xFEFF || r == 0x2028 || r == 0x2029 || !unicode.IsPrint(r):
			if r > 0xFFFF {
				fmt.Fprintf(&b, `\U%08X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// quoteSingle writes s single-quoted, or reports false when s needs escapes.
func quoteSingle(s string) (string, bool) {
	for _, r := range s {
		if r == utf8.RuneError || r == 0xFEFF || r == 0x2028 || r == 0x2029 || !unicode.IsPrint(r) {
			return "", false
		}
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", true
}

// renderString writes s in the given style when that style can hold it: plain
// only when plainSafe, single-quoted without escapes, double-quoted otherwise.
func renderString(s string, style yaml.Style) string {
	switch {
	case style&yaml.SingleQuotedStyle != 0:
		if q, ok := quoteSingle(s); ok {
			return q
		}
	case style&yaml.DoubleQuotedStyle != 0:
	default:
		if plainSafe(s) {
			return s
		}
	}
	return quoteDouble(s)
}

func renderInt(v int64) string { return strconv.FormatInt(v, 10) }

func renderFloat(v float64) string {
	switch {
	case math.IsNaN(v): // YAML spellings; only a hand edit can hold these
		return ".nan"
	case math.IsInf(v, 1):
		return ".inf"
	case math.IsInf(v, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// docIndex finds where a node's text ends: where the next node (not a
// descendant) begins. It walks the document in order — the root, the top-level
// keys and values, and inside the llm section every node — but it never builds an
// index of the whole file: a look-up descends to the node by position (children
// are in document order) and walks on from there, so a commit that edits a few
// entries costs the depth of the tree, not its size.
type docIndex struct {
	t    *text
	root *yaml.Node
}

func newDocIndex(t *text, root *yaml.Node) *docIndex { return &docIndex{t: t, root: root} }

// frame is one step of a path from the root: a node and the index of the child
// the path goes on to.
type frame struct {
	n   *yaml.Node
	idx int
}

// children are the nodes the walk visits under n, given the path to n: the
// root's and the top-level mapping's, the llm section's (except through YAML
// aliases), and nothing under any other top-level value.
func (x *docIndex) children(path []frame, n *yaml.Node) []*yaml.Node {
	switch {
	case n.Kind == yaml.AliasNode:
		return nil
	case len(path) <= 1: // the root, and the top-level node
		return n.Content
	case len(path) == 2: // a top-level key or value: only the llm section's value opens
		top, i := path[1].n, path[1].idx
		if i%2 == 1 && top.Kind == yaml.MappingNode && top.Content[i-1].Value == "llm" {
			return n.Content
		}
		return nil
	default:
		return n.Content
	}
}

func before(a, b *yaml.Node) bool {
	return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
}

// pathTo returns the frames from the root down to n's parent, with n the child
// the last frame points at; nil when n is not in the walk.
func (x *docIndex) pathTo(n *yaml.Node) []frame {
	if n == x.root {
		return []frame{}
	}
	path := make([]frame, 0, 8)
	cur := x.root
	for {
		kids := x.children(path, cur)
		// The last child that does not start after n holds n, or is n; equal
		// positions (an empty value beside its key) are tried from the last one.
		j := sort.Search(len(kids), func(i int) bool { return before(n, kids[i]) }) - 1
		for j >= 0 && kids[j] != n && !before(kids[j], n) && !x.holds(append(path, frame{cur, j}), kids[j], n) {
			j--
		}
		if j < 0 {
			return x.pathToSlow(n)
		}
		path = append(path, frame{cur, j})
		if kids[j] == n {
			return path
		}
		cur = kids[j]
	}
}

// holds reports whether n is in the walk under m (path leads to m).
func (x *docIndex) holds(path []frame, m, n *yaml.Node) bool {
	for i, c := range x.children(path, m) {
		if c == n || x.holds(append(path, frame{m, i}), c, n) {
			return true
		}
	}
	return false
}

// pathToSlow finds n by walking the whole document, for trees whose positions
// are not in document order.
func (x *docIndex) pathToSlow(n *yaml.Node) []frame {
	var path []frame
	var find func(m *yaml.Node) bool
	find = func(m *yaml.Node) bool {
		for i, c := range x.children(path, m) {
			path = append(path, frame{m, i})
			if c == n || find(c) {
				return true
			}
			path = path[:len(path)-1]
		}
		return false
	}
	if find(x.root) {
		return path
	}
	return nil
}

// nextLine is the line of the first node after n's subtree whose text starts
// after n, or one past the last line.
func (x *docIndex) nextLine(n *yaml.Node) int {
	end := x.t.lineCount() + 1
	path := x.pathTo(n)
	if len(path) == 0 {
		return end
	}
	// Walk on in document order from just after n's subtree.
	for len(path) > 0 {
		f := &path[len(path)-1]
		kids := x.children(path[:len(path)-1], f.n)
		f.idx++
		if f.idx >= len(kids) {
			path = path[:len(path)-1]
			continue
		}
		m := kids[f.idx]
		if m.Kind != yaml.DocumentNode && before(n, m) {
			return m.Line
		}
		if len(x.children(path, m)) > 0 {
			path = append(path, frame{m, -1}) // its children come next
		}
	}
	return end
}

// endLine is the last line of n's text: the lines up to the next node, without
// trailing blank and comment-only lines (those stay with what follows). A block
// node's text never ends on the line the next node starts on.
func (x *docIndex) endLine(n *yaml.Node) int {
	l := x.nextLine(n) - 1
	for l > n.Line {
		if blank, comment := x.t.blankOrComment(l); !blank && !comment {
			break
		}
		l--
	}
	return l
}

// headLine is the first line of n's head comment: the comment-only lines directly
// above line l indented to column col.
func (t *text) headLine(l, col int) int {
	for l > 1 {
		if _, comment := t.blankOrComment(l - 1); !comment || t.indent(l-1) != col-1 {
			break
		}
		l--
	}
	return l
}

// deleteLines removes lines first..last with their line break. When last is the
// final line of a file without a trailing line break, the break before first goes
// instead, so the file keeps ending without one.
func (t *text) deleteLines(first, last int) edit {
	end := t.lineNext(last)
	if end == len(t.src) && t.lineEnd(last) == end && first > 1 {
		return edit{start: t.lineEnd(first - 1), end: end}
	}
	return edit{start: t.lineStart(first), end: end}
}

// replaceScalar replaces a one-line scalar by repl, keeping an inline comment at
// its column when there is room. A multi-line value is replaced up to endLine.
func (t *text) replaceScalar(n *yaml.Node, repl string, endLine int) edit {
	start := t.pos(n)
	end, ok := t.scalarEnd(n)
	if !ok {
		return edit{start: start, end: t.lineEnd(endLine), repl: repl}
	}
	lineEnd := t.lineEnd(n.Line)
	gap := 0
	for end+gap < lineEnd && t.src[end+gap] == ' ' {
		gap++
	}
	if end+gap == lineEnd || t.src[end+gap] != '#' {
		return edit{start: start, end: end, repl: repl}
	}
	commentCol := t.column(end + gap)
	pad := commentCol - t.column(start) - utf8.RuneCountInString(repl)
	if pad < 1 {
		pad = 1
	}
	return edit{start: start, end: end + gap, repl: repl + strings.Repeat(" ", pad)}
}

// afterColon returns the offset just after the ':' that follows a one-line plain
// mapping key, or -1.
func (t *text) afterColon(key *yaml.Node) int {
	end, ok := t.tokenEnd(key)
	if !ok || key.Style != 0 {
		return -1
	}
	lineEnd := t.lineEnd(key.Line)
	for end < lineEnd && (t.src[end] == ' ' || t.src[end] == '\t') {
		end++
	}
	if end >= lineEnd || t.src[end] != ':' {
		return -1
	}
	return end + 1
}

// emptyValueEnd returns the end of an empty collection ("[]", "{}") or null
// ("~", "null", nothing) written on its key's line, or -1.
func (t *text) emptyValueEnd(key, v *yaml.Node) int {
	ac := t.afterColon(key)
	if ac < 0 {
		return -1
	}
	lineEnd := t.lineEnd(key.Line)
	rest := t.src[ac:lineEnd]
	trimmed := bytes.TrimLeft(rest, " \t")
	tokStart := ac + len(rest) - len(trimmed)
	for _, tok := range []string{"[]", "{}", "~", "null", "Null", "NULL"} {
		if bytes.HasPrefix(trimmed, []byte(tok)) {
			after := bytes.TrimLeft(trimmed[len(tok):], " \t")
			if len(after) == 0 || (after[0] == '#' && len(after) < len(trimmed)-len(tok)) {
				if (tok == "[]" && v.Kind == yaml.SequenceNode && len(v.Content) == 0) ||
					(tok == "{}" && v.Kind == yaml.MappingNode && len(v.Content) == 0) ||
					(tok != "[]" && tok != "{}" && isNull(v)) {
					return tokStart + len(tok)
				}
			}
			return -1
		}
	}
	if (len(trimmed) == 0 || trimmed[0] == '#') && isNull(v) && v.Style == 0 {
		return ac // nothing after the colon: an empty null
	}
	return -1
}

// indentStep guesses the file's indentation: the column difference between a key
// and the keys of the block mapping it holds, 2 when the file has none.
func indentStep(root *yaml.Node) int {
	step := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if step != 0 || n.Kind == yaml.AliasNode {
			return
		}
		if n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.MappingNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0 && v.Line > k.Line && v.Column > k.Column {
					step = v.Column - k.Column
					return
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	if step <= 0 {
		step = 2
	}
	return step
}

func spaces(n int) string {
	if n < 0 {
		n = 0
	}
	return strings.Repeat(" ", n)
}
