package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

var (
	_ resource.Resource                   = (*llmAliasResource)(nil)
	_ resource.ResourceWithConfigure      = (*llmAliasResource)(nil)
	_ resource.ResourceWithImportState    = (*llmAliasResource)(nil)
	_ resource.ResourceWithValidateConfig = (*llmAliasResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*llmAliasResource)(nil)
)

// NewLLMAliasResource returns the aegis_llm_alias resource.
func NewLLMAliasResource() resource.Resource { return &llmAliasResource{} }

type llmAliasResource struct {
	client *client.Client
}

func (r *llmAliasResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_llm_alias"
}

func (r *llmAliasResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = llmAliasResourceSchemaV0()
}

// llmAliasResourceSchemaV0 is the schema of aegis_llm_alias. The data sources derive
// theirs from it (dataSourceAttributes), descriptions included.
func llmAliasResourceSchemaV0() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A model alias in the orchestrator's `llm.aliases`: agents ask for the alias, the orchestrator routes to the provider. " +
			"Retargeting applies as a graceful reload — running executions keep their provider, new ones use the new one. " +
			"Retargeting `default` adds a plan warning, since it affects every agent that does not name a model.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The alias name (import ID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Alias name that agents ask for, e.g. `default`, `fast`, `reasoning`, `local`, `review`. Same naming rules as providers. Changing it replaces the alias.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"provider_name": schema.StringAttribute{
				MarkdownDescription: "Name of the `aegis_llm_provider` this alias routes to. Reference `aegis_llm_provider.<x>.name` so Terraform creates the provider first and retargets the alias before deleting a provider, and the plan can check the target. " +
					"A literal name (as `-generate-config-out` writes it) works too, at any `-parallelism`: an alias written before its provider exists is kept by the orchestrator as awaiting it (apply warns \"Alias Awaits Its Provider\") and goes live in the commit that creates the provider; if nothing creates it, it is dropped after a while and the next plan shows the alias again.",
				Required: true,
			},
			"model": schema.StringAttribute{
				MarkdownDescription: "Model behind the alias. Unset, it is the target provider's `model` (shown in the plan when the target already exists, so a review sees what a retarget really changes). " +
					"Set, it overrides that model for this alias only: on an `aegis/v1` node, where one provider serves several models (e.g. `default` = `gpt-4o`, `fast` = `gpt-4o-mini`). " +
					"On a seed-format node an alias only names a provider, so a value other than the provider's fails at plan.",
				Optional: true,
				Computed: true,
			},
			"max_tokens": schema.Int64Attribute{
				MarkdownDescription: "Maximum output tokens for this alias (`max_output_tokens` of its `models[]` entry). Unset: the provider's `max_tokens`. Set: an override, `aegis/v1` nodes only.",
				Optional:            true,
				Computed:            true,
			},
			"context_window": schema.Int64Attribute{
				MarkdownDescription: "Context window of this alias. Unset: the provider's `context_window`. Set: an override, `aegis/v1` nodes only (at most 4294967295 there). Every alias on an `aegis/v1` node needs one, from the alias or its provider.",
				Optional:            true,
				Computed:            true,
			},
			"temperature": schema.Float64Attribute{
				MarkdownDescription: "Sampling temperature of this alias, 0.0–2.0. Unset: the provider's `temperature`. Set: an override, `aegis/v1` nodes only.",
				Optional:            true,
				Computed:            true,
			},
			"capabilities": schema.ListAttribute{
				MarkdownDescription: "`capabilities` of the alias's `models[]` entry on an `aegis/v1` node (e.g. `[\"code\", \"reasoning\"]`). Unset: whatever the node's file holds is kept (`[]` for a new entry). Not available on a seed-format node.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
			},
			"cost_per_1k_tokens": schema.Float64Attribute{
				MarkdownDescription: "`cost_per_1k_tokens` of the alias's `models[]` entry on an `aegis/v1` node (used by the `cost-optimized` selection strategy). Unset: whatever the node's file holds is kept. Not available on a seed-format node.",
				Optional:            true,
				Computed:            true,
			},
			"provider_type": schema.StringAttribute{
				MarkdownDescription: "Adapter type of the target provider (`openai`, `anthropic`, ...).",
				Computed:            true,
			},
			"revision": schema.StringAttribute{
				MarkdownDescription: "Revision of the alias on the orchestrator; updates are conditional on it.",
				Computed:            true,
			},
		},
	}
}

