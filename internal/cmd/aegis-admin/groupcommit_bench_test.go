package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// BenchmarkGroupCommit measures the reloads an apply of 100 creates causes through
// the real server process, with Terraform's default parallelism: 10 writers, each
// sending its next create once the previous one is answered, after a pause that
// stands for Terraform's own work between two resources (none, or uniform up to
// 20ms). It reports reloads per apply; the time per op is not the point.
//
//	go test ./internal/cmd/aegis-admin -run '^$' -bench GroupCommit -benchtime 5x
func BenchmarkGroupCommit(b *testing.B) {
	const creates, parallelism = 100, 10
	for _, window := range []string{"10ms", "0s"} {
		for _, pause := range []time.Duration{0, 20 * time.Millisecond} {
			b.Run(fmt.Sprintf("window=%s/pause=%s", window, pause), func(b *testing.B) {
				var reloads int64
				for i := range b.N {
					s := testserver.Start(b, testserver.Options{Args: []string{"--commit-window", window}})
					c := s.Client()
					ctx := context.Background()
					before, err := c.Status(ctx)
					if err != nil {
						b.Fatal(err)
					}
					var wg sync.WaitGroup
					errs := make(chan error, creates)
					for w := range parallelism {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for k := w; k < creates; k += parallelism {
								if pause > 0 {
									time.Sleep(rand.N(pause)) //nolint:gosec // jitter, not security
								}
								p := llmconfig.Provider{Name: fmt.Sprintf("p%d-%d", i, k), Type: llmconfig.TypeOllama,
									BaseURL: "http://localhost:11434", Model: "llama3"}
								if _, err := c.PutProvider(ctx, p, client.Precondition{CreateOnly: true}); err != nil {
									errs <- err
									return
								}
							}
						}()
					}
					wg.Wait()
					close(errs)
					for err := range errs {
						b.Fatal(err)
					}
					after, err := c.Status(ctx)
					if err != nil {
						b.Fatal(err)
					}
					reloads += after.ReloadsTotal - before.ReloadsTotal
					s.Stop()
				}
				b.ReportMetric(float64(reloads)/float64(b.N), "reloads/apply")
			})
		}
	}
}
