// Package llmconfig is the model of the orchestrator's LLM configuration (providers and
// aliases), its validation rules, the credential-reference parser and content-hash
// revisions. It has no file or network I/O and builds for every platform the provider
// ships on: the Terraform provider and the reference admin server both call it, so that
// every rule exists exactly once.
package llmconfig

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Provider types accepted by the orchestrator.
const (
	TypeOpenAI           = "openai"
	TypeAnthropic        = "anthropic"
	TypeOllama           = "ollama"
	TypeGemini           = "gemini"
	TypeOpenAICompatible = "openai-compatible"
)

// DefaultAlias is the alias agents get when they do not name a model.
const DefaultAlias = "default"

// ProviderTypes lists every accepted provider type, in documentation order.
var ProviderTypes = []string{TypeOpenAI, TypeAnthropic, TypeOllama, TypeGemini, TypeOpenAICompatible}

// Temperature bounds, inclusive.
const (
	MinTemperature = 0.0
	MaxTemperature = 2.0
)

// NamePattern is the pattern every provider and alias name must match.
const NamePattern = `^[a-z0-9][a-z0-9._-]{0,62}$`

var nameRE = regexp.MustCompile(NamePattern)

// Field names, as they appear in aegis-config.yaml and in the admin API.
const (
	FieldName          = "name"
	FieldType          = "type"
	FieldAPIKey        = "api_key"
	FieldBaseURL       = "base_url"
	FieldModel         = "model"
	FieldMaxTokens     = "max_tokens"
	FieldContextWindow = "context_window"
	FieldTemperature   = "temperature"
	FieldAPIVersion    = "api_version"
	FieldAliasProvider = "provider"
)

// Provider is one entry of llm.providers. Empty strings and nil pointers mean "not set".
type Provider struct {
	Name          string   `json:"name" yaml:"name"`
	Type          string   `json:"type" yaml:"type"`
	APIKey        string   `json:"api_key,omitempty" yaml:"api_key,omitempty"`
	BaseURL       string   `json:"base_url,omitempty" yaml:"base_url,omitempty"`
	Model         string   `json:"model" yaml:"model"`
	MaxTokens     *int64   `json:"max_tokens,omitempty" yaml:"max_tokens,omitempty"`
	ContextWindow *int64   `json:"context_window,omitempty" yaml:"context_window,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty" yaml:"temperature,omitempty"`
	APIVersion    string   `json:"api_version,omitempty" yaml:"api_version,omitempty"`
}

// LLM is the llm section: providers in file order and aliases (alias name → provider name).
type LLM struct {
	Providers []Provider        `json:"providers" yaml:"providers"`
	Aliases   map[string]string `json:"aliases" yaml:"aliases"`
	// AliasOptions holds the per-alias settings of the aegis/v1 format (see
	// AliasOptions); aliases without any are absent.
	AliasOptions map[string]AliasOptions `json:"alias_options,omitempty" yaml:"-"`
	// Shared lists, for each alias that the file defines under several
	// providers, those providers in file order (read-only: only a file can hold
	// it; Aliases names the one the daemon picks).
	Shared map[string][]string `json:"shared,omitempty" yaml:"-"`
	// References maps keys of the node config that name a provider (e.g.
	// "llm_selection.default_provider") to that name (read-only).
	References map[string]string `json:"references,omitempty" yaml:"-"`
}

// FieldError is one problem with one field. Field is the attribute name for
// object-level validation ("temperature") and a path for whole-config validation
// ("providers[gpt-4o].temperature", "aliases.fast").
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Detail }

// ValidationError collects every FieldError of one validation.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		parts[i] = fe.Error()
	}
	return strings.Join(parts, "; ")
}

// Known reports which fields of a Provider are known. The Terraform provider
// validates at plan time, when some values are not known yet; rules that involve
// an unknown field are skipped. A nil Known means every field is known.
type Known func(field string) bool