func (r *llmAliasResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *llmAliasResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Config.Raw, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !m.Name.IsUnknown() && !m.Name.IsNull() {
		if err := llmconfig.CheckName(m.Name.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Invalid name", "name "+err.Error()+".")
		}
	}
	if !m.ProviderName.IsUnknown() && !m.ProviderName.IsNull() {
		if err := llmconfig.CheckName(m.ProviderName.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("provider_name"), "Invalid provider_name",
				"provider_name must be the name of an aegis_llm_provider, and a provider name "+err.Error()+".")
		}
	}
	// The overrides follow the rules of the provider fields they override.
	o, set := m.options(ctx)
	p := llmconfig.Provider{Model: o.Model, MaxTokens: o.MaxTokens, ContextWindow: o.ContextWindow, Temperature: o.Temperature}
	known := func(field string) bool { return slices.Contains(set, field) }
	for _, fe := range llmconfig.ValidateProvider(p, known) {
		resp.Diagnostics.AddAttributeError(path.Root(fe.Field), "Invalid "+fe.Field, fe.Field+" "+fe.Detail+".")
	}
	if o.CostPer1kTokens != nil && *o.CostPer1kTokens < 0 {
		resp.Diagnostics.AddAttributeError(path.Root("cost_per_1k_tokens"), "Invalid cost_per_1k_tokens", "cost_per_1k_tokens must be a number >= 0.")
	}
}

