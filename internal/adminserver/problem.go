package adminserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

const titleValidation = "Validation Failed"

// problem is an RFC 9457 problem document; it doubles as the error type of every
// handler and of the committer.
type problem struct {
	Status int
	Type   string // an adminapi.Problem* constant
	Title  string
	Detail string
	Errors []llmconfig.FieldError
	// Aliases is the provider-in-use extension.
	Aliases []string
	// CurrentRevision is the precondition-failed extension.
	CurrentRevision string
	// Allow is sent as the Allow header of a 405.
	Allow string
	// retryAfterBatch asks the committer to try the mutation once more after
	// the rest of its batch (its provider may be created, or its provider's
	// aliases may leave, later in the same batch).
	retryAfterBatch bool
}

func (p *problem) Error() string {
	s := strconv.Itoa(p.Status) + " " + p.Title + ": " + p.Detail
	if len(p.Errors) > 0 {
		s += " (" + (&llmconfig.ValidationError{Errors: p.Errors}).Error() + ")"
	}
	return s
}

var errInternal = internalProblem("an internal error occurred; see the server log")

func internalProblem(detail string) *problem {
	return &problem{Status: 500, Type: adminapi.ProblemInternal, Title: "Internal Server Error", Detail: detail}
}

// conflictProblem is a 409 for a change that would drop what the node config
// holds but the API cannot represent (see llmconfig.CheckPreserved).
func conflictProblem(c *llmconfig.Conflict) *problem {
	typ, title := adminapi.ProblemAliasShared, "Alias Shared"
	if c.Kind == llmconfig.ConflictProviderReferenced {
		typ, title = adminapi.ProblemProviderReferenced, "Provider Referenced"
	}
	return &problem{Status: 409, Type: typ, Title: title, Detail: c.Detail + "; nothing was written.",
		Errors: []llmconfig.FieldError{{Field: c.Field, Detail: c.Detail}}}
}

func badRequest(detail string) *problem {
	return &problem{Status: 400, Type: adminapi.ProblemBadRequest, Title: "Bad Request", Detail: detail}
}

func notFound(detail string) *problem {
	return &problem{Status: 404, Type: adminapi.ProblemNotFound, Title: "Not Found", Detail: detail}
}

func fieldProblem(detail string, errs ...llmconfig.FieldError) *problem {
	return &problem{Status: 422, Type: adminapi.ProblemValidation, Title: titleValidation, Detail: detail, Errors: errs}
}

// validationProblem turns an error of llmconfig's validation into a 422.
func validationProblem(detail string, err error) *problem {
	var ve *llmconfig.ValidationError
	if errors.As(err, &ve) {
		return fieldProblem(detail, ve.Errors...)
	}
	var fe llmconfig.FieldError
	if errors.As(err, &fe) {
		return fieldProblem(detail, fe)
	}
	return fieldProblem(detail + " " + err.Error())
}

func preconditionFailed(detail, current string) *problem {
	return &problem{Status: 412, Type: adminapi.ProblemPreconditionFailed, Title: "Precondition Failed", Detail: detail, CurrentRevision: current}
}

func reloadFailed(detail string) *problem {
	return &problem{Status: 424, Type: adminapi.ProblemReloadFailed, Title: "Reload Failed",
		Detail: "The reload command failed; the previous config was restored and the live generation is unchanged: " + detail}
}

func fileChanged(path string) *problem {
	return &problem{Status: 409, Type: adminapi.ProblemFileChanged, Title: "Config File Changed",
		Detail: fmt.Sprintf("the llm section of %s was edited by hand since the last reload, so writing now would undo that edit; "+
			"make the edit live with POST /v1/admin/reload (or SIGHUP), then retry (Terraform: plan again to see it)", path)}
}

func writeFailed(detail string) *problem {
	return &problem{Status: 503, Type: adminapi.ProblemWriteFailed, Title: "Config File Not Writable",
		Detail: "The config file could not be updated; nothing changed: " + detail}
}

// writeProblem sends err as application/problem+json. Errors that are not a
// *problem are bugs: they are logged and answered with a 500.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	var p *problem
	if !errors.As(err, &p) {
		s.log.Error("unexpected error", "method", r.Method, "path", r.URL.Path, "error", err)
		p = errInternal
	}
	writeProblemDoc(w, p)
}

func writeProblemDoc(w http.ResponseWriter, p *problem) {
	body := adminapi.Problem{
		Type: p.Type, Title: p.Title, Status: p.Status, Detail: p.Detail,
		Errors: p.Errors, Aliases: p.Aliases, CurrentRevision: p.CurrentRevision,
	}
	if body.Errors == nil {
		body.Errors = []llmconfig.FieldError{}
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	if p.Allow != "" {
		h.Set("Allow", p.Allow)
	}
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="aegis-admin"`)
	}
	data, err := json.Marshal(body)
	if err != nil { // cannot happen: only strings and ints
		data = []byte(fmt.Sprintf(`{"type":%q,"title":"Internal Server Error","status":500,"detail":"","errors":[]}`, adminapi.ProblemInternal))
	}
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(data, '\n'))
}

// writeJSON sends a 2xx JSON answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeProblemDoc(w, internalProblem("encoding the response failed"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
