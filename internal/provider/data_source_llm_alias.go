package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*llmAliasDataSource)(nil)

// NewLLMAliasDataSource returns the aegis_llm_alias data source.
func NewLLMAliasDataSource() datasource.DataSource { return &llmAliasDataSource{} }

type llmAliasDataSource struct {
	client *client.Client
}

func (d *llmAliasDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_llm_alias"
}

// aliasDataSourceAttributes are the attributes of one alias as data: those of the
// resource, all computed, except the name, which the caller may set.
func aliasDataSourceAttributes(nameRequired bool) map[string]schema.Attribute {
	attrs := dataSourceAttributes(llmAliasResourceSchemaV0().Attributes)
	attrs["name"] = schema.StringAttribute{MarkdownDescription: "Name of the alias.", Required: nameRequired, Computed: !nameRequired}
	return attrs
}

func (d *llmAliasDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one model alias of the orchestrator: the provider it routes to, and that provider's type and model.",
		Attributes:          aliasDataSourceAttributes(true),
	}
}

func (d *llmAliasDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *llmAliasDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m llmAliasModelV0
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	snap, err := d.client.Snapshot(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Reading LLM Alias", explainError(err))
		return
	}
	warnFileEdit(&resp.Diagnostics, d.client, snap.FileEdit)
	a := snap.Alias(m.Name.ValueString())
	if a == nil {
		names := make([]string, len(snap.Aliases))
		for i, a := range snap.Aliases {
			names[i] = a.Name
		}
		resp.Diagnostics.AddAttributeError(pathName, "LLM Alias Not Found",
			fmt.Sprintf("The orchestrator has no alias named %q. Existing aliases: %s.", m.Name.ValueString(), strings.Join(names, ", ")))
		return
	}
	m.fromAPI(a)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
