package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

var pathName = path.Root("name")

var _ datasource.DataSourceWithConfigure = (*llmProvidersDataSource)(nil)

// NewLLMProvidersDataSource returns the aegis_llm_providers data source.
func NewLLMProvidersDataSource() datasource.DataSource { return &llmProvidersDataSource{} }

type llmProvidersDataSource struct {
	client *client.Client
}

type llmProvidersModelV0 struct {
	ID         types.String         `tfsdk:"id"`
	Generation types.Int64          `tfsdk:"generation"`
	Providers  []llmProviderModelV0 `tfsdk:"providers"`
}

func (d *llmProvidersDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_llm_providers"
}

func (d *llmProvidersDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every LLM provider of the orchestrator, in the order of the node config.",
		Attributes: map[string]schema.Attribute{
			"id":         schema.StringAttribute{MarkdownDescription: "Revision of the whole `llm` section that was read.", Computed: true},
			"generation": schema.Int64Attribute{MarkdownDescription: "Live configuration generation that was read.", Computed: true},
			"providers": schema.ListNestedAttribute{
				MarkdownDescription: "The providers.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: providerDataSourceAttributes(false)},
			},
		},
	}
}

func (d *llmProvidersDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *llmProvidersDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	snap, err := d.client.Snapshot(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Listing LLM Providers", explainError(err))
		return
	}
	warnFileEdit(&resp.Diagnostics, d.client, snap.FileEdit)
	m := llmProvidersModelV0{
		ID:         types.StringValue(snap.Revision),
		Generation: types.Int64Value(snap.Generation),
		Providers:  make([]llmProviderModelV0, len(snap.Providers)),
	}
	for i := range snap.Providers {
		m.Providers[i].fromAPI(&snap.Providers[i])
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func providerNames(snap *client.LLMConfig) string {
	if len(snap.Providers) == 0 {
		return "none"
	}
	names := make([]string, len(snap.Providers))
	for i, p := range snap.Providers {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}
