package adminserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// credentials resolves the api_key references of several providers, each distinct
// reference once and the OpenBao look-ups concurrently.
func (s *Server) credentials(ctx context.Context, apiKeys []string) map[string]*adminapi.Credential {
	out := make(map[string]*adminapi.Credential, len(apiKeys))
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
			out[key] = &adminapi.Credential{Source: string(ref.Source), Status: s.envStatus(ref.EnvVar)}
		case s.cfg.OpenBaoAddr == "":
			out[key] = &adminapi.Credential{Source: string(ref.Source), Status: adminapi.CredentialUnchecked}
		default:
			c := &adminapi.Credential{Source: string(ref.Source), Status: adminapi.CredentialUnchecked}
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
