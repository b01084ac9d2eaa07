package provider

import (
	"fmt"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
)

// diagAdder is the part of diag.Diagnostics the error helpers need.
type diagAdder interface {
	AddError(summary, detail string)
}

// explainError says what to do about an admin API error that is not specific to
// one resource: authentication, authorization, a failed reload, a network problem.
func explainError(err error) string {
	switch {
	case client.IsUnauthorized(err):
		return fmt.Sprintf("the orchestrator rejected the admin token (401). Check the provider's token (or %s): it must be the admin API token of this orchestrator. (%s)", EnvToken, err)
	case client.IsForbidden(err):
		return fmt.Sprintf("the admin token may only read (403). Planning works with a read-only token; applying needs the read-write admin token. (%s)", err)
	case client.IsFileChanged(err):
		return fmt.Sprintf("the orchestrator's config file was edited by hand and that edit is not live yet, so nothing was written (it would undo the edit). "+
			"Make the edit live (POST /v1/admin/reload on the admin server, or SIGHUP), run `terraform plan` to see it, then apply. (%s)", err)
	case client.IsReloadFailed(err):
		return fmt.Sprintf("the orchestrator's reload failed, so the change was rolled back and the previous configuration stays live. Fix the cause (the reload command's output is in the admin server's log) and apply again. (%s)", err)
	}
	if _, ok := client.AsAPIError(err); ok {
		return err.Error()
	}
	if client.IsTimeout(err) {
		return fmt.Sprintf("the AEGIS admin API did not answer within request_timeout: %s. Check that the endpoint is the admin API; raise request_timeout if the orchestrator's reloads take longer.", err)
	}
	return fmt.Sprintf("could not reach the AEGIS admin API: %s. Check endpoint, network access and TLS settings (ca_cert_pem).", err)
}