// ModifyPlan shows what an alias really routes to: the target's model and type
// when the target already exists on the orchestrator, and a warning when the
// default alias is retargeted.
func (r *llmAliasResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		var state llmAliasModelV0
		if !req.State.Raw.IsNull() && !getModel(ctx, req.State.Raw, &state).HasError() && state.Name.ValueString() == llmconfig.DefaultAlias {
			resp.Diagnostics.AddWarning("Removing the Default Alias", removingDefault)
		}
		return
	}
	if r.client == nil {
		return
	}
	var plan, state llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Plan.Raw, &plan)...)
	hasState := !req.State.Raw.IsNull()
	if hasState {
		resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	}
	if resp.Diagnostics.HasError() || plan.ProviderName.IsUnknown() {
		return
	}
	if hasState && state.Name.ValueString() == llmconfig.DefaultAlias && !plan.Name.Equal(state.Name) {
		resp.Diagnostics.AddAttributeWarning(path.Root("name"), "Removing the Default Alias", removingDefault)
	}
	target := plan.ProviderName.ValueString()
	reg := registryFor(r.client)
	if !plan.Name.IsUnknown() && (!hasState || state.Name.Equal(plan.Name)) {
		if n := reg.manage("alias", plan.Name.ValueString()); n > 1 {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Duplicate LLM Alias Name",
				fmt.Sprintf("Another aegis_llm_alias of this configuration also has name = %q, so both would manage the same alias on the orchestrator. "+
					"Terraform shows this one's address above; remove one of the two or give it another name.", plan.Name.ValueString()))
			return
		}
	}
	// What this walk plans for the target: a provider that Terraform planned
	// before this alias (always so when provider_name references it). Only
	// used to decide what is unknown and what to warn about: a value taken from
	// it could differ when Terraform re-plans during apply in another order.
	planned, isPlanned := reg.provider(target)
	snap, err := r.client.Baseline(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Reading Alias Target",
			fmt.Sprintf("The plan shows the model behind provider %q, which could not be read: %s", target, explainError(err)))
		return
	}
	warnFileEdit(&resp.Diagnostics, r.client, snap.FileEdit)
	if !hasState && !plan.Name.IsUnknown() {
		if a := snap.Alias(plan.Name.ValueString()); a != nil {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "LLM Alias Already Exists", alreadyExists("aegis_llm_alias", "alias", a.Name))
			return
		}
	}
	var config llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Config.Raw, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p := snap.Provider(target)
	if p != nil && p.Deleting {
		resp.Diagnostics.AddAttributeWarning(path.Root("provider_name"), "Alias Routed to a Provider Being Deleted",
			fmt.Sprintf("Provider %q is being deleted on the orchestrator (it waits for its last aliases to leave), so the orchestrator refuses to point more aliases at it. "+
				"Apply succeeds only if this configuration also declares that provider (an aegis_llm_provider with name = %q), which cancels the deletion; otherwise point the alias at another provider.",
				target, target))
	}
	if p == nil && !isPlanned {
		resp.Diagnostics.AddAttributeWarning(path.Root("provider_name"), "Alias Target Not Found",
			fmt.Sprintf("Provider %q does not exist on the orchestrator, and no aegis_llm_provider planned so far in this run has that name. "+
				"If this configuration declares it (with a literal provider_name Terraform may plan the alias first), the orchestrator accepts the alias as awaiting that provider "+
				"and writes it in the commit that creates it. If nothing creates it, the apply warns \"Alias Awaits Its Provider\", the alias does not route anything, "+
				"the orchestrator drops it after a while (10 minutes by default), and the next plan shows it again. "+
				"Reference the provider (provider_name = aegis_llm_provider.<label>.name) so that Terraform orders them and the plan can check the target.", target))
	}
	if !r.checkOptionsFormat(ctx, &resp.Diagnostics, snap.Format, config, p) {
		return
	}
	retargeted := !hasState || state.ProviderName.ValueString() != target || !state.Name.Equal(plan.Name)
	// A write of this alias that awaits its provider on the orchestrator: one
	// that would route it elsewhere than configured, or one that the state
	// already records as applied, needs a write (see pendingWrite). In the
	// latter case the alias is not live on its target: what it inherits is
	// planned as for a retarget (the target's values, or unknown).
	rewrite, notLive := pendingWrite(&resp.Diagnostics, snap, plan.Name, target, hasState && !retargeted)
	if notLive {
		retargeted = true
	}
	// The planned change of the target that this alias's refresh recorded, if it
	// is still current: then the plan and the re-plan during apply both show the
	// new model (see alias_stash.go).
	record := getPlannedTarget(ctx, req.Private)
	fromRecord := config.Model.IsNull() && !retargeted && record.usable(target, p, planned, isPlanned)
	if record != nil && !fromRecord {
		resp.Diagnostics.Append(setPlannedTarget(ctx, resp.Private, nil)...)
	}
	// What the alias resolves to: its own setting, else its target's (known when
	// the target exists already), else, when not retargeted, the last refresh.
	if config.Model.IsNull() {
		switch {
		case fromRecord:
			plan.Model = types.StringValue(record.Model)
		case isPlanned && planned.Changes && (p == nil || planned.Model != p.Model):
			// This run changes the provider's model: the alias is re-routed. The
			// value is known after apply (see plan_registry.go).
			plan.Model = types.StringUnknown()
		case retargeted && !isPlanned && reg.refreshed.Load():
			// A new target that this walk has not planned yet (a literal
			// provider_name): it may still change in this run, and the re-plan
			// during apply may see its plan first (DESIGN.md, "How a re-route is planned").
			plan.Model = types.StringUnknown()
		case p != nil:
			plan.Model = types.StringValue(p.Model)
		case !retargeted:
			plan.Model = state.Model
		default:
			plan.Model = types.StringUnknown()
		}
	}
	if config.MaxTokens.IsNull() {
		plan.MaxTokens = pickInt(p != nil, providerInt(p, "max_tokens"), !retargeted, state.MaxTokens)
	}
	if config.ContextWindow.IsNull() {
		plan.ContextWindow = pickInt(p != nil, providerInt(p, "context_window"), !retargeted, state.ContextWindow)
	}
	if config.Temperature.IsNull() {
		switch {
		case p != nil:
			plan.Temperature = float64FromDecimal(p.Temperature)
		case !retargeted:
			plan.Temperature = state.Temperature
		default:
			plan.Temperature = types.Float64Unknown()
		}
	}
	// The entry's own capabilities and cost stay as they are unless configured.
	if config.Capabilities.IsNull() {
		plan.Capabilities = types.ListUnknown(types.StringType)
		if hasState {
			plan.Capabilities = state.Capabilities
		}
	}
	if config.CostPer1kTokens.IsNull() {
		plan.CostPer1kTokens = types.Float64Unknown()
		if hasState {
			plan.CostPer1kTokens = state.CostPer1kTokens
		}
	}
	switch {
	case fromRecord:
		plan.ProviderType = types.StringValue(record.Type)
	case p != nil:
		plan.ProviderType = types.StringValue(p.Type)
	case retargeted:
		plan.ProviderType = types.StringUnknown()
	default:
		plan.ProviderType = state.ProviderType
	}
	if !plan.Name.IsUnknown() {
		plan.ID = plan.Name
	}
	// An alias's revision covers its target and its own settings, not what it
	// inherits: one that is only re-routed by its provider's change keeps it.
	inherited := plan
	if fromRecord {
		inherited.Model, inherited.ProviderType = state.Model, state.ProviderType
	}
	if hasState && !retargeted && !rewrite && aliasSettingsEqual(inherited, state) {
		plan.Revision = state.Revision
	} else {
		plan.Revision = types.StringUnknown()
	}
	resp.Diagnostics.Append(setModel(ctx, &resp.Plan, &plan)...)

	if hasState && plan.Name.ValueString() == llmconfig.DefaultAlias && state.ProviderName.ValueString() != target {
		old := state.ProviderName.ValueString()
		resp.Diagnostics.AddAttributeWarning(path.Root("provider_name"), "Retargeting the Default Alias",
			fmt.Sprintf("The %q alias moves from %s to %s. Every agent that does not name a model explicitly will use the new provider for new executions; "+
				"executions already running keep the old one until they finish.", llmconfig.DefaultAlias, describeTarget(snap.Provider(old), old), describeTarget(p, target)))
	}
}

