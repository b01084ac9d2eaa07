package configfile

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"go.yaml.in/yaml/v3"
)

// sameTree compares two node trees as the editors use them: kinds, values,
// styles, tags, anchors and positions (comments are not compared: the editors
// read comments from the text, never from the nodes).
func sameTree(a, b *yaml.Node, path string) error {
	switch {
	case a.Kind != b.Kind || a.Value != b.Value || a.Style != b.Style || a.Tag != b.Tag || a.Anchor != b.Anchor:
		return fmt.Errorf("%s: node %v %q style %v tag %q, want %v %q style %v tag %q", path, a.Kind, a.Value, a.Style, a.Tag, b.Kind, b.Value, b.Style, b.Tag)
	case a.Line != b.Line || a.Column != b.Column:
		return fmt.Errorf("%s (%q): at %d:%d, want %d:%d", path, a.Value, a.Line, a.Column, b.Line, b.Column)
	case len(a.Content) != len(b.Content):
		return fmt.Errorf("%s: %d children, want %d", path, len(a.Content), len(b.Content))
	}
	for i := range a.Content {
		if err := sameTree(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

var nextValues = []string{"gpt-4.1", "yes", "1.10", "0x1F", "007", "~", "a: b", "it's", "line\nbreak", "naïve", "m"}

// batchChange makes 1 to 10 random changes on cfg, as one commit of the admin
// server's group committer may: the change kinds of the property test, plus a
// provider inserted in the middle of the list.
func batchChange(rng *rand.Rand, d *seedDocument, cfg *llmconfig.LLM) {
	for range 1 + rng.IntN(10) {
		if rng.IntN(changeKinds+1) == changeKinds {
			at := rng.IntN(len(cfg.Providers) + 1)
			p := llmconfig.Provider{Name: fmt.Sprintf("mid-%d", rng.Int()), Type: "openai", APIKey: "env:K", Model: nextValues[rng.IntN(len(nextValues))]}
			cfg.Providers = append(cfg.Providers[:at], append([]llmconfig.Provider{p}, cfg.Providers[at:]...)...)
			continue
		}
		c := change{kind: uint8(rng.UintN(changeKinds)), index: rng.IntN(64), value: nextValues[rng.IntN(len(nextValues))]} //nolint:gosec // changeKinds < 256
		c.apply(d, cfg)
	}
}

// checkNext runs one batch through Next and checks it against a fresh parse:
// the same bytes as Render, and a Document whose tree and llm section equal the
// parse of those bytes. It returns the new Document and whether Next built it
// from the old one.
func checkNext(t *testing.T, doc *seedDocument, cfg *llmconfig.LLM) (*seedDocument, bool) {
	t.Helper()
	ref, err := parseSeed(doc.src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Render(cfg)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	src := bytes.Clone(doc.src)
	out, next, incremental := doc.nextEntries(cfg)
	if !incremental {
		o, n, err := doc.Next(cfg)
		if err != nil {
			o, _ := ref.Render(cfg)
			b, perr := parseSeed(o)
			t.Fatalf("Next: %v\ninput:\n%s\nrender:\n%s\nparse %v: %+v\nwant %+v", err, src, o, perr, b, cfg)
		}
		out, next = o, n.(*seedDocument)
	}
	if !bytes.Equal(out, want) {
		t.Fatalf("Next wrote\n%s\nRender wrote\n%s", out, want)
	}
	fresh, err := parseSeed(out)
	if err != nil {
		t.Fatalf("the result does not parse: %v\n%s", err, out)
	}
	if err := sameTree(next.root, fresh.root, ""); err != nil {
		t.Fatalf("the new Document's tree differs from a parse of its bytes: %v\ninput:\n%s\noutput:\n%s", err, src, out)
	}
	if next.llm.Revision() != fresh.llm.Revision() || fresh.llm.Revision() != cfg.Revision() {
		t.Fatalf("the new Document reads as %+v, the file as %+v, want %+v", next.llm, fresh.llm, cfg)
	}
	if next.reliable != positionsReliable(out) || (next.lines != nil && !bytes.Equal(next.lines.src, out)) {
		t.Fatal("the new Document's line index is not its bytes'")
	}
	return next, incremental && !bytes.Equal(out, src)
}

// TestNextMatchesParse chains random batches of changes through Next on every
// test file: each new Document must be what parsing its bytes gives.
func TestNextMatchesParse(t *testing.T) {
	incremental, total := 0, 0
	for name, data := range docIndexFiles(t) {
		if _, err := parseSeed(data); err != nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			for seed := range 30 {
				rng := rand.New(rand.NewPCG(uint64(seed), 7)) //nolint:gosec // a reproducible test sequence
				doc, err := parseSeed(data)
				if err != nil {
					t.Fatal(err)
				}
				for range 5 {
					cfg := doc.LLM()
					batchChange(rng, doc, cfg)
					var inc bool
					doc, inc = checkNext(t, doc, cfg)
					total++
					if inc {
						incremental++
					}
				}
			}
		})
	}
	t.Logf("%d of %d commits built incrementally", incremental, total)
	if incremental < total/3 {
		t.Fatalf("only %d of %d commits took the incremental path", incremental, total)
	}
}

// FuzzNext: for any file and change, Next's Document equals a parse of its bytes.
func FuzzNext(f *testing.F) {
	for _, data := range propertyCorpus(f) {
		f.Add(data, uint64(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		doc, err := parseSeed(data)
		if err != nil {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 7)) //nolint:gosec // a reproducible test sequence
		for range 3 {
			cfg := doc.LLM()
			batchChange(rng, doc, cfg)
			doc, _ = checkNext(t, doc, cfg)
		}
	})
}
