package configfile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
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
