// Package configfile reads and writes the orchestrator's node config file. Each file
// format is one implementation of Document; Parse picks the format from what the file
// says. Only the reference admin server imports this package: the Terraform provider
// needs the rules (internal/llmconfig), never the file.
package configfile

import (
	"fmt"
	"os"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Document is one parsed node config file.
type Document interface {
	// Format names the file format as the status API reports it, e.g. FormatSeed.
	Format() string
	// LLM returns (a copy of) the LLM configuration the file holds.
	LLM() *llmconfig.LLM
	// Render returns the file's bytes with its LLM configuration replaced by cfg.
	// Everything the format does not model is kept. The Document is not changed.
	Render(cfg *llmconfig.LLM) ([]byte, error)
}

// Parse parses a whole node config file, choosing its format from its content. An
// empty file is an empty seed-format file.
func Parse(data []byte) (Document, error) {
	return parseSeed(data)
}

// ReadFile reads and parses a node config file.
func ReadFile(path string) (Document, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the operator chooses the config path
	if err != nil {
		return nil, err
	}
	d, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}
