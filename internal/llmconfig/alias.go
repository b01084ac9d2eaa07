package llmconfig

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Field names of per-alias settings that only the aegis/v1 node config can hold.
const (
	FieldCapabilities    = "capabilities"
	FieldCostPer1kTokens = "cost_per_1k_tokens" //nolint:gosec // a field name, not a credential
)

// AliasOptions are the per-alias settings of the aegis/v1 format, where every alias
// is one models[] entry of its provider. Model, MaxTokens, ContextWindow and
// Temperature override the provider's value (empty/nil: the alias inherits it);
// Capabilities and CostPer1kTokens belong to the entry itself. The seed format has
// no place for any of them.
type AliasOptions struct {
	Model           string   `json:"model,omitempty"`
	MaxTokens       *int64   `json:"max_tokens,omitempty"`
	ContextWindow   *int64   `json:"context_window,omitempty"`
	Temperature     *float64 `json:"temperature,omitempty"`
	Capabilities    []string `json:"capabilities,omitempty"`
	CostPer1kTokens *float64 `json:"cost_per_1k_tokens,omitempty"`
}

// IsZero reports whether o holds no setting at all.
func (o AliasOptions) IsZero() bool {
	return o.Model == "" && o.MaxTokens == nil && o.ContextWindow == nil && o.Temperature == nil &&
		len(o.Capabilities) == 0 && o.CostPer1kTokens == nil
}

// HasOverrides reports whether o overrides one of the provider's generation settings.
func (o AliasOptions) HasOverrides() bool {
	return o.Model != "" || o.MaxTokens != nil || o.ContextWindow != nil || o.Temperature != nil
}

// SetFields names the fields of o that are set, in documentation order.
func (o AliasOptions) SetFields() []string {
	var out []string
	if o.Model != "" {
		out = append(out, FieldModel)
	}
	if o.MaxTokens != nil {
		out = append(out, FieldMaxTokens)
	}
	if o.ContextWindow != nil {
		out = append(out, FieldContextWindow)
	}
	if o.Temperature != nil {
		out = append(out, FieldTemperature)
	}
	if len(o.Capabilities) > 0 {
		out = append(out, FieldCapabilities)
	}
	if o.CostPer1kTokens != nil {
		out = append(out, FieldCostPer1kTokens)
	}
	return out
}

// Clone returns a deep copy.
func (o AliasOptions) Clone() AliasOptions {
	o.MaxTokens = clonePtr(o.MaxTokens)
	o.ContextWindow = clonePtr(o.ContextWindow)
	o.Temperature = clonePtr(o.Temperature)
	o.CostPer1kTokens = clonePtr(o.CostPer1kTokens)
	if o.Capabilities != nil {
		o.Capabilities = slices.Clone(o.Capabilities)
	}
	return o
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Apply returns the provider as the alias sees it: p with o's overrides.
func (o AliasOptions) Apply(p Provider) Provider {
	p = p.Clone()
	if o.Model != "" {
		p.Model = o.Model
	}
	if o.MaxTokens != nil {
		p.MaxTokens = clonePtr(o.MaxTokens)
	}
	if o.ContextWindow != nil {
		p.ContextWindow = clonePtr(o.ContextWindow)
	}
	if o.Temperature != nil {
		p.Temperature = clonePtr(o.Temperature)
	}
	return p
}

// Normalize drops the overrides that equal the provider's own value, so that an
// alias holds an override only where it differs (the aegis/v1 file cannot tell an
// override from an inherited value that happens to be equal).
func (o AliasOptions) Normalize(p Provider) AliasOptions {
	o = o.Clone()
	if o.Model == p.Model {
		o.Model = ""
	}
	if o.MaxTokens != nil && p.MaxTokens != nil && *o.MaxTokens == *p.MaxTokens {
		o.MaxTokens = nil
	}
	if o.ContextWindow != nil && p.ContextWindow != nil && *o.ContextWindow == *p.ContextWindow {
		o.ContextWindow = nil
	}
	if o.Temperature != nil && p.Temperature != nil && *o.Temperature == *p.Temperature {
		o.Temperature = nil
	}
	if len(o.Capabilities) == 0 {
		o.Capabilities = nil
	}
	return o
}

// Options returns the settings of an alias (the zero value when it has none).
func (c *LLM) Options(alias string) AliasOptions {
	if c.AliasOptions == nil {
		return AliasOptions{}
	}
	return c.AliasOptions[alias].Clone()
}

// SetOptions sets (or, for the zero value, clears) the settings of an alias.
func (c *LLM) SetOptions(alias string, o AliasOptions) {
	if o.IsZero() {
		delete(c.AliasOptions, alias)
		return
	}
	if c.AliasOptions == nil {
		c.AliasOptions = map[string]AliasOptions{}
	}
	c.AliasOptions[alias] = o.Clone()
}

// Effective returns the provider an alias resolves to, with the alias's overrides
// applied, and whether the alias and its provider exist.
func (c *LLM) Effective(alias string) (Provider, bool) {
	target, ok := c.Aliases[alias]
	if !ok {
		return Provider{}, false
	}
	p := c.Provider(target)
	if p == nil {
		return Provider{}, false
	}
	return c.Options(alias).Apply(*p), true
}

// NormalizeOptions drops the settings of aliases that no longer exist and the
// overrides that equal their provider's value.
func (c *LLM) NormalizeOptions() {
	if len(c.AliasOptions) == 0 {
		c.AliasOptions = nil
		return
	}
	idx := c.Index() // a scan per alias would make this quadratic
	for name, o := range c.AliasOptions {
		target, ok := c.Aliases[name]
		p := idx.Provider(target)
		if !ok || p == nil {
			delete(c.AliasOptions, name)
			continue
		}
		c.SetOptions(name, o.Normalize(*p))
	}
	if len(c.AliasOptions) == 0 {
		c.AliasOptions = nil
	}
}

// validateAliasOptions checks the settings of one alias: the alias as it resolves
// must pass the same rules as a provider, and capabilities must be plain words.
func (c *LLM) validateAliasOptions(name string) []FieldError {
	o := c.Options(name)
	if o.IsZero() {
		return nil
	}
	var errs []FieldError
	eff, ok := c.Effective(name)
	if ok {
		for _, fe := range ValidateProvider(eff, nil) {
			switch fe.Field {
			case FieldModel, FieldMaxTokens, FieldContextWindow, FieldTemperature:
				errs = append(errs, fe)
			}
		}
	}
	for _, cap := range o.Capabilities {
		if cap == "" || strings.TrimSpace(cap) != cap || strings.ContainsFunc(cap, func(r rune) bool { return r < 0x20 }) {
			errs = append(errs, FieldError{Field: FieldCapabilities, Detail: "entries must be non-empty words without surrounding whitespace or control characters"})
			break
		}
	}
	if o.CostPer1kTokens != nil {
		v := *o.CostPer1kTokens
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			errs = append(errs, FieldError{Field: FieldCostPer1kTokens, Detail: fmt.Sprintf("must be a finite number >= 0, got %g", v)})
		}
	}
	return errs
}

