package llmconfig

import "math"

// Checks keeps the results of the checks of single entries that the whole-config
// validation runs — a provider's fields, a credential reference against a format,
// an alias name — each of which depends on nothing but its input. A writer that
// validates the whole configuration after every change (the admin server's
// committer) then checks again only the entries that changed. The zero value is
// not usable (NewChecks); a nil *Checks keeps nothing. Not safe for concurrent use.
type Checks struct {
	providers map[providerKey][]FieldError
	creds     map[[2]string]error
	names     map[string]error
}

// checksLimit bounds each map: past it, the map starts again empty.
const checksLimit = 1 << 16

// NewChecks returns an empty Checks.
func NewChecks() *Checks {
	return &Checks{providers: map[providerKey][]FieldError{}, creds: map[[2]string]error{}, names: map[string]error{}}
}

// providerKey is every field of a Provider, comparable.
type providerKey struct {
	name, typ, apiKey, baseURL, model, apiVersion string
	maxTokens, contextWindow                      int64
	temperature                                   uint64
	set                                           uint8 // which pointer fields are set
}

func keyOf(p Provider) providerKey {
	k := providerKey{name: p.Name, typ: p.Type, apiKey: p.APIKey, baseURL: p.BaseURL, model: p.Model, apiVersion: p.APIVersion}
	if p.MaxTokens != nil {
		k.maxTokens, k.set = *p.MaxTokens, k.set|1
	}
	if p.ContextWindow != nil {
		k.contextWindow, k.set = *p.ContextWindow, k.set|2
	}
	if p.Temperature != nil {
		k.temperature, k.set = math.Float64bits(*p.Temperature), k.set|4
	}
	return k
}

// provider is ValidateProvider(p, nil) without the literal-key finding (an
// existing literal key in the file is reported as such, never written anew).
func (c *Checks) provider(p Provider) []FieldError {
	var key providerKey
	if c != nil {
		key = keyOf(p)
		if v, ok := c.providers[key]; ok {
			return v
		}
	}
	var out []FieldError
	for _, fe := range ValidateProvider(p, nil) {
		if fe.Field == FieldAPIKey && IsLiteralKey(p.APIKey) {
			continue
		}
		out = append(out, fe)
	}
	if c != nil {
		if len(c.providers) >= checksLimit {
			clear(c.providers)
		}
		c.providers[key] = out
	}
	return out
}

// credential is CheckCredentialFormat's error.
func (c *Checks) credential(format, apiKey string) error {
	key := [2]string{format, apiKey}
	if c != nil {
		if v, ok := c.creds[key]; ok {
			return v
		}
	}
	_, err := CheckCredentialFormat(format, apiKey)
	if c != nil {
		if len(c.creds) >= checksLimit {
			clear(c.creds)
		}
		c.creds[key] = err
	}
	return err
}

// name is CheckName's error.
func (c *Checks) name(n string) error {
	if c != nil {
		if v, ok := c.names[n]; ok {
			return v
		}
	}
	err := CheckName(n)
	if c != nil {
		if len(c.names) >= checksLimit {
			clear(c.names)
		}
		c.names[n] = err
	}
	return err
}
