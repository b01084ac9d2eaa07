// Command aegisctl is a small admin API client for operators, scripts and the
// demo: it starts and finishes executions and prints the reload status.
//
//	AEGIS_ENDPOINT=http://127.0.0.1:8787 AEGIS_TOKEN=... aegisctl exec start fast
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

const usage = `usage: aegisctl COMMAND
  exec start [ALIAS]   start an execution on a model alias (default: "default")
  exec finish ID       finish an execution
  status               print the reload status as JSON
  config               print the whole llm section as JSON
  reload               re-read the config file and reload
environment: AEGIS_ENDPOINT, AEGIS_TOKEN`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "aegisctl:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", usage)
	}
	cfg := client.DefaultConfig()
	cfg.Endpoint, cfg.Token, cfg.CACertPEM, cfg.UserAgent = os.Getenv("AEGIS_ENDPOINT"), os.Getenv("AEGIS_TOKEN"), os.Getenv("AEGIS_CA_CERT"), "aegisctl"
	cfg.MaxRetries = 0 // starting an execution is not idempotent
	c, err := client.New(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	switch {
	case len(args) >= 2 && args[0] == "exec" && args[1] == "start":
		alias := ""
		if len(args) > 2 {
			alias = args[2]
		}
		e, err := c.StartExecution(ctx, alias)
		if err != nil {
			return err
		}
		printExecution(e)
	case len(args) == 3 && args[0] == "exec" && args[1] == "finish":
		e, err := c.FinishExecution(ctx, args[2])
		if err != nil {
			return err
		}
		printExecution(e)
	case len(args) == 1 && args[0] == "status":
		st, err := c.Status(ctx)
		if err != nil {
			return err
		}
		return printJSON(st)
	case len(args) == 1 && args[0] == "config":
		cfg, err := c.GetConfig(ctx)
		if err != nil {
			return err
		}
		return printJSON(cfg)
	case len(args) == 1 && args[0] == "reload":
		return c.Reload(ctx)
	default:
		return fmt.Errorf("%s", usage)
	}
	return nil
}

func printExecution(e *client.Execution) {
	fmt.Printf("id=%s alias=%s provider=%s model=%s generation=%d state=%s\n", e.ID, e.Alias, e.Provider, e.Model, e.Generation, e.State)
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