func (k Known) has(fields ...string) bool {
	if k == nil {
		return true
	}
	for _, f := range fields {
		if !k(f) {
			return false
		}
	}
	return true
}

// CheckName validates a provider or alias name.
func CheckName(name string) error {
	if name == "" {
		return fmt.Errorf("is required: a name of 1-63 characters")
	}
	if !nameRE.MatchString(name) {
		return fmt.Errorf("must be 1-63 characters of lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (pattern %s)", NamePattern)
	}
	return nil
}

// CheckType validates a provider type.
func CheckType(t string) error {
	for _, v := range ProviderTypes {
		if t == v {
			return nil
		}
	}
	if t == "" {
		return fmt.Errorf("is required: one of %s", QuoteList(ProviderTypes))
	}
	return fmt.Errorf("must be one of %s", QuoteList(ProviderTypes))
}

// CheckBaseURL validates a base_url.
func CheckBaseURL(s string) error {
	if err := CheckText(s); err != nil {
		return err
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf(`must be an absolute http:// or https:// URL with a host, e.g. "http://localhost:11434"`)
	}
	if u.User != nil {
		return fmt.Errorf("must not contain user info (credentials belong in api_key as an env: or vault: reference)")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return fmt.Errorf("must not contain a query or fragment; set api_version for Azure OpenAI instead of ?api-version=")
	}
	return checkURLHost(u)
}

// IsAzureOpenAIURL reports whether base_url points at an Azure OpenAI resource.
func IsAzureOpenAIURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return strings.HasSuffix(h, ".openai.azure.com") || strings.HasSuffix(h, ".cognitiveservices.azure.com")
}

// ValidateProvider checks one provider on its own: every field rule and every
// cross-field rule. Field names in the result are bare attribute names.
func ValidateProvider(p Provider, known Known) []FieldError {
	var errs []FieldError
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, FieldError{Field: field, Detail: err.Error()})
		}
	}
	if known.has(FieldName) {
		add(FieldName, CheckName(p.Name))
	}
	if known.has(FieldType) {
		add(FieldType, CheckType(p.Type))
	}
	if known.has(FieldModel) {
		switch {
		case p.Model == "":
			add(FieldModel, fmt.Errorf(`is required: the model identifier as the provider's API accepts it, e.g. "gpt-4o"`))
		case strings.TrimSpace(p.Model) != p.Model:
			add(FieldModel, fmt.Errorf("must not start or end with whitespace"))
		default:
			add(FieldModel, CheckText(p.Model))
		}
	}
	if known.has(FieldAPIKey) {
		if p.APIKey != "" {
			if _, err := ParseCredentialRef(p.APIKey); err != nil {
				add(FieldAPIKey, err)
			}
		} else if known.has(FieldType) && p.Type != TypeOllama && CheckType(p.Type) == nil {
			add(FieldAPIKey, fmt.Errorf("is required for type %q (only ollama runs without a key); %s", p.Type, ReferenceSyntax))
		}
	}
	if known.has(FieldBaseURL) {
		if p.BaseURL != "" {
			add(FieldBaseURL, CheckBaseURL(p.BaseURL))
		} else if known.has(FieldType) && p.Type == TypeOllama {
			add(FieldBaseURL, fmt.Errorf(`is required for type "ollama": the address of the Ollama server, e.g. "http://localhost:11434"`))
		}
	}
	if known.has(FieldAPIVersion, FieldBaseURL) {
		if p.APIVersion != "" && p.BaseURL == "" {
			add(FieldBaseURL, fmt.Errorf("is required when api_version is set (Azure OpenAI): the deployment URL, e.g. \"https://my-resource.openai.azure.com/openai/deployments/gpt-4o\""))
		}
		if p.APIVersion == "" && p.BaseURL != "" && IsAzureOpenAIURL(p.BaseURL) {
			add(FieldAPIVersion, fmt.Errorf(`is required for an Azure OpenAI base_url: the API version string, e.g. "2024-02-01"`))
		}
	}
	if known.has(FieldAPIVersion) && p.APIVersion != "" {
		add(FieldAPIVersion, CheckAPIVersion(p.APIVersion))
	}
	if known.has(FieldMaxTokens) && p.MaxTokens != nil && *p.MaxTokens <= 0 {
		add(FieldMaxTokens, fmt.Errorf("must be a positive integer, got %d", *p.MaxTokens))
	}
	if known.has(FieldContextWindow) && p.ContextWindow != nil && *p.ContextWindow <= 0 {
		add(FieldContextWindow, fmt.Errorf("must be a positive integer, got %d", *p.ContextWindow))
	}
	if known.has(FieldMaxTokens, FieldContextWindow) && p.MaxTokens != nil && p.ContextWindow != nil &&
		*p.MaxTokens > 0 && *p.ContextWindow > 0 && *p.MaxTokens > *p.ContextWindow {
		add(FieldMaxTokens, fmt.Errorf("(%d) must not exceed context_window (%d): lower max_tokens or raise context_window", *p.MaxTokens, *p.ContextWindow))
	}
	if known.has(FieldTemperature) && p.Temperature != nil {
		t := *p.Temperature
		if math.IsNaN(t) || t < MinTemperature || t > MaxTemperature {
			add(FieldTemperature, fmt.Errorf("must be between %.1f and %.1f, got %g", MinTemperature, MaxTemperature, t))
		}
	}
	return errs
}

