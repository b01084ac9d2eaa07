// Package configfile reads and writes the orchestrator's node config file. Each file
// format is one implementation of Document; Parse picks the format from what the file
// says. Only the reference admin server imports this package: the Terraform provider
// needs the rules (internal/llmconfig), never the file.
package configfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

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

// Successor is implemented by the formats that can build the Document of a
// rendered file without parsing all of it (see seedDocument.Next).
type Successor interface {
	// Next returns Render(cfg) and the Document those bytes parse as; it fails
	// with ErrReadBack when they would not read back as cfg. The receiver stays
	// usable, but may have to parse its bytes again.
	Next(cfg *llmconfig.LLM) ([]byte, Document, error)
}

// Stateful is implemented by the formats that keep part of the LLM configuration
// in the server's own state file beside the config (StatePath), because the file
// has no place for it (aegis/v1: providers without aliases).
type Stateful interface {
	// RenderWithState returns Render(cfg) and the state file that goes with it.
	RenderWithState(cfg *llmconfig.LLM) (data, state []byte, err error)
	// State is the state file this Document was read with (or, from Next,
	// written with).
	State() []byte
}

// Parse parses a whole node config file, choosing its format from its content:
// `apiVersion: 100monkeys.ai/v1` with `kind: NodeConfig` is FormatV1 (whatever
// else the file holds: the daemon ignores a top-level llm: section there); any
// other YAML mapping — with a top-level llm: section, without one, or an empty
// file — is the seed format, which adds its llm: section on the first write.
func Parse(data []byte) (Document, error) { return ParseWithState(data, nil) }

// ParseWithState is Parse with the content of the server's state file beside the
// config (nil when there is none); formats that do not use it ignore it.
func ParseWithState(data, state []byte) (Document, error) {
	// One decoder reads the first document for both formats: the seed format then
	// reads on to refuse a second one.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 && root.Content[0].Kind == yaml.MappingNode {
		v1, err := isV1(root.Content[0])
		if err != nil {
			return nil, err
		}
		if v1 {
			return parseV1(data, state, &root)
		}
	}
	return parseSeedDecoded(data, dec, &root)
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
