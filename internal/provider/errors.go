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

// changedError is a conditional delete refused because the object changed since
// it was last read.
type changedError struct {
	current string // the object's revision now
	cause   error  // the 412
}

func (e *changedError) Error() string {
	return "changed to revision " + e.current + ": " + e.cause.Error()
}
func (e *changedError) Unwrap() error { return e.cause }

// goneOrChanged explains a 412 to a DELETE with If-Match, looking the object up
// with get: nil when it no longer exists (an earlier attempt of this delete was
// committed and its answer lost, or someone else deleted it: either way it is
// gone), a *changedError when it exists with another revision, or get's error.
func goneOrChanged(cause error, get func() (revision string, err error)) error {
	rev, err := get()
	switch {
	case client.IsNotFound(err):
		return nil
	case err != nil:
		return err
	}
	return &changedError{current: rev, cause: cause}
}
