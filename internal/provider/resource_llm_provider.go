package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	_ resource.Resource                   = (*llmProviderResource)(nil)
	_ resource.ResourceWithConfigure      = (*llmProviderResource)(nil)
	_ resource.ResourceWithImportState    = (*llmProviderResource)(nil)
	_ resource.ResourceWithValidateConfig = (*llmProviderResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*llmProviderResource)(nil)
)

// NewLLMProviderResource returns the aegis_llm_provider resource.
func NewLLMProviderResource() resource.Resource { return &llmProviderResource{} }

type llmProviderResource struct {
	client *client.Client
}

func (r *llmProviderResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_llm_provider"
}

func (r *llmProviderResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = llmProviderResourceSchemaV0()
}

// llmProviderResourceSchemaV0 is the schema of aegis_llm_provider. The data sources
// derive theirs from it (dataSourceAttributes), descriptions included.
func llmProviderResourceSchemaV0() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "An LLM provider in the orchestrator's `llm.providers`: an adapter type, a model and a credential reference. " +
			"Aliases (`aegis_llm_alias`) point agents at providers. Every change is applied as a graceful reload. " +
			"Renaming or removing a provider that aliases still route to works in one apply: the orchestrator keeps it, marked deleting, until the last alias has moved or been deleted.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The provider's name (import ID).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Internal identifier of the provider, referenced by aliases. 1-63 characters of lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit. Changing it replaces the provider.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Provider adapter: one of `" + strings.Join(llmconfig.ProviderTypes, "`, `") + "`.",
				Required:            true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Credential **reference**, never a key: `env:VAR_NAME` (an environment variable of the orchestrator) or `vault:path/to/secret` with an optional `#field` (an OpenBao secret). " +
					"A literal key is refused at plan time. Required for every type except `ollama`. " +
					"An imported provider whose file entry holds a literal key reads as null here (`credential_source = \"literal\"`); setting a reference replaces the literal in the file.",
				Optional: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Override of the provider's API endpoint, an absolute `http(s)://` URL. Required for `ollama` and for Azure OpenAI (together with `api_version`).",
				Optional:            true,
			},
			"model": schema.StringAttribute{
				MarkdownDescription: "Model identifier as the provider's API accepts it, e.g. `gpt-4o` or `claude-3-5-haiku-20241022`.",
				Required:            true,
			},
			"max_tokens": schema.Int64Attribute{
				MarkdownDescription: "Maximum tokens in a completion. A positive integer, at most `context_window` when both are set.",
				Optional:            true,
			},
			"context_window": schema.Int64Attribute{
				MarkdownDescription: "The model's context window in tokens, used for truncation decisions. A positive integer.",
				Optional:            true,
			},
			"temperature": schema.Float64Attribute{
				MarkdownDescription: "Sampling temperature between `0.0` and `2.0`. Unset means the provider's default.",
				Optional:            true,
			},
			"api_version": schema.StringAttribute{
				MarkdownDescription: "API version string, required for Azure OpenAI (e.g. `2024-02-01`); needs `base_url`.",
				Optional:            true,
			},
			"credential_source": schema.StringAttribute{
				MarkdownDescription: "Where the orchestrator resolves `api_key`: `env` or `vault`; `literal` for a key written into the node config file by hand (imported providers), which is never read into Terraform: set `api_key` to a reference and apply to replace it. Null without `api_key`.",
				Computed:            true,
			},
			"credential_status": schema.StringAttribute{
				MarkdownDescription: "Whether the admin server can resolve `api_key`: `resolved`, `missing` (the variable or secret does not exist) or `unchecked` (a vault reference without OpenBao configured). " +
					"`env:` references are checked against the admin server's environment, so run it with the daemon's environment (as a sidecar does) for this to speak for the orchestrator. " +
					"The value itself is never read into Terraform.",
				Computed: true,
			},
			"revision": schema.StringAttribute{
				MarkdownDescription: "Revision of the provider on the orchestrator; updates are conditional on it, so changes made outside this run are never overwritten silently.",
				Computed:            true,
			},
		},
	}
}

