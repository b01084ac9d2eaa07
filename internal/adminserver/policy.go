package adminserver

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Policy is what a token holder may point the orchestrator at (docs/security.md,
// "Least privilege for references"): which environment variables and OpenBao
// paths an api_key may name, and which hosts a base_url may send keys to. It
// applies to API writes; the operator's own file is not checked against it.
type Policy struct {
	// EnvNames are glob patterns (path.Match) for the variable of an env:
	// reference. The server's own credentials never match (deniedEnv).
	EnvNames []string
	// VaultPrefixes are OpenBao path prefixes of vault: and secret: references,
	// matched on '/' boundaries
	// ("aegis" allows "aegis/llm/openai", not "aegis2/x"); "*" allows every path.
	VaultPrefixes []string
	// BaseURLHosts are hosts a base_url may name: "api.example.com" exactly,
	// "*.openai.azure.com" any subdomain, "*" any host.
	BaseURLHosts []string
}

// Default allow-lists: what the orchestrator guide's examples need (its own
// variables, OpenBao paths under aegis/, Azure OpenAI, a local Ollama), nothing
// more.
var (
	DefaultAllowEnv          = []string{"*_API_KEY", "AZURE_OPENAI_KEY"}
	DefaultAllowVaultPrefix  = []string{"aegis/"}
	DefaultAllowBaseURLHosts = []string{"localhost", "127.0.0.1", "::1", "*.openai.azure.com", "*.cognitiveservices.azure.com"}
)

// DefaultPolicy returns the default allow-lists.
func DefaultPolicy() Policy {
	return Policy{
		EnvNames:      append([]string(nil), DefaultAllowEnv...),
		VaultPrefixes: append([]string(nil), DefaultAllowVaultPrefix...),
		BaseURLHosts:  append([]string(nil), DefaultAllowBaseURLHosts...),
	}
}

// deniedEnvPrefixes are the server's own credentials and OpenBao's: no allow-list
// lets an api_key name them.
var deniedEnvPrefixes = []string{"AEGIS_ADMIN_", "BAO_", "VAULT_"}

func envDenied(name string) bool {
	for _, p := range deniedEnvPrefixes {
		if strings.HasPrefix(strings.ToUpper(name), p) {
			return true
		}
	}
	return false
}

// allowsEnv reports whether an env: reference may name the variable.
func (p Policy) allowsEnv(name string) bool {
	if envDenied(name) {
		return false
	}
	for _, pat := range p.EnvNames {
		if ok, err := path.Match(pat, name); err == nil && ok {
			return true
		}
	}
	return false
}

// allowsVault reports whether a vault: reference may name the path.
func (p Policy) allowsVault(secretPath string) bool {
	for _, pre := range p.VaultPrefixes {
		pre = strings.Trim(pre, "/")
		if pre == "*" || secretPath == pre || strings.HasPrefix(secretPath, pre+"/") {
			return true
		}
	}
	return false
}

// allowsHost reports whether a base_url may name the host.
func (p Policy) allowsHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, pat := range p.BaseURLHosts {
		pat = strings.ToLower(strings.Trim(pat, "[]"))
		switch {
		case pat == "*", pat == host:
			return true
		case strings.HasPrefix(pat, "*.") && strings.HasSuffix(host, pat[1:]):
			return true
		}
	}
	return false
}

// allowsRef reports whether the policy lets a token holder use an api_key
// reference, without looking at whether it resolves.
func (p Policy) allowsRef(ref llmconfig.CredentialRef) bool {
	if ref.Source == llmconfig.SourceEnv {
		return p.allowsEnv(ref.EnvVar)
	}
	return p.allowsVault(ref.Path)
}

// check returns a field error for every reference or host of pr the policy
// refuses. The answer depends on the rules only, never on whether a variable or
// secret exists, so it tells a caller nothing about the server's environment.
func (p Policy) check(pr llmconfig.Provider) []llmconfig.FieldError {
	var errs []llmconfig.FieldError
	if ref, err := llmconfig.ParseCredentialRef(pr.APIKey); err == nil && pr.APIKey != "" {
		switch {
		case ref.Source == llmconfig.SourceEnv && envDenied(ref.EnvVar):
			errs = append(errs, llmconfig.FieldError{Field: llmconfig.FieldAPIKey, Detail: fmt.Sprintf(
				"names %s, a credential of the admin server or OpenBao (%s*); these are never allowed (docs/security.md)",
				ref.EnvVar, strings.Join(deniedEnvPrefixes, "*, "))})
		case ref.Source == llmconfig.SourceEnv && !p.allowsEnv(ref.EnvVar):
			errs = append(errs, llmconfig.FieldError{Field: llmconfig.FieldAPIKey, Detail: fmt.Sprintf(
				"names variable %s, which the env allow-list (%s) does not include; the operator of aegis-admin can add it with --allow-env (docs/security.md)",
				ref.EnvVar, listOrNone(p.EnvNames))})
		case (ref.Source == llmconfig.SourceVault || ref.Source == llmconfig.SourceSecret) && !p.allowsVault(ref.Path):
			errs = append(errs, llmconfig.FieldError{Field: llmconfig.FieldAPIKey, Detail: fmt.Sprintf(
				"names an OpenBao path outside the vault allow-list (prefixes %s); the operator of aegis-admin can add a prefix with --allow-vault-prefix (docs/security.md)",
				listOrNone(p.VaultPrefixes))})
		}
	}
	if pr.BaseURL != "" {
		if u, err := url.Parse(pr.BaseURL); err == nil && !p.allowsHost(u.Hostname()) {
			errs = append(errs, llmconfig.FieldError{Field: llmconfig.FieldBaseURL, Detail: fmt.Sprintf(
				"names host %s, which the base_url host allow-list (%s) does not include, so the orchestrator would send it an API key; the operator of aegis-admin can add it with --allow-base-url-host (docs/security.md)",
				u.Hostname(), listOrNone(p.BaseURLHosts))})
		}
	}
	return errs
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "empty"
	}
	return strings.Join(l, ", ")
}