// CheckAliasTarget validates the provider an alias points to, within a config.
func CheckAliasTarget(cfg *LLM, providerName string) error {
	return checkAliasTarget(providerName, cfg.Provider(providerName) != nil)
}

func checkAliasTarget(providerName string, exists bool) error {
	if providerName == "" {
		return fmt.Errorf("is required: the name of a provider in llm.providers")
	}
	if !exists {
		return fmt.Errorf("names provider %q, which does not exist: create the provider first or point the alias at an existing one", providerName)
	}
	return nil
}

// Validate checks the whole llm section. The result is nil when it is valid. A
// literal api_key (IsLiteralKey) passes here, since the orchestrator accepts one
// in its file; ValidateProvider, which every API write and every plan runs,
// refuses it, so no new literal is ever written.
func (c *LLM) Validate() error { return c.validate(nil) }

func (c *LLM) validate(checks *Checks) error {
	var errs []FieldError
	seen := map[string]bool{}
	for i, p := range c.Providers {
		prefix := fmt.Sprintf("providers[%s]", p.Name)
		if p.Name == "" || seen[p.Name] {
			prefix = fmt.Sprintf("providers[%d]", i)
		}
		if p.Name != "" && seen[p.Name] {
			errs = append(errs, FieldError{Field: prefix + ".name", Detail: fmt.Sprintf("duplicates provider %q: provider names must be unique", p.Name)})
		}
		seen[p.Name] = true
		for _, fe := range checks.provider(p) {
			errs = append(errs, FieldError{Field: prefix + "." + fe.Field, Detail: fe.Detail})
		}
	}
	for _, name := range sortedKeys(c.Aliases) {
		if err := checks.name(name); err != nil {
			errs = append(errs, FieldError{Field: "aliases." + name, Detail: "alias name " + err.Error()})
		}
		if err := checkAliasTarget(c.Aliases[name], seen[c.Aliases[name]]); err != nil { // seen: no scan per alias
			errs = append(errs, FieldError{Field: "aliases." + name, Detail: err.Error()})
		}
		for _, fe := range c.validateAliasOptions(name) {
			errs = append(errs, FieldError{Field: "aliases." + name + "." + fe.Field, Detail: fe.Detail})
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// Provider returns the provider with the given name, or nil.
func (c *LLM) Provider(name string) *Provider {
	for i := range c.Providers {
		if c.Providers[i].Name == name {
			return &c.Providers[i]
		}
	}
	return nil
}

// AliasesOf returns the sorted names of the aliases that point to a provider.
func (c *LLM) AliasesOf(provider string) []string {
	var out []string
	for name, target := range c.Aliases {
		if target == provider {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// AliasNames returns the alias names in sorted order.
func (c *LLM) AliasNames() []string { return sortedKeys(c.Aliases) }

// Clone returns a deep copy.
func (c *LLM) Clone() *LLM {
	out := &LLM{Providers: make([]Provider, len(c.Providers)), Aliases: make(map[string]string, len(c.Aliases))}
	for i, p := range c.Providers {
		out.Providers[i] = p.Clone()
	}
	for k, v := range c.Aliases {
		out.Aliases[k] = v
	}
	for k, v := range c.AliasOptions {
		out.SetOptions(k, v)
	}
	if c.Shared != nil {
		out.Shared = make(map[string][]string, len(c.Shared))
		for k, v := range c.Shared {
			out.Shared[k] = append([]string(nil), v...)
		}
	}
	if c.References != nil {
		out.References = make(map[string]string, len(c.References))
		for k, v := range c.References {
			out.References[k] = v
		}
	}
	return out
}

// Clone returns a deep copy.
func (p Provider) Clone() Provider {
	if p.MaxTokens != nil {
		v := *p.MaxTokens
		p.MaxTokens = &v
	}
	if p.ContextWindow != nil {
		v := *p.ContextWindow
		p.ContextWindow = &v
	}
	if p.Temperature != nil {
		v := *p.Temperature
		p.Temperature = &v
	}
	return p
}

// Equal reports whether two providers have the same configuration.
func (p Provider) Equal(o Provider) bool { return p.Revision() == o.Revision() }

// Revision is a content hash of the provider's configuration: equal configurations
// have equal revisions, across restarts and hand edits of the file.
func (p Provider) Revision() string { return hashJSON("provider", p.hashable()) }

// hashable returns p in a form encoding/json can always encode: JSON has no NaN
// or infinity, which a hand-edited file (".nan", ".inf") can hold. Finite values
// encode exactly as before, so revisions do not change.
func (p Provider) hashable() any {
	if p.Temperature == nil || (!math.IsNaN(*p.Temperature) && !math.IsInf(*p.Temperature, 0)) {
		return p
	}
	type plain Provider
	return struct {
		plain
		Temperature string `json:"temperature"`
	}{plain(p), strconv.FormatFloat(*p.Temperature, 'g', -1, 64)}
}

// AliasRevision is the content hash of one alias mapping.
func AliasRevision(name, provider string) string {
	return hashJSON("alias", [2]string{name, provider})
}

// Revision is the content hash of the whole llm section.
func (c *LLM) Revision() string {
	providers := make([]any, len(c.Providers)) // nil and empty hash alike
	for i, p := range c.Providers {
		providers[i] = p.hashable()
	}
	base := struct {
		P []any
		A [][2]string
	}{providers, c.aliasPairs()}
	if len(c.AliasOptions) == 0 && len(c.Shared) == 0 && len(c.References) == 0 {
		return hashJSON("llm", base) // the revision of a config without v1-only content is unchanged
	}
	opts := make([][2]any, 0, len(c.AliasOptions))
	for _, k := range c.AliasNames() {
		if o := c.Options(k); !o.IsZero() {
			opts = append(opts, [2]any{k, o.hashable()})
		}
	}
	return hashJSON("llm", struct {
		B any
		O [][2]any
		S map[string][]string
		R map[string]string
	}{base, opts, c.Shared, c.References})
}

func (c *LLM) aliasPairs() [][2]string {
	out := make([][2]string, 0, len(c.Aliases))
	for _, k := range sortedKeys(c.Aliases) {
		out = append(out, [2]string{k, c.Aliases[k]})
	}
	return out
}

func hashJSON(kind string, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("nodeconfig: hashing %s: %v", kind, err))
	}
	sum := sha256.Sum256(append([]byte(kind+"\x00"), b...))
	return hex.EncodeToString(sum[:8])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// QuoteList renders names as a comma-separated list of Go-quoted strings, for messages.
func QuoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