// pendingWrite reports whether the plan of alias name, configured to route to
// target, must write it because of a write of that alias that awaits its
// provider on the orchestrator (PUT with "Prefer: await-provider", listed in
// the snapshot's awaiting_aliases), and warns why:
//
//   - It awaits another provider than target: nothing in the state shows it
//     (a refresh reads the live alias), yet it would move the alias there if
//     that provider were created before the pending write's bound, a route no
//     plan showed. An apply interrupted after the alias's 202, or whose create
//     of that provider failed, leaves one behind; reverting the configuration
//     then plans no change. Any PUT of the alias replaces it, so the plan
//     writes the alias as configured.
//   - It awaits target and the state already records the alias as routing
//     there (unchanged), as after such an apply without a refresh: the alias
//     is not live as configured, so the plan is not empty (drift detection
//     with -detailed-exitcode must not pass).
//
// A pending write whose target is the configured one for an alias that the
// plan creates or retargets needs nothing more: that plan writes it anyway.
// notLive reports the second case.
func pendingWrite(diags *diag.Diagnostics, snap *client.LLMConfig, name types.String, target string, unchanged bool) (rewrite, notLive bool) {
	if name.IsUnknown() || name.IsNull() {
		return false, false
	}
	aw := snap.AwaitingAlias(name.ValueString())
	if aw == nil {
		return false, false
	}
	until := aw.Until.UTC().Format(time.RFC3339)
	live := ""
	if a := snap.Alias(aw.Alias); a != nil {
		live = fmt.Sprintf(" Until then the alias routes to provider %q.", a.Provider)
	}
	switch {
	case aw.Provider != target:
		diags.AddAttributeWarning(path.Root("provider_name"), "Pending Retarget of the Alias Will Be Canceled",
			fmt.Sprintf("The orchestrator holds a pending write of alias %q to provider %q, which does not exist yet (written with \"Prefer: %s\", for example by an earlier apply "+
				"that was interrupted or whose create of that provider failed; listed under awaiting_aliases of aegis_node).%s If a provider named %q were created before %s, "+
				"the orchestrator would move the alias there, which this configuration does not say. Applying this plan writes the alias as configured (provider %q), "+
				"which cancels the pending write.", aw.Alias, aw.Provider, adminapi.PreferAwaitProvider, live, aw.Provider, until, target))
		return true, false
	case unchanged:
		diags.AddAttributeWarning(path.Root("provider_name"), "Alias Not Live Yet",
			fmt.Sprintf("Alias %q is not live on provider %q: the orchestrator holds it as awaiting that provider, which does not exist yet, writes it in the commit that creates it, "+
				"and drops it at %s if none is created.%s The state records it as applied, so this plan writes it again: it goes live once provider %q exists "+
				"(an aegis_llm_provider with that name in this configuration creates it), and awaits it again otherwise.", aw.Alias, aw.Provider, until, live, aw.Provider))
		return true, true
	}
	return false, false
}

