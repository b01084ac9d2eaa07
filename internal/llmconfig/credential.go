package llmconfig

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// CredentialSource says where the orchestrator resolves an api_key reference.
type CredentialSource string

const (
	// SourceEnv is an "env:VAR_NAME" reference, resolved from the daemon's environment.
	SourceEnv CredentialSource = "env"
	// SourceVault is a "vault:path/to/secret[#field]" reference, resolved from OpenBao.
	SourceVault CredentialSource = "vault"
	// SourceSecret is a "secret:namespace/mount/path" reference, listed by the AEGIS
	// node-config docs for the aegis/v1 format (see CheckCredentialFormat).
	SourceSecret CredentialSource = "secret"
	// SourceLiteral is an api_key that holds the key itself (see IsLiteralKey). The
	// orchestrator's guide allows one in an existing file, so it is kept there, but
	// the admin API never returns, logs or writes one.
	SourceLiteral CredentialSource = "literal"
)

// IsLiteralKey reports whether an api_key value is a literal key rather than a
// reference: it is not empty, it is no valid reference, and it is not a
// malformed one either ("env:", "vault:" or "secret:" followed by something that is no key,
// e.g. "env:1BAD", which stays an error to fix).
func IsLiteralKey(s string) bool {
	if s == "" {
		return false
	}
	if _, err := ParseCredentialRef(s); err == nil {
		return false
	}
	scheme, rest, found := strings.Cut(s, ":")
	return !found || (scheme != "env" && scheme != "vault" && scheme != "secret") || looksLikeKey(rest)
}

// CredentialRef is a parsed api_key reference. It never holds a secret value.
type CredentialRef struct {
	Source CredentialSource
	// EnvVar is the environment variable name of an env reference.
	EnvVar string
	// Path is the secret path of a vault reference, without the field.
	Path string
	// Field is the optional "#field" of a vault reference.
	Field string
}

// String renders the reference in its canonical "env:..." / "vault:...#..." form.
func (r CredentialRef) String() string {
	switch r.Source {
	case SourceEnv:
		return "env:" + r.EnvVar
	case SourceSecret:
		return "secret:" + r.Path
	case SourceVault:
		if r.Field != "" {
			return "vault:" + r.Path + "#" + r.Field
		}
		return "vault:" + r.Path
	}
	return ""
}

// ReferenceSyntax is the one-line explanation of the accepted api_key forms, used in
// every error message about credential references (server and provider alike).
const ReferenceSyntax = `use "env:VAR_NAME" (an environment variable of the orchestrator) or "vault:path/to/secret" with an optional "#field" (an OpenBao secret)`

var (
	envVarPattern       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	vaultSegmentPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	vaultFieldPattern   = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// ParseCredentialRef parses an api_key value. Only references are accepted; anything
// else is refused with an error that explains why. Error messages never repeat the
// value, since a refused value may well be a literal secret.
func ParseCredentialRef(s string) (CredentialRef, error) {
	if s == "" {
		return CredentialRef{}, errors.New("must not be empty; " + ReferenceSyntax)
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return CredentialRef{}, fmt.Errorf("must not contain whitespace%s; %s", literalHint(s), ReferenceSyntax)
	}
	if err := CheckText(s); err != nil {
		return CredentialRef{}, err
	}
	scheme, rest, found := strings.Cut(s, ":")
	if found && (scheme == "env" || scheme == "vault" || scheme == "secret") && looksLikeKey(rest) {
		// "vault:sk-live-..." is a literal key behind a scheme, not a reference.
		return CredentialRef{}, fmt.Errorf("holds something after %q that%s; %s", scheme+":", strings.TrimPrefix(literalHint(rest), " and"), ReferenceSyntax)
	}
	if !found {
		return CredentialRef{}, fmt.Errorf("is not a credential reference%s; %s", literalHint(s), ReferenceSyntax)
	}
	switch scheme {
	case "env":
		if rest == "" {
			return CredentialRef{}, errors.New(`"env:" needs a variable name, e.g. "env:OPENAI_API_KEY"`)
		}
		if !envVarPattern.MatchString(rest) {
			return CredentialRef{}, errors.New(`"env:" must be followed by a POSIX environment variable name (letters, digits and '_', not starting with a digit), e.g. "env:OPENAI_API_KEY"`)
		}
		return CredentialRef{Source: SourceEnv, EnvVar: rest}, nil
	case "vault":
		path, field, hasField := strings.Cut(rest, "#")
		if path == "" {
			return CredentialRef{}, errors.New(`"vault:" needs a secret path, e.g. "vault:aegis/llm/openai#api_key"`)
		}
		for _, seg := range strings.Split(path, "/") {
			if seg == "" || seg == "." || seg == ".." || !vaultSegmentPattern.MatchString(seg) {
				return CredentialRef{}, errors.New(`"vault:" path must be '/'-separated segments of letters, digits, '.', '_' or '-' (no empty, "." or ".." segments, no leading or trailing '/'), e.g. "vault:aegis/llm/openai"`)
			}
		}
		if hasField && !vaultFieldPattern.MatchString(field) {
			return CredentialRef{}, errors.New(`"vault:" field after '#' must be letters, digits, '.', '_' or '-', e.g. "vault:aegis/llm/openai#api_key"`)
		}
		return CredentialRef{Source: SourceVault, Path: path, Field: field}, nil
	case "secret":
		for _, seg := range strings.Split(rest, "/") {
			if seg == "" || seg == "." || seg == ".." || !vaultSegmentPattern.MatchString(seg) {
				return CredentialRef{}, errors.New(`"secret:" must be followed by '/'-separated segments of letters, digits, '.', '_' or '-', e.g. "secret:aegis/kv/openai"`)
			}
		}
		return CredentialRef{Source: SourceSecret, Path: rest}, nil
	default:
		return CredentialRef{}, fmt.Errorf("is not a credential reference (unknown scheme)%s; %s", literalHint(s), ReferenceSyntax)
	}
}

// keyPrefixes start the API keys of well-known providers.
var keyPrefixes = []string{"sk-", "sk_", "bearer ", "basic ", "xai-", "gsk_", "aiza", "hf_", "ghp_", "github_pat_", "pk-", "pk_", "rk_", "glpat-", "xox"}

// looksLikeKey reports whether s starts like a well-known API key.
func looksLikeKey(s string) bool {
	lower := strings.ToLower(s)
	for _, p := range keyPrefixes {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}

// literalHint explains, without echoing the value, why a value looks like a secret.
func literalHint(s string) string {
	if looksLikeKey(s) {
		return " and looks like a literal API key; literal keys are refused so that no secret is ever written to the node config, Terraform state or logs"
	}
	return "; literal keys are refused so that no secret is ever written to the node config, Terraform state or logs"
}