func (r *llmProviderResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig runs the orchestrator's own rules (internal/llmconfig) at plan
// time, on every value that is already known.
func (r *llmProviderResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m llmProviderModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Config.Raw, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, attr := range m.emptyStrings() {
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Empty "+attr,
			attr+" is set to an empty string. Remove the attribute (or set it to null) to leave it unset.")
	}
	for _, fe := range llmconfig.ValidateProvider(m.toAPI(), m.known()) {
		if fe.Field == llmconfig.FieldAPIKey {
			// Attached to the resource, not to api_key: Terraform prints the source
			// line of an attribute's error, and that line may hold a literal key.
			resp.Diagnostics.AddError("Invalid api_key", "api_key "+fe.Detail+". (The value is not shown here, so that it does not reach terminals and CI logs.)")
			continue
		}
		resp.Diagnostics.AddAttributeError(path.Root(fe.Field), "Invalid "+fe.Field, fe.Field+" "+fe.Detail+".")
	}
}

// ModifyPlan does three things at plan time:
//   - it refuses to create a provider whose name is already taken on the
//     orchestrator (that one has to be imported, never silently taken over; a
//     retry of a create whose answer was lost is resolved by the server through
//     the write's idempotency key);
//   - it fills in the computed values that follow from the configuration (id,
//     revision, credential_source), so plans show only real changes;
//   - it warns when a change of model or type re-routes aliases that point here.
//
// It reads the client's baseline snapshot, so that Terraform's re-plan during
// apply sees what the plan saw.
func (r *llmProviderResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var plan, state llmProviderModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Plan.Raw, &plan)...)
	hasState := !req.State.Raw.IsNull()
	if hasState {
		resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	}
	if resp.Diagnostics.HasError() || plan.Name.IsUnknown() {
		return
	}
	if hasState && state.CredentialSource.ValueString() == string(llmconfig.SourceLiteral) {
		resp.Diagnostics.AddAttributeWarning(path.Root("api_key"), "Literal API Key in the Node Config",
			literalKeyWarning(plan.Name.ValueString(), plan.APIKey))
	}
	reg := registryFor(r.client)
	name := plan.Name.ValueString()
	// A replacement is planned twice: first against the old object (whose name
	// differs), then as a create; count it once.
	if !hasState || state.Name.Equal(plan.Name) {
		if n := reg.manage("provider", name); n > 1 {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Duplicate LLM Provider Name",
				fmt.Sprintf("Another aegis_llm_provider of this configuration also has name = %q, so both would manage the same provider on the orchestrator. "+
					"Terraform shows this one's address above; remove one of the two or give it another name.", name))
			return
		}
	}
	if plan.allKnown() {
		p := plan.toAPI()
		reg.planProvider(name, plannedProvider{Model: p.Model, Type: p.Type, Revision: p.Revision(),
			Changes: !hasState || state.Model.ValueString() != p.Model || state.Type.ValueString() != p.Type})
	}
	if hasState && plan.toAPI().Equal(state.toAPI()) && plan.allKnown() {
		return // no change
	}
	snap, err := r.client.Baseline(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Reading LLM Providers", "Could not read the orchestrator's providers for the plan: "+explainError(err))
		return
	}
	warnFileEdit(&resp.Diagnostics, r.client, snap.FileEdit)
	if !plan.APIKey.IsUnknown() {
		// What the node's daemon resolves depends on its config file's format.
		warning, cerr := llmconfig.CheckCredentialFormat(snap.Format, plan.APIKey.ValueString())
		if cerr != nil {
			resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Invalid api_key", "api_key "+cerr.Error()+".")
			return
		}
		if warning != "" {
			resp.Diagnostics.AddAttributeWarning(path.Root("api_key"), "Credential Reference Not Resolved By Every Daemon", warning+".")
		}
	}
	if existing := snap.Provider(plan.Name.ValueString()); !hasState && existing != nil && !existing.Deleting {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "LLM Provider Already Exists", alreadyExists("aegis_llm_provider", "provider", existing.Name))
		return
	}
	if !plan.allKnown() {
		return
	}
	want := plan.toAPI()
	plan.ID = plan.Name
	plan.Revision = types.StringValue(want.Revision())
	plan.CredentialSource, plan.CredentialStatus = types.StringNull(), types.StringNull()
	if ref, err := llmconfig.ParseCredentialRef(want.APIKey); err == nil {
		plan.CredentialSource = types.StringValue(string(ref.Source))
		plan.CredentialStatus = types.StringUnknown()
		if hasState && state.APIKey.Equal(plan.APIKey) {
			plan.CredentialStatus = state.CredentialStatus // re-checked on apply; a change is reported then
		}
	}
	resp.Diagnostics.Append(setModel(ctx, &resp.Plan, &plan)...)

	if hasState && (state.Model.ValueString() != want.Model || state.Type.ValueString() != want.Type) {
		var aliases []string
		for _, a := range snap.Aliases {
			if a.Provider == want.Name {
				aliases = append(aliases, a.Name)
			}
		}
		if len(aliases) > 0 {
			resp.Diagnostics.AddAttributeWarning(path.Root("model"), "Aliases Re-routed",
				fmt.Sprintf("Aliases %s route to provider %q: after apply their new executions use %s model %s instead of %s model %s; running executions keep the old one.%s",
					strings.Join(aliases, ", "), want.Name, want.Type, want.Model, state.Type.ValueString(), state.Model.ValueString(), defaultNote(aliases)))
		}
	}
}

