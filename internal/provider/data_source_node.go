package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*nodeDataSource)(nil)

// NewNodeDataSource returns the aegis_node data source.
func NewNodeDataSource() datasource.DataSource { return &nodeDataSource{} }

type nodeDataSource struct {
	client *client.Client
}

type nodeModelV0 struct {
	ID                   types.String        `tfsdk:"id"`
	Generation           types.Int64         `tfsdk:"generation"`
	Revision             types.String        `tfsdk:"revision"`
	Mode                 types.String        `tfsdk:"mode"`
	ReloadsTotal         types.Int64         `tfsdk:"reloads_total"`
	LastReloadTime       types.String        `tfsdk:"last_reload_time"`
	LastReloadOutcome    types.String        `tfsdk:"last_reload_outcome"`
	LastReloadDurationMS types.Float64       `tfsdk:"last_reload_duration_ms"`
	LastReloadChanges    types.Int64         `tfsdk:"last_reload_changes"`
	Draining             []drainingV0        `tfsdk:"draining"`
	PendingDeletions     []pendingDeletionV0 `tfsdk:"pending_deletions"`
	AwaitingAliases      []awaitingAliasV0   `tfsdk:"awaiting_aliases"`
}

type awaitingAliasV0 struct {
	Alias    types.String `tfsdk:"alias"`
	Provider types.String `tfsdk:"provider"`
	Since    types.String `tfsdk:"since"`
	Until    types.String `tfsdk:"until"`
}

type pendingDeletionV0 struct {
	Provider types.String   `tfsdk:"provider"`
	Since    types.String   `tfsdk:"since"`
	Aliases  []types.String `tfsdk:"aliases"`
}

type drainingV0 struct {
	Generation types.Int64 `tfsdk:"generation"`
	InFlight   types.Int64 `tfsdk:"in_flight"`
}

func (d *nodeDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_node"
}

func (d *nodeDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the orchestrator's reload status: the live configuration generation, the last reload, the generations still draining, the providers whose deletion waits for their aliases and the aliases that await their provider.",
		Attributes: map[string]schema.Attribute{
			"id":                      schema.StringAttribute{MarkdownDescription: "The admin API endpoint's live generation, as a string.", Computed: true},
			"generation":              schema.Int64Attribute{MarkdownDescription: "Live configuration generation; every reload that changes the `llm` section adds one.", Computed: true},
			"revision":                schema.StringAttribute{MarkdownDescription: "Revision (content hash) of the live `llm` section.", Computed: true},
			"mode":                    schema.StringAttribute{MarkdownDescription: "`standalone` or `sidecar` (the admin server triggers a real daemon's reload).", Computed: true},
			"reloads_total":           schema.Int64Attribute{MarkdownDescription: "Reloads since the admin server started.", Computed: true},
			"last_reload_time":        schema.StringAttribute{MarkdownDescription: "Time of the last reload (RFC 3339), null before the first.", Computed: true},
			"last_reload_outcome":     schema.StringAttribute{MarkdownDescription: "`success` or `failure`.", Computed: true},
			"last_reload_duration_ms": schema.Float64Attribute{MarkdownDescription: "Duration of the last reload in milliseconds.", Computed: true},
			"last_reload_changes":     schema.Int64Attribute{MarkdownDescription: "Number of changes the last reload carried (group commit).", Computed: true},
			"draining": schema.ListNestedAttribute{
				MarkdownDescription: "Older generations that still have running executions.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"generation": schema.Int64Attribute{MarkdownDescription: "The generation.", Computed: true},
					"in_flight":  schema.Int64Attribute{MarkdownDescription: "Executions still running on it.", Computed: true},
				}},
			},
			"pending_deletions": schema.ListNestedAttribute{
				MarkdownDescription: "Providers whose deletion was requested while aliases still routed to them: the orchestrator keeps serving them and deletes each in the commit in which its last alias leaves.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"provider": schema.StringAttribute{MarkdownDescription: "The provider's name.", Computed: true},
					"since":    schema.StringAttribute{MarkdownDescription: "When the deletion was requested (RFC 3339).", Computed: true},
					"aliases": schema.ListAttribute{MarkdownDescription: "The aliases that still route to it.", Computed: true,
						ElementType: types.StringType},
				}},
			},
			"awaiting_aliases": schema.ListNestedAttribute{
				MarkdownDescription: "Aliases written before their provider existed (a configuration that names providers as literal strings gives Terraform no order between them): " +
					"the orchestrator routes nothing to them and writes each in the commit that creates its provider, or drops it at `until`.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"alias":    schema.StringAttribute{MarkdownDescription: "The alias's name.", Computed: true},
					"provider": schema.StringAttribute{MarkdownDescription: "The provider it awaits.", Computed: true},
					"since":    schema.StringAttribute{MarkdownDescription: "When the alias was written (RFC 3339).", Computed: true},
					"until":    schema.StringAttribute{MarkdownDescription: "When it is dropped if the provider has not been created by then (RFC 3339).", Computed: true},
				}},
			},
		},
	}
}

func (d *nodeDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *nodeDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	st, err := d.client.Status(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Reading AEGIS Node Status", explainError(err))
		return
	}
	warnFileEdit(&resp.Diagnostics, d.client, st.FileEdit)
	m := nodeModelV0{
		ID:                   types.StringValue(types.Int64Value(st.Generation).String()),
		Generation:           types.Int64Value(st.Generation),
		Revision:             types.StringValue(st.Revision),
		Mode:                 types.StringValue(st.Mode),
		ReloadsTotal:         types.Int64Value(st.ReloadsTotal),
		LastReloadTime:       types.StringNull(),
		LastReloadOutcome:    types.StringNull(),
		LastReloadDurationMS: types.Float64Null(),
		LastReloadChanges:    types.Int64Null(),
		Draining:             make([]drainingV0, len(st.Draining)),
		PendingDeletions:     make([]pendingDeletionV0, len(st.PendingDeletions)),
		AwaitingAliases:      make([]awaitingAliasV0, len(st.AwaitingAliases)),
	}
	for i, aw := range st.AwaitingAliases {
		m.AwaitingAliases[i] = awaitingAliasV0{Alias: types.StringValue(aw.Alias), Provider: types.StringValue(aw.Provider),
			Since: types.StringValue(aw.Since.UTC().Format(time.RFC3339Nano)), Until: types.StringValue(aw.Until.UTC().Format(time.RFC3339Nano))}
	}
	for i, pd := range st.PendingDeletions {
		m.PendingDeletions[i] = pendingDeletionV0{Provider: types.StringValue(pd.Provider),
			Since: types.StringValue(pd.Since.UTC().Format(time.RFC3339Nano)), Aliases: make([]types.String, len(pd.Aliases))}
		for j, a := range pd.Aliases {
			m.PendingDeletions[i].Aliases[j] = types.StringValue(a)
		}
	}
	if lr := st.LastReload; lr != nil {
		m.LastReloadTime = types.StringValue(lr.Time.UTC().Format(time.RFC3339Nano))
		m.LastReloadOutcome = types.StringValue(lr.Outcome)
		m.LastReloadDurationMS = types.Float64Value(lr.DurationMS)
		m.LastReloadChanges = types.Int64Value(lr.Changes)
	}
	for i, dr := range st.Draining {
		m.Draining[i] = drainingV0{Generation: types.Int64Value(dr.Generation), InFlight: types.Int64Value(dr.InFlight)}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