// checkOptionsFormat refuses, at plan, alias settings that the node's config file
// cannot hold: on a seed-format node an alias only names a provider, so a setting
// other than the provider's own value fails (one equal to it is no override).
func (r *llmAliasResource) checkOptionsFormat(ctx context.Context, diags *diag.Diagnostics, format string, config llmAliasModelV0, p *client.Provider) bool {
	o, set := config.options(ctx)
	if len(set) == 0 || format == llmconfig.FormatV1 {
		return true
	}
	var base llmconfig.Provider
	if p != nil {
		base = p.Provider
	}
	opts := llmconfig.AliasOptions{Model: o.Model, MaxTokens: o.MaxTokens, ContextWindow: o.ContextWindow, Temperature: o.Temperature, CostPer1kTokens: o.CostPer1kTokens}
	if o.Capabilities != nil {
		opts.Capabilities = *o.Capabilities
		if len(opts.Capabilities) == 0 {
			opts.Capabilities = []string{} // set, even if empty
		}
	}
	if p != nil {
		opts = opts.Normalize(base)
	} else if format == "" {
		return true // an older server: it decides at apply
	}
	ok := true
	for _, fe := range llmconfig.CheckAliasOptionsFormat(format, opts) {
		diags.AddAttributeError(path.Root(fe.Field), "Alias Setting Not Supported On This Node", fe.Field+" "+fe.Detail+".")
		ok = false
	}
	if o.Capabilities != nil && len(*o.Capabilities) == 0 && format != llmconfig.FormatV1 {
		diags.AddAttributeError(path.Root("capabilities"), "Alias Setting Not Supported On This Node",
			"capabilities exist only in an aegis/v1 node config; remove the attribute.")
		ok = false
	}
	return ok
}

func providerInt(p *client.Provider, field string) *int64 {
	if p == nil {
		return nil
	}
	if field == "max_tokens" {
		return p.MaxTokens
	}
	return p.ContextWindow
}

func pickInt(haveTarget bool, target *int64, keepState bool, state types.Int64) types.Int64 {
	switch {
	case haveTarget:
		return types.Int64PointerValue(target)
	case keepState:
		return state
	}
	return types.Int64Unknown()
}

// aliasSettingsEqual reports whether a plan keeps every setting of the state.
func aliasSettingsEqual(a, b llmAliasModelV0) bool {
	return a.Model.Equal(b.Model) && a.MaxTokens.Equal(b.MaxTokens) && a.ContextWindow.Equal(b.ContextWindow) &&
		a.Temperature.Equal(b.Temperature) && a.Capabilities.Equal(b.Capabilities) && a.CostPer1kTokens.Equal(b.CostPer1kTokens)
}

const removingDefault = "This plan removes the \"default\" alias: agents that do not name a model get it, so their new executions will fail until an alias named \"default\" exists again."

func (r *llmAliasResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.Config.Raw, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name, target := plan.Name.ValueString(), plan.ProviderName.ValueString()
	body, _ := config.options(ctx)
	body.Provider = target
	got, err := r.putAlias(ctx, name, body, client.Precondition{CreateOnly: true})
	if client.IsPreconditionFailed(err) {
		got, err = r.rewriteSettled(ctx, name, body, err)
	}
	if client.IsPreconditionFailed(err) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "LLM Alias Already Exists", alreadyExists("aegis_llm_alias", "alias", name))
		return
	} else if err != nil {
		addAliasWriteError(&resp.Diagnostics, "Error Creating LLM Alias", name, target, err)
		return
	}
	if got.Awaiting {
		setAwaiting(&resp.Diagnostics, &plan, nil, got)
		resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
		return
	}
	r.setApplied(&resp.Diagnostics, &plan, got, false)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
}

// rewriteSettled handles the 412 (err) of a create-only write of alias name
// that the plan saw only as a write awaiting body's provider (no live alias):
// an apply that failed after the alias's 202 (its provider's create failed,
// say) and is applied again creates the provider, and when Terraform does so
// before the alias, the awaiting write goes live in the provider's commit.
// That alias is this configuration's own earlier write, not another owner's:
// when it routes to the configured provider, it is written again as
// configured, conditional on its revision. Anything else keeps err.
func (r *llmAliasResource) rewriteSettled(ctx context.Context, name string, body adminapi.AliasPut, err error) (*client.Alias, error) {
	base := r.client.CachedBaseline()
	if base == nil || base.Alias(name) != nil {
		return nil, err
	}
	if aw := base.AwaitingAlias(name); aw == nil || aw.Provider != body.Provider {
		return nil, err
	}
	cur, gerr := r.client.GetAlias(ctx, name)
	if gerr != nil || cur.Provider != body.Provider {
		return nil, err
	}
	tflog.Info(ctx, "alias awaiting its provider went live before its write; writing it as configured", map[string]any{"alias": name, "provider": body.Provider})
	return r.putAlias(ctx, name, body, client.Precondition{IfMatch: cur.Revision})
}