// literalKeyWarning tells the user that a provider's api_key in the node config
// file is a literal key (which the admin API never returns, so it is not in
// state) and how to replace it.
func literalKeyWarning(name string, planned types.String) string {
	msg := fmt.Sprintf("Provider %q has a literal API key in the orchestrator's config file. The admin server never returns it, so it is not in Terraform state. "+
		"The key should become a reference: set api_key to \"env:VAR_NAME\" (an environment variable of the orchestrator) or \"vault:path/to/secret#field\" (an OpenBao secret); applying it replaces the literal key in the file.", name)
	if ref, err := llmconfig.ParseCredentialRef(planned.ValueString()); err == nil && !planned.IsUnknown() {
		msg += fmt.Sprintf(" This plan does that: api_key becomes %q.", ref.String())
	}
	return msg
}

// defaultNote stresses the default alias among re-routed ones.
func defaultNote(aliases []string) string {
	for _, a := range aliases {
		if a == llmconfig.DefaultAlias {
			return " This includes \"default\": every agent that does not name a model is affected."
		}
	}
	return ""
}

// alreadyExists explains how to take over an object that exists outside this
// state: import it. The provider does not know the resource's address, which
// Terraform prints above the message ("with ..."), so the block names it so.
func alreadyExists(resourceType, kind, name string) string {
	return fmt.Sprintf("The orchestrator already has a %s named %q, which this Terraform state does not manage, so it was not changed. "+
		"A create never takes over an existing object. If this configuration should manage it, import it: add this block, "+
		"with the address from the \"with\" line above as `to`, and apply again:\n\n"+
		"import {\n  to = %s.<label>\n  id = %q\n}\n\n"+
		"Otherwise choose another name. If another Terraform state manages it, change it there instead.",
		kind, name, resourceType, name)
}

func (r *llmProviderResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan llmProviderModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Plan.Raw, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	want := plan.toAPI()
	got, err := r.client.PutProvider(ctx, want, client.Precondition{CreateOnly: true})
	if client.IsPreconditionFailed(err) {
		// A retry of this create whose first answer was lost is answered by the
		// server through its idempotency key; a 412 means somebody else's object.
		resp.Diagnostics.AddAttributeError(path.Root("name"), "LLM Provider Already Exists", alreadyExists("aegis_llm_provider", "provider", want.Name))
		return
	} else if err != nil {
		addProviderWriteError(&resp.Diagnostics, "Error Creating LLM Provider", want.Name, err)
		return
	}
	setAppliedProvider(&resp.Diagnostics, &plan, got)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
}

func (r *llmProviderResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state llmProviderModelV0
	resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	snap, err := r.client.Snapshot(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error Reading LLM Provider",
			fmt.Sprintf("Could not read provider %q: %s", state.Name.ValueString(), explainError(err)))
		return
	}
	warnFileEdit(&resp.Diagnostics, r.client, snap.FileEdit)
	p := snap.Provider(state.Name.ValueString())
	if p == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	state.fromAPI(p)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &state)...)
}

func (r *llmProviderResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state llmProviderModelV0
	resp.Diagnostics.Append(getModel(ctx, req.Plan.Raw, &plan)...)
	resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	want := plan.toAPI()
	got, err := r.client.PutProvider(ctx, want, client.Precondition{IfMatch: state.Revision.ValueString()})
	if client.IsPreconditionFailed(err) {
		resp.Diagnostics.AddError("LLM Provider Changed Outside This Run",
			fmt.Sprintf("Provider %q was changed or deleted on the orchestrator after this plan was made (expected revision %s), so it was not overwritten. "+
				"Run `terraform plan` again to see the current state, then apply. (%s)", want.Name, state.Revision.ValueString(), err))
		return
	} else if err != nil {
		addProviderWriteError(&resp.Diagnostics, "Error Updating LLM Provider", want.Name, err)
		return
	}
	setAppliedProvider(&resp.Diagnostics, &plan, got)
	resp.Diagnostics.Append(setModel(ctx, &resp.State, &plan)...)
}

