package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*llmAliasesDataSource)(nil)

// NewLLMAliasesDataSource returns the aegis_llm_aliases data source.
func NewLLMAliasesDataSource() datasource.DataSource { return &llmAliasesDataSource{} }

type llmAliasesDataSource struct {
	client *client.Client
}

type llmAliasesModelV0 struct {
	ID         types.String      `tfsdk:"id"`
	Generation types.Int64       `tfsdk:"generation"`
	Aliases    []llmAliasModelV0 `tfsdk:"aliases"`
	Mapping    types.Map         `tfsdk:"mapping"`
}

func (d *llmAliasesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_llm_aliases"
}

func (d *llmAliasesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists every model alias of the orchestrator, sorted by name, with the type and model each one routes to.",
		Attributes: map[string]schema.Attribute{
			"id":         schema.StringAttribute{MarkdownDescription: "Revision of the whole `llm` section that was read.", Computed: true},
			"generation": schema.Int64Attribute{MarkdownDescription: "Live configuration generation that was read.", Computed: true},
			"aliases": schema.ListNestedAttribute{
				MarkdownDescription: "The aliases.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: aliasDataSourceAttributes(false)},
			},
			"mapping": schema.MapAttribute{
				MarkdownDescription: "Alias name to provider name, as in `llm.aliases` of the node config.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
	}
}

func (d *llmAliasesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *llmAliasesDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	snap, err := d.client.Snapshot(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Listing LLM Aliases", explainError(err))
		return
	}
	warnFileEdit(&resp.Diagnostics, d.client, snap.FileEdit)
	m := llmAliasesModelV0{
		ID:         types.StringValue(snap.Revision),
		Generation: types.Int64Value(snap.Generation),
		Aliases:    make([]llmAliasModelV0, len(snap.Aliases)),
	}
	mapping := make(map[string]string, len(snap.Aliases))
	for i := range snap.Aliases {
		m.Aliases[i].fromAPI(&snap.Aliases[i])
		mapping[snap.Aliases[i].Name] = snap.Aliases[i].Provider
	}
	mappingValue, diags := types.MapValueFrom(ctx, types.StringType, mapping)
	resp.Diagnostics.Append(diags...)
	m.Mapping = mappingValue
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