// putAlias writes an alias. Its provider may not exist yet: in a configuration
// that names providers as literal strings (what -generate-config-out writes),
// nothing orders the provider's create before the alias's, and at
// -parallelism=1 a write that waited here for the provider would hold the
// only slot the provider's create needs. So the write asks the server to
// accept the alias as awaiting its provider (Prefer: await-provider): the
// server answers 202 at once and writes the alias in the commit that creates
// the provider (DESIGN.md, "Aliases awaiting their provider").
func (r *llmAliasResource) putAlias(ctx context.Context, name string, body adminapi.AliasPut, pre client.Precondition) (*client.Alias, error) {
	pre.AwaitProvider = true
	got, err := r.client.PutAliasWith(ctx, name, body, pre)
	if err == nil && got.Awaiting {
		tflog.Info(ctx, "alias accepted as awaiting its provider", map[string]any{"alias": name, "provider": body.Provider})
	}
	return got, err
}

// setAwaiting records an alias that the server accepted as awaiting its
// provider: what the plan knew stays; what it did not know (the provider's
// model and type, ...) is null until the refresh after the provider exists. A
// refresh while it still awaits finds no live alias and keeps this state (see
// awaitingWriteOf), so the next plan writes it again ("Alias Not Live Yet")
// rather than reporting no changes, and a destroy cancels it.
func setAwaiting(diags interface{ AddWarning(string, string) }, plan *llmAliasModelV0, prior *llmAliasModelV0, got *client.Alias) {
	plan.ID = types.StringValue(got.Name)
	plan.Revision = types.StringValue(got.Revision)
	if plan.Model.IsUnknown() {
		plan.Model = types.StringNull()
	}
	if plan.ProviderType.IsUnknown() {
		plan.ProviderType = types.StringNull()
	}
	if plan.MaxTokens.IsUnknown() {
		plan.MaxTokens = types.Int64Null()
	}
	if plan.ContextWindow.IsUnknown() {
		plan.ContextWindow = types.Int64Null()
	}
	if plan.Temperature.IsUnknown() {
		plan.Temperature = types.Float64Null()
	}
	if plan.Capabilities.IsUnknown() {
		plan.Capabilities = types.ListNull(types.StringType)
	}
	if plan.CostPer1kTokens.IsUnknown() {
		plan.CostPer1kTokens = types.Float64Null()
	}
	until := "after the server's bound"
	if got.AwaitingUntil != nil {
		until = "at " + got.AwaitingUntil.UTC().Format(time.RFC3339)
	}
	keeps := ""
	if prior != nil && prior.ProviderName.ValueString() != got.Provider {
		keeps = fmt.Sprintf(" Until then the alias keeps routing to provider %q.", prior.ProviderName.ValueString())
	}
	diags.AddWarning("Alias Awaits Its Provider",
		fmt.Sprintf("Provider %q did not exist on the orchestrator yet when alias %q was written, so the orchestrator accepted the alias as awaiting it: "+
			"it writes the alias in the same commit that creates the provider, and routes nothing to it before.%s "+
			"If this apply creates the provider (an aegis_llm_provider with name = %q), the alias is written with it; "+
			"if the alias cannot be written with that provider (say the node's format needs a setting that neither sets), the provider's create fails naming the alias, "+
			"nothing of either is written, and after you fix the alias the next apply creates both. "+
			"If nothing creates it, the orchestrator drops the alias %s, and the next plan shows the alias again as a change to apply. "+
			"Referencing the provider (provider_name = aegis_llm_provider.<label>.name) orders the two and lets the plan check the target.",
			got.Provider, got.Name, keeps, got.Provider, until))
}

