package adminserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Credential look-ups are bounded (docs/security.md): an OpenBao status is cached
// for CredentialCacheTTL (an error for a tenth of that), one look-up per
// reference runs at a time whoever asks (singleflight), at most
// maxVaultLookups run at once, and one request waits at most
// CredentialBudget for all of its look-ups: what is not known by then is
// "unchecked" in that answer, and the look-up goes on to fill the cache.
const (
	CredentialCacheTTL = 30 * time.Second
	CredentialBudget   = 2 * time.Second
	maxVaultLookups    = 8
	vaultLookupTimeout = 5 * time.Second
)

type credEntry struct {
	status  string
	expires time.Time
}

type credCache struct {
	mu      sync.Mutex
	entries map[string]credEntry
	group   singleflight.Group
	sem     chan struct{}
}

func newCredCache() *credCache {
	return &credCache{entries: map[string]credEntry{}, sem: make(chan struct{}, maxVaultLookups)}
}

// credentials resolves the api_key references of several providers, each distinct
// reference once. References the allow-lists refuse are never looked up (their
// status is "unchecked"), so that their status tells nothing about the
// environment or OpenBao.
func (s *Server) credentials(ctx context.Context, apiKeys []string) map[string]*adminapi.Credential {
	out := make(map[string]*adminapi.Credential, len(apiKeys))
	type pending struct {
		c  *adminapi.Credential
		ch <-chan singleflight.Result
	}
	var waits []pending
	for _, key := range apiKeys {
		if key == "" {
			continue
		}
		if _, dup := out[key]; dup {
			continue
		}
		if llmconfig.IsLiteralKey(key) {
			out[key] = &adminapi.Credential{Source: string(llmconfig.SourceLiteral), Status: adminapi.CredentialResolved}
			continue
		}
		ref, err := llmconfig.ParseCredentialRef(key)
		if err != nil { // cannot happen for a validated config
			out[key] = nil
			continue
		}
		c := &adminapi.Credential{Source: string(ref.Source), Status: adminapi.CredentialUnchecked}
		out[key] = c
		switch {
		case !s.policy.allowsRef(ref):
		case ref.Source == llmconfig.SourceEnv:
			c.Status = s.envStatus(ref.EnvVar)
		case ref.Source != llmconfig.SourceVault, s.cfg.OpenBaoAddr == "":
		default:
			if st, ok := s.creds.get(key); ok {
				c.Status = st
				continue
			}
			waits = append(waits, pending{c, s.creds.group.DoChan(key, func() (any, error) {
				// A flight that ended between the cache check above and here
				// has filled the cache: use it rather than look up again.
				if st, ok := s.creds.get(key); ok {
					return st, nil
				}
				return s.lookupVault(key, ref), nil
			})})
		}
	}
	if len(waits) == 0 {
		return out
	}
	budget := time.NewTimer(CredentialBudget)
	defer budget.Stop()
	for _, w := range waits {
		select {
		case res := <-w.ch:
			w.c.Status, _ = res.Val.(string)
		case <-budget.C:
			return out // the rest stay "unchecked"
		case <-ctx.Done():
			return out
		}
	}
	return out
}

func (c *credCache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		return "", false
	}
	return e.status, true
}

// lookupVault runs one OpenBao look-up (bounded in time and in concurrency,
// independent of the request that started it) and caches its result.
func (s *Server) lookupVault(key string, ref llmconfig.CredentialRef) string {
	s.creds.sem <- struct{}{}
	defer func() { <-s.creds.sem }()
	ctx, cancel := context.WithTimeout(context.Background(), vaultLookupTimeout)
	defer cancel()
	st := s.vaultStatus(ctx, ref)
	ttl := CredentialCacheTTL
	if st == adminapi.CredentialUnchecked {
		ttl /= 10
	}
	s.creds.mu.Lock()
	now := time.Now()
	for k, e := range s.creds.entries { // keep the cache as small as the config
		if now.After(e.expires) {
			delete(s.creds.entries, k)
		}
	}
	s.creds.entries[key] = credEntry{status: st, expires: now.Add(ttl)}
	s.creds.mu.Unlock()
	return st
}

func (s *Server) credential(ctx context.Context, apiKey string) *adminapi.Credential {
	return s.credentials(ctx, []string{apiKey})[apiKey]
}

// envStatus reports whether an environment variable is set to a non-empty value.
func (s *Server) envStatus(name string) string {
	if v, ok := s.getenv(name); ok && v != "" {
		return adminapi.CredentialResolved
	}
	return adminapi.CredentialMissing
}

// vaultStatus reads a KV v2 secret: "vault:MOUNT/REST#FIELD" is
// GET {addr}/v1/MOUNT/data/REST. A 200 holding the field (or, without a field, any
// data) is resolved; a 404 or an absent field is missing; anything else unchecked.
func (s *Server) vaultStatus(ctx context.Context, ref llmconfig.CredentialRef) string {
	mount, rest, ok := strings.Cut(ref.Path, "/")
	if !ok || rest == "" {
		return adminapi.CredentialUnchecked
	}
	base, err := url.Parse(strings.TrimRight(s.cfg.OpenBaoAddr, "/"))
	if err != nil || base.Host == "" {
		return adminapi.CredentialUnchecked
	}
	segs := []string{"v1", mount, "data"}
	segs = append(segs, strings.Split(rest, "/")...)
	u := base.JoinPath(segs...)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return adminapi.CredentialUnchecked
	}
	if s.cfg.OpenBaoToken != "" {
		req.Header.Set("X-Vault-Token", s.cfg.OpenBaoToken)
	}
	resp, err := s.vault.Do(req)
	if err != nil {
		s.log.Debug("openbao look-up failed", "path", ref.Path, "error", err)
		return adminapi.CredentialUnchecked
	}
	defer func() { _ = resp.Body.Close() }()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return adminapi.CredentialMissing
	case http.StatusOK:
	default:
		s.log.Debug("openbao look-up failed", "path", ref.Path, "status", resp.StatusCode)
		return adminapi.CredentialUnchecked
	}
	var body struct {
		Data struct {
			Data map[string]json.RawMessage `json:"data"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, MaxBodyBytes)).Decode(&body); err != nil {
		return adminapi.CredentialUnchecked
	}
	if len(body.Data.Data) == 0 {
		return adminapi.CredentialMissing
	}
	if ref.Field == "" {
		return adminapi.CredentialResolved
	}
	if v, ok := body.Data.Data[ref.Field]; ok && string(v) != "null" {
		return adminapi.CredentialResolved
	}
	return adminapi.CredentialMissing
}
