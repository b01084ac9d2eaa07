package llmconfig

import "slices"

// Index answers the look-ups by name of one configuration in constant time
// (LLM.Provider and LLM.AliasesOf scan it): for a writer that looks up every
// entry of a large configuration. Built in one pass; valid until c changes.
type Index struct {
	c         *LLM
	providers map[string]int
	aliasesOf map[string][]string // sorted
}

// Index builds the Index of c.
func (c *LLM) Index() *Index {
	x := &Index{c: c, providers: make(map[string]int, len(c.Providers)), aliasesOf: map[string][]string{}}
	for i := range c.Providers {
		if _, dup := x.providers[c.Providers[i].Name]; !dup { // the first, as LLM.Provider
			x.providers[c.Providers[i].Name] = i
		}
	}
	for _, name := range c.AliasNames() {
		t := c.Aliases[name]
		x.aliasesOf[t] = append(x.aliasesOf[t], name)
	}
	return x
}

// Provider is LLM.Provider.
func (x *Index) Provider(name string) *Provider {
	if i, ok := x.providers[name]; ok {
		return &x.c.Providers[i]
	}
	return nil
}

// AliasesOf is LLM.AliasesOf.
func (x *Index) AliasesOf(provider string) []string { return slices.Clone(x.aliasesOf[provider]) }

// Effective is LLM.Effective.
func (x *Index) Effective(alias string) (Provider, bool) {
	target, ok := x.c.Aliases[alias]
	if !ok {
		return Provider{}, false
	}
	p := x.Provider(target)
	if p == nil {
		return Provider{}, false
	}
	return x.c.Options(alias).Apply(*p), true
}
