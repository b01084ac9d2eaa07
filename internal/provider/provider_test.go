package provider

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/testserver"
)

// testAccProtoV6ProviderFactories serve the provider in-process to the real
// Terraform or OpenTofu CLI named by TF_ACC_TERRAFORM_PATH (see scripts/testacc.sh).
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"aegis": func() (tfprotov6.ProviderServer, error) {
		// As main.go serves it.
		s, err := providerserver.NewProtocol6WithError(New("test")())()
		if err != nil {
			return nil, err
		}
		return ReleaseRequestContexts(s), nil
	},
}

// Provider address of the in-process provider for terraform-plugin-testing: a
// neutral host works the same on Terraform and OpenTofu (each CLI would otherwise
// expand a bare "aegis" to its own default registry's hashicorp namespace).
const (
	testAccProviderHost      = "providers.aegis.test"
	testAccProviderNamespace = "aegis"
)

// testAccRequiredProviders declares the test address explicitly. Import-block
// steps need it: there terraform-plugin-testing adds none, and the CLI would
// otherwise look the provider up as hashicorp/aegis in a registry.
func testAccRequiredProviders() string {
	return fmt.Sprintf("terraform {\n  required_providers {\n    aegis = {\n      source = %q\n    }\n  }\n}\n",
		testAccProviderHost+"/"+testAccProviderNamespace+"/aegis")
}

func TestMain(m *testing.M) {
	for k, v := range map[string]string{"TF_ACC_PROVIDER_HOST": testAccProviderHost, "TF_ACC_PROVIDER_NAMESPACE": testAccProviderNamespace} {
		if os.Getenv(k) == "" {
			_ = os.Setenv(k, v)
		}
	}
	os.Exit(m.Run())
}

// startServer runs the reference admin server as a real process with a fresh
// config file for one test.
func startServer(t *testing.T, opts testserver.Options) *testserver.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("acceptance test: needs the admin server binary")
	}
	return testserver.Start(t, opts)
}

// checkProviderGone is a CheckDestroy that asks the server.
func checkProviderGone(s *testserver.Server, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			_, err := s.Client().GetProvider(context.Background(), n)
			if err == nil {
				return fmt.Errorf("provider %q still exists on the server", n)
			}
			if !client.IsNotFound(err) {
				return err
			}
		}
		return nil
	}
}

// checkAliasGone is a CheckDestroy that asks the server.
func checkAliasGone(s *testserver.Server, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for _, n := range names {
			_, err := s.Client().GetAlias(context.Background(), n)
			if err == nil {
				return fmt.Errorf("alias %q still exists on the server", n)
			}
			if !client.IsNotFound(err) {
				return err
			}
		}
		return nil
	}
}

func TestAccProvider_configErrors(t *testing.T) {
	s := startServer(t, testserver.Options{})
	data := `data "aegis_node" "this" {}` + "\n"
	t.Setenv(EnvEndpoint, "")
	t.Setenv(EnvToken, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      "provider \"aegis\" {\n  token = \"x\"\n}\n" + data,
				ExpectError: expectError(`Missing AEGIS Endpoint.*AEGIS_ENDPOINT`),
			},
			{
				Config:      fmt.Sprintf("provider \"aegis\" {\n  endpoint = %q\n}\n", s.URL) + data,
				ExpectError: expectError(`Missing AEGIS Token.*AEGIS_TOKEN`),
			},
			{
				Config:      "provider \"aegis\" {\n  endpoint = \"ftp://x\"\n  token = \"x\"\n}\n" + data,
				ExpectError: expectError(`Invalid AEGIS Endpoint.*http`),
			},
			{
				Config:      fmt.Sprintf("provider \"aegis\" {\n  endpoint = %q\n  token = \"wrong\"\n}\n", s.URL) + data,
				ExpectError: expectError(`rejected the admin token \(401\)`),
			},
			{
				Config:      fmt.Sprintf("provider \"aegis\" {\n  endpoint = %q\n  token = %q\n  request_timeout = \"soon\"\n}\n", s.URL, s.Token) + data,
				ExpectError: expectError(`Invalid Time Duration String Value.*request_timeout`),
			},
			{
				Config:      fmt.Sprintf("provider \"aegis\" {\n  endpoint = %q\n  token = %q\n  request_timeout = \"0s\"\n}\n", s.URL, s.Token) + data,
				ExpectError: expectError(`request_timeout must be a positive Go duration`),
			},
			{
				Config:      fmt.Sprintf("provider \"aegis\" {\n  endpoint = %q\n  token = %q\n  max_retries = 21\n}\n", s.URL, s.Token) + data,
				ExpectError: expectError(`max_retries value must be between 0 and 20, got: 21`),
			},
			{
				Config:      fmt.Sprintf("resource \"terraform_data\" \"t\" {}\nprovider \"aegis\" {\n  endpoint = terraform_data.t.id\n  token = %q\n}\n", s.Token) + data,
				ExpectError: expectError(`Unknown AEGIS Provider Setting`),
			},
		},
	})
}

func TestAccProvider_envConfig(t *testing.T) {
	s := startServer(t, testserver.Options{})
	t.Setenv(EnvEndpoint, s.URL)
	t.Setenv(EnvToken, s.Token)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: "data \"aegis_node\" \"this\" {}\n",
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.aegis_node.this", "generation", "1"),
				resource.TestCheckResourceAttr("data.aegis_node.this", "mode", "standalone"),
			),
		}},
	})
}

// expectError compiles a pattern for ExpectError in which every space also
// matches a line break: the CLIs wrap diagnostics at their terminal width.
func expectError(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// checkServerProvider asks the server for a provider and checks it.
func checkServerProvider(s *testserver.Server, name string, check func(llmconfig.Provider) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		p, err := s.Client().GetProvider(context.Background(), name)
		if err != nil {
			return fmt.Errorf("provider %q on the server: %w", name, err)
		}
		return check(p.Provider)
	}
}
