package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*llmProviderDataSource)(nil)

// NewLLMProviderDataSource returns the aegis_llm_provider data source.
func NewLLMProviderDataSource() datasource.DataSource { return &llmProviderDataSource{} }

type llmProviderDataSource struct {
	client *client.Client
}

func (d *llmProviderDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_llm_provider"
}

// providerDataSourceAttributes are the attributes of one provider as data: those
// of the resource, all computed, except the name, which the caller may set.
func providerDataSourceAttributes(nameRequired bool) map[string]schema.Attribute {
	attrs := dataSourceAttributes(llmProviderResourceSchemaV0().Attributes)
	attrs["name"] = schema.StringAttribute{MarkdownDescription: "Name of the provider.", Required: nameRequired, Computed: !nameRequired}
	return attrs
}

func (d *llmProviderDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one LLM provider of the orchestrator by name, including whether its credential reference resolves there.",
		Attributes:          providerDataSourceAttributes(true),
	}
}

func (d *llmProviderDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *llmProviderDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m llmProviderModelV0
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	snap, err := d.client.Snapshot(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Reading LLM Provider", explainError(err))
		return
	}
	warnFileEdit(&resp.Diagnostics, d.client, snap.FileEdit)
	p := snap.Provider(m.Name.ValueString())
	if p == nil {
		resp.Diagnostics.AddAttributeError(pathName, "LLM Provider Not Found",
			fmt.Sprintf("The orchestrator has no provider named %q. Existing providers: %s.", m.Name.ValueString(), providerNames(snap)))
		return
	}
	m.fromAPI(p)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
