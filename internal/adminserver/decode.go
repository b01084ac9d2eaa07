package adminserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/adminapi"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 1 << 20

// readOnlyFields are fields of responses that a client may echo back by mistake.
var readOnlyFields = map[string]bool{
	"revision": true, "credential": true, "generation": true,
	"provider_type": true, "id": true, "state": true, "started_at": true,
}

// decodeJSON decodes one JSON object strictly into dst. body must already be
// limited (http.MaxBytesReader). With allowEmpty an empty body leaves dst as is.
func decodeJSON(body io.Reader, dst any, allowEmpty bool) *problem {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if errors.Is(err, io.EOF) && allowEmpty {
			return nil
		}
		return decodeProblem(err)
	}
	// Exactly one JSON value.
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge()
		}
		return badRequest("the request body must hold a single JSON object, but more follows it")
	}
	return nil
}

func tooLarge() *problem {
	return &problem{Status: 413, Type: adminapi.ProblemTooLarge, Title: "Content Too Large",
		Detail: fmt.Sprintf("the request body exceeds %d bytes", MaxBodyBytes)}
}

func decodeProblem(err error) *problem {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge()
	case errors.Is(err, io.EOF):
		return badRequest("the request body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the request body is not valid JSON: it ends unexpectedly")
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("the request body is not valid JSON (at byte %d)", se.Offset))
	case errors.As(err, &ute):
		if ute.Field == "" {
			return badRequest(fmt.Sprintf("the request body must be a JSON object, not %s", jsonKind(ute.Value)))
		}
		// Request bodies are flat objects; Field is a path that names embedded Go
		// structs ("Provider.max_tokens"), so its last element is the JSON key.
		field := ute.Field[strings.LastIndexByte(ute.Field, '.')+1:]
		return fieldProblem("The request body has a field of the wrong type; nothing was written.",
			llmconfig.FieldError{Field: field, Detail: fmt.Sprintf("must be %s, got %s", describeType(ute.Type), jsonKind(ute.Value))})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if unq, uerr := strconv.Unquote(name); uerr == nil {
			name = unq
		}
		detail := "is not a known field"
		if readOnlyFields[name] {
			detail = "is computed by the server and cannot be set; send revisions in If-Match"
		}
		return fieldProblem("The request body has an unknown field; nothing was written.",
			llmconfig.FieldError{Field: name, Detail: detail})
	}
	return badRequest("the request body cannot be decoded: " + err.Error())
}

// jsonKind reduces an UnmarshalTypeError value ("number 1.5", "string") to its
// kind, so that no input value is ever echoed.
func jsonKind(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	if kind == "number" {
		return "a number that does not fit (fractional or out of range)"
	}
	return "a JSON " + kind
}

func describeType(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.Slice, reflect.Array:
		return "a JSON array"
	}
	return "a value of another type"
}

// decodeProvider decodes and validates a provider PUT body for the provider named
// in the path. body must already be limited.
func decodeProvider(name string, body io.Reader) (llmconfig.Provider, *problem) {
	var b adminapi.ProviderPut
	if p := decodeJSON(body, &b, false); p != nil {
		return llmconfig.Provider{}, p
	}
	if b.Name != nil && *b.Name != name {
		return llmconfig.Provider{}, fieldProblem("The provider configuration is invalid; nothing was written.",
			llmconfig.FieldError{Field: llmconfig.FieldName, Detail: "must equal the name in the URL path, or be omitted"})
	}
	p := b.Provider
	p.Name = name
	if errs := llmconfig.ValidateProvider(p, nil); len(errs) > 0 {
		return llmconfig.Provider{}, fieldProblem("The provider configuration is invalid; nothing was written.", errs...)
	}
	return p, nil
}
