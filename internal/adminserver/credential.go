package adminserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// Credential statuses.
const (
	credResolved  = "resolved"
	credMissing   = "missing"
	credUnchecked = "unchecked"
)

// credentialJSON is the server's view of an api_key reference: where it resolves
// and whether it does. It never carries a value.
type credentialJSON struct {
	Source string `json:"source"`
	Status string `json:"status"`
}

// credentials resolves the api_key references of several providers, each distinct
// reference once and the OpenBao look-ups concurrently.
func (s *Server) credentials(ctx context.Context, apiKeys []string) map[string]*credentialJSON {
	out := make(map[string]*credentialJSON, len(apiKeys))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, key := range apiKeys {
		if key == "" {
			continue
		}
		if _, dup := out[key]; dup {
			continue
		}
		ref, err := llmconfig.ParseCredentialRef(key)
		if err != nil { // cannot happen for a validated config
			out[key] = nil
			continue
		}
		switch {
		case ref.Source == llmconfig.SourceEnv:
			out[key] = &credentialJSON{Source: string(ref.Source), Status: s.envStatus(ref.EnvVar)}
		case s.cfg.OpenBaoAddr == "":
			out[key] = &credentialJSON{Source: string(ref.Source), Status: credUnchecked}
		default:
			c := &credentialJSON{Source: string(ref.Source), Status: credUnchecked}
			out[key] = c
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				c.Status = s.vaultStatus(ctx, ref) // read only after wg.Wait
			}()
		}
	}
	wg.Wait()
	return out
}

func (s *Server) credential(ctx context.Context, apiKey string) *credentialJSON {
	return s.credentials(ctx, []string{apiKey})[apiKey]
}

// envStatus reports whether an environment variable is set to a non-empty value.
func (s *Server) envStatus(name string) string {
	if v, ok := s.getenv(name); ok && v != "" {
		return credResolved
	}
	return credMissing
}

// vaultStatus reads a KV v2 secret: "vault:MOUNT/REST#FIELD" is
// GET {addr}/v1/MOUNT/data/REST. A 200 holding the field (or, without a field, any
// data) is resolved; a 404 or an absent field is missing; anything else unchecked.
func (s *Server) vaultStatus(ctx context.Context, ref llmconfig.CredentialRef) string {
	mount, rest, ok := strings.Cut(ref.Path, "/")
	if !ok || rest == "" {
		return credUnchecked
	}
	base, err := url.Parse(strings.TrimRight(s.cfg.OpenBaoAddr, "/"))
	if err != nil || base.Host == "" {
		return credUnchecked
	}
	segs := []string{"v1", mount, "data"}
	segs = append(segs, strings.Split(rest, "/")...)
	u := base.JoinPath(segs...)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return credUnchecked
	}
	if s.cfg.OpenBaoToken != "" {
		req.Header.Set("X-Vault-Token", s.cfg.OpenBaoToken)
	}
	resp, err := s.vault.Do(req)
	if err != nil {
		s.log.Debug("openbao look-up failed", "path", ref.Path, "error", err)
		return credUnchecked
	}
	defer func() { _ = resp.Body.Close() }()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return credMissing
	case http.StatusOK:
	default:
		s.log.Debug("openbao look-up failed", "path", ref.Path, "status", resp.StatusCode)
		return credUnchecked
	}
	var body struct {
		Data struct {
			Data map[string]json.RawMessage `json:"data"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, MaxBodyBytes)).Decode(&body); err != nil {
		return credUnchecked
	}
	if len(body.Data.Data) == 0 {
		return credMissing
	}
	if ref.Field == "" {
		return credResolved
	}
	if v, ok := body.Data.Data[ref.Field]; ok && string(v) != "null" {
		return credResolved
	}
	return credMissing
}
