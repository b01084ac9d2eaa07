package configfile

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// v1Change makes 1 to 10 random API-sized changes on cfg: models and settings
// of providers, retargeted, added and removed aliases, added and removed
// providers (with an alias, or without one: kept in the state).
func v1Change(rng *rand.Rand, cfg *llmconfig.LLM) {
	ctx := int64(8192)
	for range 1 + rng.IntN(10) {
		n := len(cfg.Providers)
		names := cfg.AliasNames()
		switch rng.IntN(8) {
		case 0:
			if n > 0 {
				cfg.Providers[rng.IntN(n)].Model = fmt.Sprintf("m-%d", rng.IntN(1000))
			}
		case 1:
			if n > 0 {
				v := int64(rng.IntN(9000) + 1)
				cfg.Providers[rng.IntN(n)].MaxTokens = &v
			}
		case 2:
			if n > 0 && len(names) > 0 {
				cfg.Aliases[names[rng.IntN(len(names))]] = cfg.Providers[rng.IntN(n)].Name
			}
		case 3:
			if n > 0 {
				cfg.Aliases[fmt.Sprintf("al-%d", rng.IntN(1000))] = cfg.Providers[rng.IntN(n)].Name
			}
		case 4:
			if len(names) > 0 {
				delete(cfg.Aliases, names[rng.IntN(len(names))])
			}
		case 5, 6:
			name := fmt.Sprintf("np-%d", rng.IntN(1000))
			if cfg.Provider(name) == nil {
				cfg.Providers = append(cfg.Providers, llmconfig.Provider{Name: name, Type: llmconfig.TypeOpenAI, APIKey: "env:K", Model: "gpt", ContextWindow: &ctx})
				if rng.IntN(3) > 0 {
					cfg.Aliases["for-"+name] = name
				}
			}
		case 7:
			if n > 0 {
				i := rng.IntN(n)
				name := cfg.Providers[i].Name
				cfg.Providers = append(cfg.Providers[:i:i], cfg.Providers[i+1:]...)
				for a, t := range cfg.Aliases {
					if t == name {
						delete(cfg.Aliases, a)
					}
				}
			}
		}
	}
	cfg.NormalizeOptions()
}

func sameV1Entries(a, b []*v1Provider) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d entries, want %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.name != y.name || x.typ != y.typ || x.endpoint != y.endpoint || x.enabled != y.enabled ||
			x.first != y.first || x.last != y.last || len(x.models) != len(y.models) {
			return fmt.Errorf("entry %d: %+v, want %+v", i, *x, *y)
		}
		for j := range x.models {
			m, n := x.models[j], y.models[j]
			if m.alias != n.alias || m.model != n.model || m.first != n.first || m.last != n.last || m.managed != n.managed {
				return fmt.Errorf("entry %d model %d: %+v, want %+v", i, j, *m, *n)
			}
		}
	}
	return nil
}

// TestV1NextMatchesParse chains random batches of changes through Next on the
// aegis/v1 fixtures and a generated file: each new Document must be what parsing
// its file and state gives, node by node and entry by entry.
func TestV1NextMatchesParse(t *testing.T) {
	files := v1Fixtures(t)
	var b strings.Builder
	b.WriteString("apiVersion: 100monkeys.ai/v1\nkind: NodeConfig\nspec:\n  node:\n    id: x\n  llm_providers:\n")
	for i := range 40 {
		fmt.Fprintf(&b, "    # p%d\n    - name: \"p%d\"\n      type: \"openai\"\n      api_key: \"env:K\"\n      models:\n        - alias: \"a%d\"\n          model: \"gpt-4o\"\n          context_window: 128000\n\n", i, i, i)
	}
	b.WriteString("  llm_selection:\n    strategy: \"prefer-local\"\n")
	files["generated"] = []byte(b.String())
	incremental, total := 0, 0
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			for seed := range 25 {
				rng := rand.New(rand.NewPCG(uint64(seed), 11)) //nolint:gosec // a reproducible test sequence
				d0, err := Parse(data)
				if err != nil {
					t.Fatal(err)
				}
				doc := d0.(*v1Document)
				for range 5 {
					cfg := doc.LLM()
					v1Change(rng, cfg)
					if llmconfig.CheckPreserved(doc.LLM(), cfg) != nil {
						continue // the server refuses the change before rendering it
					}
					ref, err := ParseWithState(doc.src, doc.stateSrc)
					if err != nil {
						t.Fatal(err)
					}
					want, wantState, rerr := ref.(Stateful).RenderWithState(cfg)
					before := bytes.Clone(doc.src)
					out, nd, err := doc.Next(cfg)
					if rerr != nil || err != nil {
						if (rerr == nil) != (err == nil) {
							t.Fatalf("Render: %v, Next: %v", rerr, err)
						}
						d0, _ = ParseWithState(before, doc.stateSrc) // a refused change: start again from the old file
						doc = d0.(*v1Document)
						continue
					}
					next := nd.(*v1Document)
					if !bytes.Equal(out, want) || !bytes.Equal(next.stateSrc, wantState) {
						t.Fatalf("Next wrote\n%s\nRender wrote\n%s", out, want)
					}
					fresh, err := ParseWithState(out, wantState)
					if err != nil {
						t.Fatalf("the result does not parse: %v\n%s", err, out)
					}
					f := fresh.(*v1Document)
					if err := sameTree(next.spec, f.spec, "spec"); err != nil {
						t.Fatalf("the new Document's spec differs from a parse of its bytes: %v\ninput:\n%s\noutput:\n%s", err, before, out)
					}
					if err := sameV1Entries(next.entries, f.entries); err != nil {
						t.Fatalf("entries: %v\ninput:\n%s\noutput:\n%s", err, before, out)
					}
					if next.llm.Revision() != f.llm.Revision() || !llmconfig.SameContent(f.llm, cfg) {
						t.Fatalf("the new Document reads as %+v, the file as %+v, want %+v", next.llm, f.llm, cfg)
					}
					total++
					if next != doc && !next.consumed && doc.consumed {
						incremental++
					}
					doc = next
				}
			}
		})
	}
	t.Logf("%d of %d commits built incrementally", incremental, total)
	if incremental < total/3 {
		t.Fatalf("only %d of %d commits took the incremental path", incremental, total)
	}
}