// setApplied records the server's answer. The model and type behind the alias are
// those of the plan when the plan knew them: the target provider may itself have
// been changed earlier in this apply, which the next refresh records (with a
// warning now, rather than an "inconsistent result" error). When the plan took
// them from the record of the target's planned change (fromRecord), they are what
// the target's own apply in this run makes them, applied before or after this
// alias: no warning for them.
func (r *llmAliasResource) setApplied(diags interface{ AddWarning(string, string) }, plan *llmAliasModelV0, got *client.Alias, fromRecord bool) {
	planned := *plan
	plan.fromAPI(got)
	changed := false
	keep := func(p, g attr.Value) bool { return !p.IsUnknown() && !p.Equal(g) }
	if (!fromRecord && (keep(planned.Model, plan.Model) || keep(planned.ProviderType, plan.ProviderType))) || keep(planned.MaxTokens, plan.MaxTokens) ||
		keep(planned.ContextWindow, plan.ContextWindow) || keep(planned.Temperature, plan.Temperature) {
		changed = true
	}
	if changed {
		diags.AddWarning("Alias Target Changed During Apply",
			fmt.Sprintf("Alias %q now routes to provider %q with model %s (%s); the plan showed %s (%s) because the provider was changed in the same apply. The next refresh records the new values.",
				got.Name, got.Provider, got.Model, got.ProviderType, planned.Model.ValueString(), planned.ProviderType.ValueString()))
	}
	// Planned values that were known stay (Terraform requires it); the next
	// refresh records the server's.
	if !planned.Model.IsUnknown() {
		plan.Model = planned.Model
	}
	if !planned.ProviderType.IsUnknown() {
		plan.ProviderType = planned.ProviderType
	}
	if !planned.MaxTokens.IsUnknown() {
		plan.MaxTokens = planned.MaxTokens
	}
	if !planned.ContextWindow.IsUnknown() {
		plan.ContextWindow = planned.ContextWindow
	}
	if !planned.Temperature.IsUnknown() {
		plan.Temperature = planned.Temperature
	}
	if !planned.Capabilities.IsUnknown() {
		plan.Capabilities = planned.Capabilities
	}
	if !planned.CostPer1kTokens.IsUnknown() {
		plan.CostPer1kTokens = planned.CostPer1kTokens
	}
}

func (r *llmAliasResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	snap, err := r.client.Snapshot(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Reading LLM Alias",
			fmt.Sprintf("Could not read alias %q: %s", state.Name.ValueString(), explainError(err)))
		return
	}
	warnFileEdit(&resp.Diagnostics, r.client, snap.FileEdit)
	a := snap.Alias(state.Name.ValueString())
	if a == nil {
		if awaitingWriteOf(snap, state) {
			// Not live, but this state's own write awaiting its provider: kept,
			// so that the plan shows it is not live ("Alias Not Live Yet") and a
			// destroy cancels it (a DELETE with its revision) instead of leaving
			// it to go live if the provider appears before its bound.
			registryFor(r.client).markRefreshed()
			resp.Diagnostics.Append(setPlannedTarget(ctx, resp.Private, nil)...)
			return
		}
		resp.State.RemoveResource(ctx)
		return
	}
	state.fromAPI(a)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
	// In a plan walk, record the planned change of the alias's target, if this
	// walk planned one already (see alias_stash.go); otherwise drop an old record.
	reg := registryFor(r.client)
	reg.markRefreshed()
	var record *plannedTarget
	if base, err := r.client.Baseline(ctx); err == nil {
		record = plannedTargetOf(a, reg, base)
	}
	resp.Diagnostics.Append(setPlannedTarget(ctx, resp.Private, record)...)
}

