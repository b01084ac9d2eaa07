// Package provider implements the aegis Terraform provider on terraform-plugin-framework.
package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

// Environment variables read when the provider block leaves a value out.
const (
	EnvEndpoint = "AEGIS_ENDPOINT"
	EnvToken    = "AEGIS_TOKEN"
	EnvCACert   = "AEGIS_CA_CERT"
)

var (
	_ provider.Provider                   = (*aegisProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*aegisProvider)(nil)
)

type aegisProvider struct {
	version string
}

// New returns the provider factory for a release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &aegisProvider{version: version} }
}

type providerModelV0 struct {
	Endpoint           types.String         `tfsdk:"endpoint"`
	Token              types.String         `tfsdk:"token"`
	CACertPEM          types.String         `tfsdk:"ca_cert_pem"`
	InsecureSkipVerify types.Bool           `tfsdk:"insecure_skip_verify"`
	RequestTimeout     timetypes.GoDuration `tfsdk:"request_timeout"`
	MaxRetries         types.Int64          `tfsdk:"max_retries"`
}

func (p *aegisProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "aegis"
	resp.Version = p.version
}

func (p *aegisProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the LLM providers and model aliases of a running AEGIS orchestrator through its admin API. " +
			"Changes are applied as graceful reloads: running executions keep the provider they started with, new ones use the new mapping.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of the AEGIS admin API, e.g. `https://aegis.example.com:8787`. Can also be set with the `" + EnvEndpoint + "` environment variable.",
				Optional:            true,
				Validators:          []validator.String{endpointValidator{}},
			},
			"token": schema.StringAttribute{
				MarkdownDescription: "Admin API bearer token. A read-only token can plan and read but not apply. Can also be set with the `" + EnvToken + "` environment variable. Never logged.",
				Optional:            true,
				Sensitive:           true,
			},
			"ca_cert_pem": schema.StringAttribute{
				MarkdownDescription: "PEM-encoded CA certificate to trust for an `https` endpoint instead of the system roots. Can also be set with the `" + EnvCACert + "` environment variable (PEM text or the path of a PEM file).",
				Optional:            true,
			},
			"insecure_skip_verify": schema.BoolAttribute{
				MarkdownDescription: "Skip verification of the server's TLS certificate. For tests only: the token can then be intercepted. Defaults to `false`.",
				Optional:            true,
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Time limit for one HTTP attempt, as a Go duration such as `30s` or `2m`. Defaults to `90s`, longer than the reference server's default reload timeout, since a write answers once its reload is done. An attempt that times out is not retried.",
				Optional:            true,
				CustomType:          timetypes.GoDurationType{},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "Retries of a request after connection errors, `429` and `5xx` answers (waiting as long as `Retry-After` asks). Between `0` and `20`; defaults to `4`; `0` disables retries.",
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(0, maxRetriesLimit)},
			},
		},
	}
}

// maxRetriesLimit bounds max_retries: with the 10s cap on one wait, more would keep
// a run waiting for minutes on a server that is down.
const maxRetriesLimit = 20

// ValidateConfig checks what the attribute validators and types cannot, so that
// `terraform validate` refuses it: a request_timeout that parses but is not positive.
// The endpoint, max_retries and the duration syntax are checked by the schema.
func (p *aegisProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var cfg providerModelV0
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.RequestTimeout.IsNull() || cfg.RequestTimeout.IsUnknown() {
		return
	}
	if d, diags := cfg.RequestTimeout.ValueGoDuration(); !diags.HasError() && d <= 0 {
		resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid Request Timeout",
			fmt.Sprintf("request_timeout must be a positive Go duration such as \"30s\" or \"2m\", got %q.", cfg.RequestTimeout.ValueString()))
	}
}

// endpointValidator applies client.ParseEndpoint, the client's own check, to a
// configured endpoint (one from the environment is checked in Configure).
type endpointValidator struct{}

func (endpointValidator) Description(context.Context) string {
	return "an absolute http:// or https:// URL without user info, query or fragment"
}

