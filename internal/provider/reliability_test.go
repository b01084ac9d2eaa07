package provider

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

func proxyProviderBlock(url, token string) string {
	return fmt.Sprintf("provider \"aegis\" {\n  endpoint    = %q\n  token       = %q\n  max_retries = 5\n}\n", url, token)
}

const testAccLostResponsesResources = `
resource "aegis_llm_provider" "p" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = %q
}

resource "aegis_llm_alias" "a" {
  name          = "fast"
  provider_name = aegis_llm_provider.p.name
}
`

// TestAccLLMProvider_lostResponses: a write whose answer is lost after the server
// committed it is retried with the same idempotency key, which the server answers
// with the first attempt's result (create, update), a retried delete finds the
// object gone, and 503/429 answers with Retry-After are waited out.
func TestAccLLMProvider_lostResponses(t *testing.T) {
	s := startServer(t, testserver.Options{})
	proxy := testserver.NewFaultProxy(t, s.URL)
	provPath, aliasPath := "/v1/admin/llm/providers/gpt-4o", "/v1/admin/llm/aliases/fast"
	proxy.SetRule(func(r *http.Request, n int) testserver.Fault {
		obj := r.URL.Path == provPath || r.URL.Path == aliasPath
		switch {
		case obj && r.Method == http.MethodPut && n%2 == 1: // every first attempt of a write
			return testserver.Fault{Kind: testserver.DropResponse}
		case obj && r.Method == http.MethodDelete && n == 1:
			return testserver.Fault{Kind: testserver.DropResponse}
		case r.URL.Path == "/v1/admin/llm/config" && n == 1:
			return testserver.Fault{Kind: testserver.Unavailable, RetryAfter: 1}
		case r.URL.Path == "/v1/admin/llm/config" && n%2 == 0:
			return testserver.Fault{Kind: testserver.TooManyRequests}
		}
		return testserver.Fault{}
	})
	cfg := func(model string) string {
		return proxyProviderBlock(proxy.URL, s.Token) + fmt.Sprintf(testAccLostResponsesResources, model)
	}
	wantCount := func(method, path string, want int) error {
		if n := proxy.Count(method, path); n != want {
			return fmt.Errorf("%s %s reached the proxy %d times, want %d", method, path, n, want)
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(st *terraform.State) error {
			if err := checkProviderGone(s, "gpt-4o")(st); err != nil {
				return err
			}
			if err := checkAliasGone(s, "fast")(st); err != nil {
				return err
			}
			return wantCount(http.MethodDelete, provPath, 2)
		},
		Steps: []resource.TestStep{
			{
				Config: cfg("gpt-4o"),
				Check: func(*terraform.State) error {
					if err := wantCount(http.MethodPut, provPath, 2); err != nil {
						return err
					}
					if err := wantCount(http.MethodPut, aliasPath, 2); err != nil {
						return err
					}
					return checkServerAlias(s, "fast", "gpt-4o")(nil)
				},
			},
			{
				Config: cfg("gpt-4o-2024-08-06"),
				Check: resource.ComposeTestCheckFunc(
					func(*terraform.State) error { return wantCount(http.MethodPut, provPath, 4) },
					checkServerProvider(s, "gpt-4o", func(p llmconfig.Provider) error {
						if p.Model != "gpt-4o-2024-08-06" {
							return fmt.Errorf("model %q", p.Model)
						}
						return nil
					}),
				),
			},
		},
	})
	if proxy.Injected(testserver.TooManyRequests) == 0 || proxy.Injected(testserver.Unavailable) != 1 {
		t.Fatalf("faults not injected as planned: 429=%d 503=%d", proxy.Injected(testserver.TooManyRequests), proxy.Injected(testserver.Unavailable))
	}
}

// TestAccLLMProvider_lostResponseConflict: when, in the window a lost answer
// opens, somebody else changes the object, the retry does not adopt it: its
// idempotency key no longer matches what the object is, and the error says the
// object exists and how to import it.
func TestAccLLMProvider_lostResponseConflict(t *testing.T) {
	s := startServer(t, testserver.Options{})
	proxy := testserver.NewFaultProxy(t, s.URL)
	c := s.Client()
	proxy.SetRule(func(r *http.Request, n int) testserver.Fault {
		if r.Method == http.MethodPut && r.URL.Path == "/v1/admin/llm/providers/gpt-4o" && n == 1 {
			return testserver.Fault{Kind: testserver.DropResponse, Before: func() {
				p, err := c.GetProvider(context.Background(), "gpt-4o")
				if err == nil {
					p.Model = "changed-by-someone-else"
					_, err = c.PutProvider(context.Background(), p.Provider, client.Precondition{})
				}
				if err != nil {
					t.Error(err)
				}
			}}
		}
		return testserver.Fault{}
	})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: proxyProviderBlock(proxy.URL, s.Token) + `
resource "aegis_llm_provider" "p" {
  name    = "gpt-4o"
  type    = "openai"
  api_key = "env:OPENAI_API_KEY"
  model   = "gpt-4o"
}
`,
			ExpectError: expectError(`LLM Provider Already Exists.*import`),
		}},
	})
	if _, err := c.DeleteProvider(context.Background(), "gpt-4o", client.Precondition{}); err != nil {
		t.Fatal(err)
	}
}
