package configfile

import (
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// refDocIndex is the previous docIndex: every node of the walk numbered in maps.
// The position-guided docIndex must find the same next line for every node.
type refDocIndex struct {
	t     *text
	order []*yaml.Node
	last  map[*yaml.Node]int
}

func newRefDocIndex(t *text, root *yaml.Node) *refDocIndex {
	x := &refDocIndex{t: t, last: map[*yaml.Node]int{}}
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		x.order = append(x.order, n)
		if n.Kind != yaml.AliasNode {
			for _, c := range n.Content {
				walk(c)
			}
		}
		x.last[n] = len(x.order) - 1
	}
	x.order = append(x.order, root)
	if len(root.Content) == 1 {
		top := root.Content[0]
		x.order = append(x.order, top)
		for i := 0; i+1 < len(top.Content); i += 2 {
			k, v := top.Content[i], top.Content[i+1]
			x.last[k] = len(x.order)
			x.order = append(x.order, k)
			if k.Value == "llm" {
				walk(v)
			} else {
				x.last[v] = len(x.order)
				x.order = append(x.order, v)
			}
		}
		x.last[top] = len(x.order) - 1
	}
	x.last[root] = len(x.order) - 1
	return x
}

func (x *refDocIndex) nextLine(n *yaml.Node) int {
	for i := x.last[n] + 1; i < len(x.order); i++ {
		m := x.order[i]
		if m.Kind != yaml.DocumentNode && before(n, m) {
			return m.Line
		}
	}
	return x.t.lineCount() + 1
}

// docIndexFiles are the test data, a few odd layouts and a generated file.
func docIndexFiles(t *testing.T) map[string][]byte {
	files := propertyCorpus(t)
	for i, s := range []string{
		"llm:\n  providers:\n    - {name: a, type: ollama, base_url: 'http://h:1', model: m}\n  aliases: {default: a}\n",
		"llm:\n  providers:\n    - &p {name: a, type: openai}\n    - *p\n  aliases:\n    fast:\n    slow: ~\n",
		"base: &b {type: openai, model: m}\nllm:\n  providers:\n    - <<: *b\n      name: x\nafter: 1\n",
		"llm:\n  providers:\n  - name: a\n    model: |\n      multi\n      # not a comment\n    type: ollama\n  # a comment\n\n  aliases:\n    x: a # c\nz: [1, 2]\n",
		"a: 1\nllm:\n  providers:\n    -\n      name: a\n    - name: b\n      model:\n  aliases:\n",
	} {
		files[fmt.Sprintf("inline-%d", i)] = []byte(s)
	}
	var b strings.Builder
	b.WriteString("# node\nnode:\n  id: n1\nllm:\n  providers:\n")
	for i := range 50 {
		fmt.Fprintf(&b, "    # p%d\n    - name: p%d\n      type: openai\n      model: m # c\n\n", i, i)
	}
	b.WriteString("  aliases:\n")
	for i := range 50 {
		fmt.Fprintf(&b, "    a%d: p%d\n", i, i)
	}
	b.WriteString("tail:\n  x: 1\n")
	files["generated"] = []byte(b.String())
	return files
}

func TestDocIndexMatchesFullIndex(t *testing.T) {
	checked := 0
	for name, data := range docIndexFiles(t) {
		d, err := parseSeed(data)
		if err != nil {
			continue
		}
		tx := newText(d.src)
		ref, x := newRefDocIndex(tx, d.root), newDocIndex(tx, d.root)
		for _, n := range ref.order {
			if got, want := x.nextLine(n), ref.nextLine(n); got != want {
				t.Errorf("%s: nextLine of the %v node %q at %d:%d = %d, want %d", name, n.Kind, n.Value, n.Line, n.Column, got, want)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Fatalf("only %d nodes checked: the test files are missing", checked)
	}
}