func (v endpointValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (endpointValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || req.ConfigValue.ValueString() == "" {
		return
	}
	if _, err := client.ParseEndpoint(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid AEGIS Endpoint", err.Error()+".")
	}
}

// providerData is what resources and data sources receive from Configure.
type providerData struct {
	client *client.Client
}

func (p *aegisProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModelV0
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for attr, v := range map[string]interface{ IsUnknown() bool }{
		"endpoint": cfg.Endpoint, "token": cfg.Token, "ca_cert_pem": cfg.CACertPEM,
		"insecure_skip_verify": cfg.InsecureSkipVerify, "request_timeout": cfg.RequestTimeout, "max_retries": cfg.MaxRetries,
	} {
		if v.IsUnknown() {
			resp.Diagnostics.AddAttributeError(path.Root(attr), "Unknown AEGIS Provider Setting",
				fmt.Sprintf("The provider cannot connect because %s is not known until apply. Set it to a value known at plan time "+
					"(a literal, a variable or an environment variable), not to an attribute of a resource created in the same run.", attr))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	endpoint := stringOrEnv(cfg.Endpoint, EnvEndpoint)
	token := stringOrEnv(cfg.Token, EnvToken)
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "token")
	if token != "" {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, token)
	}

	if endpoint == "" {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Missing AEGIS Endpoint",
			"Set endpoint in the provider block or the "+EnvEndpoint+" environment variable to the admin API's base URL, e.g. \"http://127.0.0.1:8787\".")
	} else if u, err := client.ParseEndpoint(endpoint); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid AEGIS Endpoint", err.Error()+".")
	} else if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		resp.Diagnostics.AddAttributeWarning(path.Root("endpoint"), "Unencrypted AEGIS Endpoint",
			"The endpoint uses http:// to a host that is not loopback: the admin token travels in clear text. Serve the admin API over https.")
	}
	if token == "" {
		resp.Diagnostics.AddAttributeError(path.Root("token"), "Missing AEGIS Token",
			"Set token in the provider block (from a sensitive variable) or the "+EnvToken+" environment variable to the admin API token.")
	}

	caPEM := cfg.CACertPEM.ValueString()
	if caPEM == "" {
		if v := os.Getenv(EnvCACert); v != "" {
			caPEM = v
			if !strings.Contains(v, "-----BEGIN") {
				data, err := os.ReadFile(v) //nolint:gosec // the user names their CA file
				if err != nil {
					resp.Diagnostics.AddAttributeError(path.Root("ca_cert_pem"), "Unreadable AEGIS CA Certificate",
						fmt.Sprintf("%s is neither PEM text nor a readable file: %s", EnvCACert, err))
				}
				caPEM = string(data)
			}
		}
	}

	// request_timeout and max_retries were validated (ValidateConfig, the schema).
	ccfg := client.DefaultConfig()
	if !cfg.RequestTimeout.IsNull() {
		d, diags := cfg.RequestTimeout.ValueGoDuration()
		resp.Diagnostics.Append(diags...)
		ccfg.Timeout = d
	}
	if !cfg.MaxRetries.IsNull() {
		ccfg.MaxRetries = int(cfg.MaxRetries.ValueInt64())
	}
	insecure := cfg.InsecureSkipVerify.ValueBool()
	if insecure {
		resp.Diagnostics.AddAttributeWarning(path.Root("insecure_skip_verify"), "TLS Verification Disabled",
			"insecure_skip_verify is true: the server's certificate is not checked and the admin token can be intercepted. Use ca_cert_pem instead.")
	}
	if resp.Diagnostics.HasError() {
		return
	}

	ccfg.Endpoint, ccfg.Token, ccfg.CACertPEM, ccfg.InsecureSkipVerify = endpoint, token, caPEM, insecure
	ccfg.UserAgent = "terraform-provider-aegis/" + p.version
	c, err := client.New(ccfg)
	if err != nil {
		attr := "endpoint"
		if errors.Is(err, client.ErrCACertPEM) {
			attr = "ca_cert_pem"
		}
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Invalid AEGIS Provider Configuration", err.Error()+".")
		return
	}
	tflog.Debug(ctx, "configured AEGIS admin API client", map[string]any{"endpoint": endpoint, "max_retries": ccfg.MaxRetries, "request_timeout": ccfg.Timeout.String()})
	data := &providerData{client: c}
	resp.DataSourceData = data
	resp.ResourceData = data
}

func (p *aegisProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewLLMProviderResource, NewLLMAliasResource}
}

func (p *aegisProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewLLMProviderDataSource, NewLLMProvidersDataSource,
		NewLLMAliasDataSource, NewLLMAliasesDataSource,
		NewNodeDataSource,
	}
}

func stringOrEnv(v types.String, env string) string {
	if s := v.ValueString(); s != "" {
		return s
	}
	return os.Getenv(env)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clientFrom extracts the client from provider data in a Configure call; it
// reports our own bug when the data has an unexpected type.
func clientFrom(data any, diags interface {
	AddError(string, string)
}) *client.Client {
	if data == nil {
		return nil // provider not configured yet (e.g. during validation)
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the aegis provider; please report it.", data))
		return nil
	}
	return pd.client
}
