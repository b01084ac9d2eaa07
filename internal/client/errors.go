package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// APIError is a non-2xx answer of the admin API, decoded from application/problem+json
// when the server sent one.
type APIError struct {
	Method string
	Path   string
	// Status is the HTTP status of the answer (the body's own status is ignored).
	Status int
	// Problem is the problem document (type, title, detail, errors[] and the
	// extensions); empty but for Title when the body was not one.
	adminapi.Problem
}

func newAPIError(method, path string, resp *http.Response, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: resp.StatusCode}
	if len(body) == 0 || json.Unmarshal(body, &e.Problem) != nil {
		e.Problem = adminapi.Problem{}
	}
	if e.Title == "" {
		e.Title = http.StatusText(resp.StatusCode)
	}
	return e
}

// DecodeProblem decodes a problem+json body for the given status. It is exported
// for fuzzing and for tests.
func DecodeProblem(status int, body []byte) *APIError {
	return newAPIError("", "", &http.Response{StatusCode: status}, body)
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.Status, e.Title)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	for _, fe := range e.Errors {
		fmt.Fprintf(&b, "; %s %s", fe.Field, fe.Detail)
	}
	return b.String()
}

// TimeoutError is a request whose attempt got no answer within Config.Timeout
// (attempts that time out are not retried).
type TimeoutError struct {
	Method, URL string
	Err         error
}

func (e *TimeoutError) Error() string { return e.Method + " " + e.URL + ": " + e.Err.Error() }
func (e *TimeoutError) Unwrap() error { return e.Err }

// IsTimeout reports a request that got no answer within Config.Timeout.
func IsTimeout(err error) bool {
	var e *TimeoutError
	return errors.As(err, &e)
}

func statusOf(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// AsAPIError returns the *APIError inside err, if any.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsConflict reports a 409 (a provider still used by aliases).
func IsConflict(err error) bool { return statusOf(err) == http.StatusConflict }

// IsPreconditionFailed reports a 412 (the object changed, or exists, or is gone).
func IsPreconditionFailed(err error) bool { return statusOf(err) == http.StatusPreconditionFailed }

// IsValidation reports a 422.
func IsValidation(err error) bool { return statusOf(err) == http.StatusUnprocessableEntity }

// IsUnauthorized reports a 401 (no or wrong token).
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsForbidden reports a 403 (a read-only token used to write).
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsReloadFailed reports a 424: the orchestrator's reload command failed.
func IsReloadFailed(err error) bool { return statusOf(err) == http.StatusFailedDependency }

// IsProviderInUse reports a 409 refusing to delete a provider that aliases use.
func IsProviderInUse(err error) bool {
	e, ok := AsAPIError(err)
	return ok && e.Status == http.StatusConflict && e.Type == adminapi.ProblemProviderInUse
}

// IsFileChanged reports a 409 refusing a write over an unreloaded hand edit.
func IsFileChanged(err error) bool {
	e, ok := AsAPIError(err)
	return ok && e.Status == http.StatusConflict && e.Type == adminapi.ProblemFileChanged
}

// IsProviderDeleting reports a 409 refusing to point an alias at a provider
// whose deletion is pending.
func IsProviderDeleting(err error) bool {
	e, ok := AsAPIError(err)
	return ok && e.Status == http.StatusConflict && e.Type == adminapi.ProblemProviderDeleting
}

// IsTargetMissing reports a 422 refusing an alias whose provider does not exist.
func IsTargetMissing(err error) bool {
	e, ok := AsAPIError(err)
	if !ok || e.Status != http.StatusUnprocessableEntity {
		return false
	}
	for _, fe := range e.Errors {
		if fe.Field == llmconfig.FieldAliasProvider && strings.Contains(fe.Detail, "does not exist") {
			return true
		}
	}
	return false
}
