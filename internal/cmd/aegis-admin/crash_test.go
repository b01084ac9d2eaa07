package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/configfile"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// TestCrashLoop SIGKILLs the server at random moments of a stream of writes and
// restarts it on the same file, again and again. After every restart the file
// must parse, validate, keep its foreign section, and hold exactly the state of
// the last acknowledged write — or that state plus the one write in flight when
// the kill came (committed, but its answer never sent). AEGIS_SOAK_CRASHES sets
// the number of kills (make soak runs many more).
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	kills := 12
	if v, err := strconv.Atoi(os.Getenv("AEGIS_SOAK_CRASHES")); err == nil && v > 0 {
		kills = v
	}
	s := testserver.Start(t, testserver.Options{ConfigYAML: "# operator comment\nnode:\n  id: crash-node\n"})
	ctx := context.Background()
	acked := &llmconfig.LLM{Aliases: map[string]string{}}
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // reproducible test randomness
	seq := 0
	for kill := 0; kill < kills; kill++ {
		c := s.Client() // no retries: a failed write is simply not acknowledged
		stop := make(chan struct{})
		done := make(chan *llmconfig.LLM)
		go func() { // the writer: acknowledged state only advances on a 2xx
			var inflight *llmconfig.LLM
			defer func() { done <- inflight }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				seq++
				name := fmt.Sprintf("p-%d", seq%7)
				p := llmconfig.Provider{Name: name, Type: "openai", APIKey: "env:OPENAI_API_KEY", Model: fmt.Sprintf("m-%d", seq)}
				withProvider := acked.Clone()
				if existing := withProvider.Provider(name); existing != nil {
					*existing = p
				} else {
					withProvider.Providers = append(withProvider.Providers, p)
				}
				inflight = withProvider
				if _, err := c.PutProvider(ctx, p, client.Precondition{}); err != nil {
					return
				}
				acked = withProvider
				withAlias := withProvider.Clone()
				withAlias.Aliases["a-"+name] = name
				inflight = withAlias
				if _, err := c.PutAlias(ctx, "a-"+name, name, client.Precondition{}); err != nil {
					return
				}
				acked, inflight = withAlias, nil
			}
		}()
		time.Sleep(time.Duration(5+rng.IntN(60)) * time.Millisecond)
		s.Kill()
		close(stop)
		inflight := <-done

		s.Restart() // refuses to start on an invalid file: that alone fails the test
		doc, err := configfile.ReadFile(s.ConfigPath)
		if err != nil {
			t.Fatalf("kill %d: the file does not parse: %v", kill, err)
		}
		onDisk := doc.LLM()
		if err := onDisk.Validate(); err != nil {
			t.Fatalf("kill %d: the file does not validate: %v", kill, err)
		}
		switch got := onDisk.Revision(); {
		case got == acked.Revision():
		case inflight != nil && got == inflight.Revision():
			acked = inflight // committed before the kill, answer lost
		default:
			t.Fatalf("kill %d: the file holds neither the last acknowledged state nor it plus the write in flight:\nfile: %+v\nacked: %+v", kill, onDisk, acked)
		}
		if b := string(s.ReadConfig()); !strings.Contains(b, "# operator comment") || !strings.Contains(b, "id: crash-node") {
			t.Fatalf("kill %d: the operator's comment or node section is gone:\n%s", kill, b)
		}
	}
	if len(acked.Providers) == 0 {
		t.Fatal("no write was ever acknowledged: the test proved nothing")
	}
	t.Logf("%d kills, %d writes attempted, %d providers acknowledged", kills, seq, len(acked.Providers))
}
