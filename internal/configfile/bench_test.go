package configfile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// bigFile is a seed-format file with n providers and n aliases.
func bigFile(n int) []byte {
	var b strings.Builder
	b.WriteString("# node config\nnode:\n  id: n1\n\nllm:\n  providers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    - name: p%04d\n      type: openai\n      api_key: \"env:OPENAI_API_KEY\"\n      model: gpt-4o\n      max_tokens: 4096\n      context_window: 128000\n      temperature: 0.2\n\n", i)
	}
	b.WriteString("  aliases:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    a%04d: p%04d   # alias %d\n", i, i, i)
	}
	return []byte(b.String())
}

// BenchmarkCommit1000 is the file work of one admin-server commit that changes one
// field of one of 1000 providers: parse the file, check its revision, render the
// change, parse the result back and check it (internal/adminserver writeAndPublish).
func BenchmarkCommit1000(b *testing.B) {
	data := bigFile(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		doc, err := configfile.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		live := doc.LLM()
		_ = live.Revision()
		work := live.Clone()
		v := int64(i%4000 + 1)
		work.Providers[500].MaxTokens = &v
		out, err := doc.Render(work)
		if err != nil {
			b.Fatal(err)
		}
		back, err := configfile.Parse(out)
		if err != nil || back.LLM().Revision() != work.Revision() {
			b.Fatal("round trip", err)
		}
	}
}

// BenchmarkRender1000 is Render alone, for one changed field of 1000 providers.
func BenchmarkRender1000(b *testing.B) {
	data := bigFile(1000)
	doc, err := configfile.Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	work := doc.LLM()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v := int64(i%4000 + 1)
		work.Providers[500].MaxTokens = &v
		if _, err := doc.Render(work); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse1000 is one parse of a file with 1000 providers.
func BenchmarkParse1000(b *testing.B) {
	data := bigFile(1000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := configfile.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitCached1000 is what the admin server's committer does per commit
// now: its last parse of the file is reused, so a commit renders the change and
// parses the result once (to check it and to reuse it for the next commit).
func BenchmarkCommitCached1000(b *testing.B) {
	data := bigFile(1000)
	doc, err := configfile.Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		work := doc.LLM()
		v := int64(i%4000 + 1)
		work.Providers[500].MaxTokens = &v
		out, err := doc.Render(work)
		if err != nil {
			b.Fatal(err)
		}
		back, err := configfile.Parse(out)
		if err != nil || back.LLM().Revision() != work.Revision() {
			b.Fatal("round trip", err)
		}
		doc = back
	}
}

// BenchmarkCommitNext1000 is the committer's file work per commit with Next: one
// changed field of one of 1000 providers, the new Document built from the last.
func BenchmarkCommitNext1000(b *testing.B) { benchNext(b, 1000, 1) }

// BenchmarkCommitNext1000Batch10 is a commit of ten changes (a Terraform round at
// the default -parallelism: five providers' models, five aliases retargeted) on a
// file of 1000 providers.
func BenchmarkCommitNext1000Batch10(b *testing.B) { benchNext(b, 1000, 10) }

// BenchmarkCommitNext20Batch10 is the same commit on a file of 20 providers: the
// parse work per commit does not depend on the size of the file.
func BenchmarkCommitNext20Batch10(b *testing.B) { benchNext(b, 20, 10) }

func benchNext(b *testing.B, size, batch int) {
	data := bigFile(size)
	doc, err := configfile.Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		work := doc.LLM()
		if batch == 1 {
			v := int64(i%4000 + 1)
			work.Providers[size/2].MaxTokens = &v
		} else {
			for j := range batch / 2 {
				p := &work.Providers[(i*7+j*size/5)%size]
				p.Model = fmt.Sprintf("m-%d-%d", i, j)
				work.Aliases[fmt.Sprintf("a%04d", (i*3+j*size/5+1)%size)] = work.Providers[(i+j)%size].Name
			}
		}
		_, next, err := doc.(configfile.Successor).Next(work)
		if err != nil {
			b.Fatal(err)
		}
		doc = next
	}
}

// bigV1 is an aegis/v1 NodeConfig with n providers of one alias each.
func bigV1(n int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: 100monkeys.ai/v1\nkind: NodeConfig\nmetadata:\n  name: n\nspec:\n  node:\n    id: x\n  llm_providers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    - name: \"p%04d\"\n      type: \"openai\"\n      api_key: \"env:OPENAI_API_KEY\"\n      enabled: true\n      models:\n        - alias: \"a%04d\"\n          model: \"gpt-4o\"\n          context_window: 128000\n          cost_per_1k_tokens: 0.0\n", i, i)
	}
	b.WriteString("  llm_selection:\n    strategy: \"prefer-local\"\n    default_provider: \"p0000\"\n")
	return []byte(b.String())
}

// BenchmarkV1Commit1000 is the committer's file work per commit on an aegis/v1
// file of 1000 providers (render with its state, parse back): one model changed.
func BenchmarkV1Commit1000(b *testing.B) {
	benchV1(b, func(doc configfile.Document, work *llmconfig.LLM) (configfile.Document, error) {
		out, st, err := doc.(configfile.Stateful).RenderWithState(work)
		if err != nil {
			return nil, err
		}
		return configfile.ParseWithState(out, st)
	})
}

// BenchmarkV1CommitNext1000 is the same commit with Next, as the committer does it.
func BenchmarkV1CommitNext1000(b *testing.B) {
	benchV1(b, func(doc configfile.Document, work *llmconfig.LLM) (configfile.Document, error) {
		_, next, err := doc.(configfile.Successor).Next(work)
		return next, err
	})
}

func benchV1(b *testing.B, commit func(configfile.Document, *llmconfig.LLM) (configfile.Document, error)) {
	doc, err := configfile.Parse(bigV1(1000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		work := doc.LLM()
		work.Providers[500].Model = fmt.Sprintf("m-%d", i)
		if doc, err = commit(doc, work); err != nil {
			b.Fatal(err)
		}
	}
}
