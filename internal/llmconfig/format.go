package llmconfig

import (
	"errors"
	"fmt"
	"math"
)

// Node config file formats, as GET /v1/admin/status reports them in "format".
const (
	// FormatSeed is the format of the AEGIS guide "Configuring LLM Providers": a
	// top-level `llm:` section with `providers` and `aliases`.
	FormatSeed = "aegis/seed"
	// FormatV1 is the `apiVersion: 100monkeys.ai/v1`, `kind: NodeConfig` manifest
	// that today's AEGIS daemon reads: spec.llm_providers[].models[].
	FormatV1 = "aegis/v1"
)

// MaxContextWindowV1 is the largest context_window the aegis/v1 daemon accepts (u32).
const MaxContextWindowV1 = math.MaxUint32

// DefaultEndpoint is the endpoint the aegis/v1 daemon uses for a provider type when
// none is configured; the server writes it when base_url is unset, because the
// daemon's validation refuses an empty endpoint.
func DefaultEndpoint(providerType string) string {
	switch providerType {
	case TypeOpenAI, TypeOpenAICompatible:
		return "https://api.openai.com/v1"
	case TypeAnthropic:
		return "https://api.anthropic.com/v1"
	case TypeGemini:
		return "https://generativelanguage.googleapis.com/v1beta"
	case TypeOllama:
		return "http://localhost:11434"
	}
	return ""
}

// CheckCredentialFormat checks an api_key reference against what the daemon of a
// format resolves. On aegis/v1 the daemon resolves only env: and uses any other
// string as the key itself, so a vault: reference would be sent to the model API
// as a bearer token: it is refused. A secret: reference is accepted there with a
// warning (the daemon must support it); the seed format has no secret: references.
// Only the scheme is looked at; ParseCredentialRef checks the syntax.
func CheckCredentialFormat(format, apiKey string) (warning string, err error) {
	ref, perr := ParseCredentialRef(apiKey)
	if perr != nil {
		return "", nil
	}
	switch {
	case format == FormatV1 && ref.Source == SourceVault:
		return "", fmt.Errorf(`is a "vault:" reference, which the AEGIS daemon of this node (aegis/v1 config) does not resolve: it would send the reference itself to the model API as the key. Use "env:VAR_NAME" with the key in the daemon's environment`)
	case format == FormatV1 && ref.Source == SourceSecret:
		return `"secret:" references are listed by the AEGIS node-config docs, but the daemon version pinned by this provider does not resolve them for LLM keys yet (it would send the reference as the key); make sure the daemon on this node supports them, or use "env:VAR_NAME"`, nil
	case format != FormatV1 && ref.Source == SourceSecret:
		return "", fmt.Errorf(`is a "secret:" reference, which only an aegis/v1 node config supports; %s`, ReferenceSyntax)
	}
	return "", nil
}

// CheckAliasOptionsFormat refuses per-alias settings on a format that cannot hold them.
func CheckAliasOptionsFormat(format string, o AliasOptions) []FieldError {
	if format == FormatV1 {
		if o.ContextWindow != nil && *o.ContextWindow > MaxContextWindowV1 {
			return []FieldError{{Field: FieldContextWindow, Detail: fmt.Sprintf("must be at most %d on an aegis/v1 node (the daemon reads it as u32)", int64(MaxContextWindowV1))}}
		}
		return nil
	}
	var errs []FieldError
	for _, f := range o.SetFields() {
		errs = append(errs, FieldError{Field: f, Detail: fmt.Sprintf(
			"cannot be set on this node: its config file is in the %s format, where an alias only names a provider; per-alias settings need an aegis/v1 (apiVersion: 100monkeys.ai/v1) node config. Set it on the provider instead, or remove it", formatOrSeed(format))})
	}
	return errs
}

func formatOrSeed(format string) string {
	if format == "" {
		return FormatSeed
	}
	return format
}

// ValidateFor checks the whole configuration against the rules of a format on top
// of Validate: credential schemes the format's daemon resolves, per-alias settings
// only where the format holds them, and on aegis/v1 a context_window for every
// alias (a required key of every models[] entry).
func (c *LLM) ValidateFor(format string) error { return c.ValidateForWith(format, nil) }

// ValidateForWith is ValidateFor with the results for single entries taken from
// checks when it has them (nil: none kept).
func (c *LLM) ValidateForWith(format string, checks *Checks) error {
	var errs []FieldError
	if err := c.validate(checks); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			errs = append(errs, ve.Errors...)
		} else {
			return err
		}
	}
	for i, p := range c.Providers {
		if err := checks.credential(format, p.APIKey); err != nil {
			name := p.Name
			if name == "" {
				name = fmt.Sprint(i)
			}
			errs = append(errs, FieldError{Field: "providers[" + name + "]." + FieldAPIKey, Detail: err.Error()})
		}
	}
	var idx *Index
	if format == FormatV1 {
		idx = c.Index()
	}
	for _, name := range c.AliasNames() {
		for _, fe := range CheckAliasOptionsFormat(format, c.Options(name)) {
			errs = append(errs, FieldError{Field: "aliases." + name + "." + fe.Field, Detail: fe.Detail})
		}
		if format == FormatV1 {
			if eff, ok := idx.Effective(name); ok && eff.ContextWindow == nil {
				errs = append(errs, FieldError{Field: "aliases." + name + "." + FieldContextWindow, Detail: fmt.Sprintf(
					"is required on an aegis/v1 node (every models[] entry needs one): set context_window on provider %q or on the alias", c.Aliases[name])})
			}
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}
