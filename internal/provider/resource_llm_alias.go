package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

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
				MarkdownDescription: "Name of the `aegis_llm_provider` this alias routes to. Reference `aegis_llm_provider.<x>.name` so Terraform creates the provider first and retargets the alias before deleting a provider.",
				Required:            true,
			},
			"model": schema.StringAttribute{
				MarkdownDescription: "Model behind the alias: the target provider's `model`. Shown in the plan when the target already exists, so a review sees what a retarget really changes.",
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
	if !hasState && !plan.Name.IsUnknown() {
		if snap, err := r.client.Baseline(ctx); err == nil {
			if a := snap.Alias(plan.Name.ValueString()); a != nil {
				if a.Provider != target {
					resp.Diagnostics.AddAttributeError(path.Root("name"), "LLM Alias Already Exists", alreadyExists("aegis_llm_alias", "alias", a.Name))
					return
				}
				resp.Diagnostics.AddAttributeWarning(path.Root("name"), "Adopting Existing LLM Alias",
					fmt.Sprintf("The orchestrator already has alias %q pointing to %q; apply adopts it instead of creating it.", a.Name, a.Provider))
			}
		}
	}
	if hasState && state.ProviderName.ValueString() == target && state.Name.Equal(plan.Name) {
		// Not retargeted: what it routes to is what the last refresh saw.
		plan.Model, plan.ProviderType = state.Model, state.ProviderType
		resp.Diagnostics.Append(setModel(ctx, &resp.Plan, &plan)...)
		return
	}
	snap, err := r.client.Baseline(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Reading Alias Target",
			fmt.Sprintf("The plan shows the model behind provider %q, which could not be read: %s", target, explainError(err)))
		return
	}
	warnFileEdit(&resp.Diagnostics, r.client, snap.FileEdit)
	if !plan.Name.IsUnknown() {
		plan.ID = plan.Name
		plan.Revision = types.StringValue(llmconfig.AliasRevision(plan.Name.ValueString(), target))
	}
	p := snap.Provider(target)
	if p != nil {
		plan.Model = types.StringValue(p.Model)
		plan.ProviderType = types.StringValue(p.Type)
	} else {
		plan.Model, plan.ProviderType = types.StringUnknown(), types.StringUnknown()
	}
	resp.Diagnostics.Append(setModel(ctx, &resp.Plan, &plan)...)

	if hasState && plan.Name.ValueString() == llmconfig.DefaultAlias && state.ProviderName.ValueString() != target {
		old := state.ProviderName.ValueString()
		resp.Diagnostics.AddAttributeWarning(path.Root("provider_name"), "Retargeting the Default Alias",
			fmt.Sprintf("The %q alias moves from %s to %s. Every agent that does not name a model explicitly will use the new provider for new executions; "+
				"executions already running keep the old one until they finish.", llmconfig.DefaultAlias, describeTarget(snap.Provider(old), old), describeTarget(p, target)))
	}
}

const removingDefault = "This plan removes the \"default\" alias: agents that do not name a model get it, so their new executions will fail until an alias named \"default\" exists again."

func (r *llmAliasResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Plan.Raw, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name, target := plan.Name.ValueString(), plan.ProviderName.ValueString()
	got, err := r.client.PutAlias(ctx, name, target, client.Precondition{CreateOnly: true})
	if client.IsPreconditionFailed(err) {
		got, err = r.adoptIfEqual(ctx, name, target)
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "LLM Alias Already Exists",
				fmt.Sprintf("An alias named %q already exists on the orchestrator and %s. Import it with `terraform import aegis_llm_alias.<name> %s` (or an import block) to manage it.", name, err, name))
			return
		}
	} else if err != nil {
		addAliasWriteError(&resp.Diagnostics, "Error Creating LLM Alias", name, target, err)
		return
	}
	r.setApplied(&resp.Diagnostics, &plan, got)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
}

func (r *llmAliasResource) adoptIfEqual(ctx context.Context, name, target string) (*client.Alias, error) {
	cur, err := r.client.GetAlias(ctx, name)
	if err != nil {
		if client.IsNotFound(err) {
			return nil, fmt.Errorf("was deleted meanwhile")
		}
		return nil, err
	}
	if cur.Provider != target {
		return nil, fmt.Errorf("points to provider %q, not %q", cur.Provider, target)
	}
	return cur, nil
}

// setApplied records the server's answer. The model and type behind the alias are
// those of the plan when the plan knew them: the target provider may itself have
// been changed earlier in this apply, which the next refresh records (with a
// warning now, rather than an "inconsistent result" error).
func (r *llmAliasResource) setApplied(diags interface{ AddWarning(string, string) }, plan *llmAliasModelV0, got *client.Alias) {
	plannedModel, plannedType := plan.Model, plan.ProviderType
	plan.fromAPI(got)
	if !plannedModel.IsUnknown() && !plannedModel.Equal(plan.Model) || !plannedType.IsUnknown() && !plannedType.Equal(plan.ProviderType) {
		diags.AddWarning("Alias Target Changed During Apply",
			fmt.Sprintf("Alias %q now routes to provider %q with model %s (%s); the plan showed %s (%s) because the provider was changed in the same apply. The next refresh records the new values.",
				got.Name, got.Provider, got.Model, got.ProviderType, plannedModel.ValueString(), plannedType.ValueString()))
		plan.Model, plan.ProviderType = plannedModel, plannedType
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
		resp.State.RemoveResource(ctx)
		return
	}
	state.fromAPI(a)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
}

func (r *llmAliasResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state llmAliasModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name, target := plan.Name.ValueString(), plan.ProviderName.ValueString()
	got, err := r.client.PutAlias(ctx, name, target, client.Precondition{IfMatch: state.Revision.ValueString()})
	if client.IsPreconditionFailed(err) {
		got, err = r.adoptIfEqual(ctx, name, target)
		if err != nil {
			resp.Diagnostics.AddError("LLM Alias Changed Outside This Run",
				fmt.Sprintf("Alias %q was changed on the orchestrator after this plan was made (it %s), so it was not overwritten. "+
					"Run `terraform plan` again to see the current mapping, then apply.", name, err))
			return
		}
	} else if err != nil {
		addAliasWriteError(&resp.Diagnostics, "Error Updating LLM Alias", name, target, err)
		return
	}
	r.setApplied(&resp.Diagnostics, &plan, got)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
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
	if ok && client.IsValidation(err) {
		for _, fe := range e.Errors {
			if fe.Field == llmconfig.FieldAliasProvider {
				diags.AddError(summary, fmt.Sprintf("Alias %q targets provider %q, which does not exist on the orchestrator, so the alias was not changed. "+
					"Create the provider first (reference aegis_llm_provider.<x>.name in provider_name so Terraform orders it) or point the alias at an existing provider. (%s)",
					name, target, err))
				return
			}
		}
		diags.AddError(summary, fmt.Sprintf("The orchestrator refused alias %q; nothing was changed:%s", name,
			fieldErrorsDetail(e, map[string]string{llmconfig.FieldAliasProvider: "provider_name"})))
		return
	}
	diags.AddError(summary, fmt.Sprintf("Alias %q: %s", name, explainError(err)))
}