// Conflict is a change that would make the node config lose something it holds
// but this API cannot represent; the server answers it with 409.
type Conflict struct {
	// Kind is "alias-shared" or "provider-referenced".
	Kind string
	// Field names what would be lost: "aliases.fast" or "llm_selection.default_provider".
	Field  string
	Detail string
}

func (c *Conflict) Error() string { return c.Field + ": " + c.Detail }

// Conflict kinds.
const (
	ConflictAliasShared        = "alias-shared"
	ConflictProviderReferenced = "provider-referenced"
)

// CheckPreserved reports the first thing after loses that before held and that
// the file must keep: an alias that several providers serve (Shared) may not be
// retargeted, changed or deleted, nor may one of its providers be deleted; a
// provider named by References must stay and keep at least one alias (an
// aegis/v1 provider without models cannot be in the file).
func CheckPreserved(before, after *LLM) *Conflict {
	for _, alias := range sortedSliceKeys(before.Shared) {
		cands := before.Shared[alias]
		lost := after.Aliases[alias] != before.Aliases[alias] || !sameOptions(before.Options(alias), after.Options(alias))
		for _, p := range cands {
			if after.Provider(p) == nil {
				lost = true
			}
		}
		if lost {
			return &Conflict{Kind: ConflictAliasShared, Field: "aliases." + alias, Detail: fmt.Sprintf(
				"alias %q is defined under several providers (%s) and the daemon picks %q under its llm_selection.strategy; "+
					"changing or deleting it, or deleting one of those providers, would drop the other definitions. "+
					"Edit the node config by hand so that the alias appears under one provider only, then POST /v1/admin/reload",
				alias, QuoteList(cands), before.Aliases[alias])}
		}
	}
	for _, key := range sortedKeys(after.References) {
		name := after.References[key]
		if before.Provider(name) == nil || len(before.AliasesOf(name)) == 0 {
			continue // already dangling before: not this change's doing
		}
		switch {
		case after.Provider(name) == nil:
			return &Conflict{Kind: ConflictProviderReferenced, Field: key, Detail: fmt.Sprintf(
				"provider %q is named by %s in the node config, and the daemon refuses a name that is not in llm_providers; point %s at another provider first", name, key, key)}
		case len(after.AliasesOf(name)) == 0:
			return &Conflict{Kind: ConflictProviderReferenced, Field: key, Detail: fmt.Sprintf(
				"provider %q is named by %s in the node config and would be left without any alias; an aegis/v1 provider without models cannot stay in the file. Keep one alias on it, or point %s at another provider first", name, key, key)}
		}
	}
	return nil
}

func sameOptions(a, b AliasOptions) bool {
	return hashJSON("options", a.hashable()) == hashJSON("options", b.hashable())
}

func (o AliasOptions) hashable() any {
	o = o.Clone()
	if len(o.Capabilities) == 0 {
		o.Capabilities = nil
	}
	// JSON has no NaN or infinity: the floats are hashed as text.
	temp, cost := o.Temperature, o.CostPer1kTokens
	o.Temperature, o.CostPer1kTokens = nil, nil
	type plain AliasOptions
	out := struct {
		plain
		Temp string `json:"temperature_text,omitempty"`
		Cost string `json:"cost_text,omitempty"`
	}{plain: plain(o)}
	if temp != nil {
		out.Temp = fmt.Sprintf("%v", *temp)
	}
	if cost != nil {
		out.Cost = fmt.Sprintf("%v", *cost)
	}
	return out
}

// AliasRevisionOf is the content hash of one alias: its target and, when it has
// any, its settings. Without settings it equals AliasRevision.
func AliasRevisionOf(name, provider string, o AliasOptions) string {
	if o.IsZero() {
		return AliasRevision(name, provider)
	}
	return hashJSON("alias", []any{name, provider, o.hashable()})
}

func sortedSliceKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SameContent reports whether two configurations hold the same providers, aliases
// and settings, whatever the order of the providers (a file format may place a
// provider elsewhere than the API appended it).
func SameContent(a, b *LLM) bool {
	sorted := func(c *LLM) *LLM {
		c = c.Clone()
		c.NormalizeOptions()
		slices.SortFunc(c.Providers, func(x, y Provider) int { return strings.Compare(x.Name, y.Name) })
		return c
	}
	return sorted(a).Revision() == sorted(b).Revision()
}