func (r *llmAliasResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	resp.Diagnostics.Append(getModel(ctx, req.Config.Raw, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name, target := plan.Name.ValueString(), plan.ProviderName.ValueString()
	// The record of the target's planned change that the plan used, if any; it
	// ends with this apply.
	record := getPlannedTarget(ctx, req.Private)
	fromRecord := record != nil && config.Model.IsNull() && record.Provider == target && plan.Model.Equal(types.StringValue(record.Model))
	resp.Diagnostics.Append(setPlannedTarget(ctx, resp.Private, nil)...)
	if fromRecord && reroutedOnly(plan, state) {
		// Only the provider changed: applying it re-routes the alias; the alias
		// itself has nothing to write.
		resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
		return
	}
	body, _ := config.options(ctx)
	body.Provider = target
	pre := updatePrecondition(r.client.CachedBaseline(), name, state.Revision.ValueString())
	got, err := r.putAlias(ctx, name, body, pre)
	if pre.CreateOnly && client.IsPreconditionFailed(err) {
		got, err = r.rewriteSettled(ctx, name, body, err)
	}
	if client.IsPreconditionFailed(err) {
		resp.Diagnostics.AddError("LLM Alias Changed Outside This Run",
			fmt.Sprintf("Alias %q was changed or deleted on the orchestrator after this plan was made, so it was not overwritten. "+
				"Run `terraform plan` again to see the current mapping, then apply. (%s)", name, err))
		return
	} else if err != nil {
		addAliasWriteError(&resp.Diagnostics, "Error Updating LLM Alias", name, target, err)
		return
	}
	if got.Awaiting {
		setAwaiting(&resp.Diagnostics, &plan, &state, got)
		resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
		return
	}
	r.setApplied(&resp.Diagnostics, &plan, got, fromRecord)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
}

// awaitingWriteOf reports whether state records exactly the write of its alias
// that awaits its provider in snap (the state an apply leaves after a 202).
func awaitingWriteOf(snap *client.LLMConfig, state llmAliasModelV0) bool {
	aw := snap.AwaitingAlias(state.Name.ValueString())
	return aw != nil && aw.Provider == state.ProviderName.ValueString() && aw.Revision == state.Revision.ValueString()
}

// updatePrecondition is the precondition of an update's PUT: the revision in
// state. A state whose revision is that of a write still awaiting its provider
// (a 202, not refreshed since, as with -refresh=false) names no live alias, so
// the PUT is conditional on the live alias the plan saw (base, the client's
// baseline, which the alias's plan read) instead, or on there being none.
func updatePrecondition(base *client.LLMConfig, name, rev string) client.Precondition {
	if base == nil {
		return client.Precondition{IfMatch: rev}
	}
	if aw := base.AwaitingAlias(name); aw == nil || aw.Revision != rev {
		return client.Precondition{IfMatch: rev}
	}
	if a := base.Alias(name); a != nil {
		return client.Precondition{IfMatch: a.Revision}
	}
	return client.Precondition{CreateOnly: true}
}

// reroutedOnly reports whether an update plan changes nothing of the alias
// itself: same name, target and revision, every value known.
func reroutedOnly(plan, state llmAliasModelV0) bool {
	for _, v := range []attr.Value{plan.Model, plan.ProviderType, plan.MaxTokens, plan.ContextWindow, plan.Temperature, plan.Capabilities, plan.CostPer1kTokens, plan.Revision} {
		if v.IsUnknown() {
			return false
		}
	}
	return plan.Name.Equal(state.Name) && plan.ProviderName.Equal(state.ProviderName) && plan.Revision.Equal(state.Revision)
}

func (r *llmAliasResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name, rev := state.Name.ValueString(), state.Revision.ValueString()
	_, err := r.client.DeleteAlias(ctx, name, client.Precondition{IfMatch: rev})
	if client.IsPreconditionFailed(err) {
		err = goneOrChanged(err, func() (string, error) {
			a, err := r.client.GetAlias(ctx, name)
			return a.Revision, err
		})
		if e := (*changedError)(nil); errors.As(err, &e) {
			resp.Diagnostics.AddError("LLM Alias Changed Outside This Run",
				fmt.Sprintf("Alias %q was changed on the orchestrator after it was last read (revision %s in state, %s there), so it was not deleted. "+
					"Run `terraform plan` (or `terraform destroy` again, which refreshes first) to see the change, then apply.", name, rev, e.current))
			return
		}
	}
	if err != nil && !client.IsNotFound(err) {
		resp.Diagnostics.AddError("Error Deleting LLM Alias", fmt.Sprintf("Alias %q: %s", name, explainError(err)))
	}
}

func (r *llmAliasResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if err := llmconfig.CheckName(req.ID); err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("The import ID is the alias name, which %s.", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

func addAliasWriteError(diags diagAdder, summary, name, target string, err error) {
	e, ok := client.AsAPIError(err)
	if client.IsProviderDeleting(err) {
		diags.AddError(summary, fmt.Sprintf("Alias %q cannot be pointed at provider %q: the provider is being deleted (it waits for its last aliases to leave), so nothing was changed. "+
			"Point the alias at another provider, or declare the provider in this configuration (an aegis_llm_provider with name = %q) so that applying it cancels the deletion. (%s)",
			name, target, target, err))
		return
	}
	if ok && client.IsValidation(err) {
		for _, fe := range e.Errors {
			if fe.Field == llmconfig.FieldAliasProvider {
				diags.AddError(summary, fmt.Sprintf("Alias %q targets provider %q, which does not exist on the orchestrator, and the orchestrator did not accept the alias as awaiting it "+
					"(its admin server predates \"Prefer: %s\"), so the alias was not changed. "+
					"Reference the provider (provider_name = aegis_llm_provider.<label>.name) so that Terraform creates it first, or point the alias at an existing provider. (%s)",
					name, target, adminapi.PreferAwaitProvider, err))
				return
			}
		}
		diags.AddError(summary, fmt.Sprintf("The orchestrator refused alias %q; nothing was changed:%s", name,
			fieldErrorsDetail(e, map[string]string{llmconfig.FieldAliasProvider: "provider_name"})))
		return
	}
	diags.AddError(summary, fmt.Sprintf("Alias %q: %s", name, explainError(err)))
}