func (r *llmProviderResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state llmProviderModelV0
	resp.Diagnostics.Append(getModel(ctx, req.State.Raw, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name, rev := state.Name.ValueString(), state.Revision.ValueString()
	// The deferred form: when aliases still route here — typically aliases this
	// same apply retargets or deletes next, which Terraform may order after
	// this delete — the provider is marked deleting and the orchestrator removes
	// it in the commit in which the last of them leaves. Waiting for that here
	// could wait for the very aliases that wait for this delete.
	got, err := r.client.DeleteProvider(ctx, name, client.Precondition{IfMatch: rev, Deferred: true})
	if client.IsPreconditionFailed(err) {
		err = goneOrChanged(err, func() (string, error) {
			p, err := r.client.GetProvider(ctx, name)
			return p.Revision, err
		})
		if e := (*changedError)(nil); errors.As(err, &e) {
			resp.Diagnostics.AddError("LLM Provider Changed Outside This Run",
				fmt.Sprintf("Provider %q was changed on the orchestrator after it was last read (revision %s in state, %s there), so it was not deleted. "+
					"Run `terraform plan` (or `terraform destroy` again, which refreshes first) to see the change, then apply.", name, rev, e.current))
			return
		}
	}
	switch {
	case err == nil && got != nil && got.Deleting:
		resp.Diagnostics.AddWarning("LLM Provider Deletion Pending",
			fmt.Sprintf("Provider %q is still the target of alias(es) %s, so the orchestrator keeps serving it to them and deletes it in the commit in which the last of them "+
				"points elsewhere or is deleted. If this apply changes them, that happens during this apply. If they are managed elsewhere, the provider stays until they move: "+
				"pending deletions are listed in data.aegis_node's pending_deletions and in GET /v1/admin/status. Applying this provider again cancels the deletion.",
				name, strings.Join(got.Aliases, ", ")))
	case err == nil, client.IsNotFound(err):
	default:
		addProviderWriteError(&resp.Diagnostics, "Error Deleting LLM Provider", name, err)
	}
}

func (r *llmProviderResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if err := llmconfig.CheckName(req.ID); err != nil {
		resp.Diagnostics.AddError("Invalid Import ID", fmt.Sprintf("The import ID is the provider's name, which %s.", err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}

// setAppliedProvider records the server's answer to a write. A credential status
// the plan carried over from state, but that changed on the orchestrator, is kept as
// planned (the next refresh records it) and reported; an unresolvable credential is
// reported too, since executions routed to the provider would fail.
func setAppliedProvider(diags interface{ AddWarning(string, string) }, plan *llmProviderModelV0, got *client.Provider) {
	planned := plan.CredentialStatus
	plan.fromAPI(got)
	if !planned.IsUnknown() && !planned.IsNull() && !planned.Equal(plan.CredentialStatus) {
		diags.AddWarning("Credential Status Changed",
			fmt.Sprintf("The credential of provider %q is now %s on the orchestrator (it was %s); the next refresh records it.",
				got.Name, plan.CredentialStatus.ValueString(), planned.ValueString()))
		plan.CredentialStatus = planned
	}
	if got.Credential != nil && got.Credential.Status == "missing" {
		diags.AddWarning("LLM Provider Credential Not Resolvable",
			fmt.Sprintf("Provider %q takes its key from %s, which the admin server cannot resolve: executions routed to it will fail. "+
				"Set that variable in the orchestrator's environment (or create the OpenBao secret), or fix the reference.", got.Name, got.APIKey))
	}
}

// addProviderWriteError turns a failed write into a diagnostic a user can act on.
func addProviderWriteError(diags diagAdder, summary, name string, err error) {
	e, ok := client.AsAPIError(err)
	switch {
	case ok && client.IsValidation(err):
		// The detail says why (say an alias that awaited this provider cannot be
		// written with it, and was dropped); the server's details and field
		// errors name fields and objects, never a credential's value.
		detail := strings.TrimSpace(e.Detail)
		if detail == "" {
			detail = "nothing was changed."
		}
		diags.AddError(summary, fmt.Sprintf("The orchestrator refused provider %q: %s%s", name, detail, fieldErrorsDetail(e, nil)))
	default:
		diags.AddError(summary, fmt.Sprintf("Provider %q: %s", name, explainError(err)))
	}
}
