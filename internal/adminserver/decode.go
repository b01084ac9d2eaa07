package adminserver

import (
	"bytes"
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
	data, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge()
		}
		return badRequest("the request body could not be read")
	}
	if p := checkKeys(data, dst); p != nil {
		return p
	}
	dec := json.NewDecoder(bytes.NewReader(data))
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

// checkKeys refuses what encoding/json would quietly accept in the top-level
// object of a body: a key given twice (the last one would win) and a key that
// matches a field only case-insensitively ({"MODEL": ...} would set model).
// Anything that is not a JSON object is left to the decoder to report.
func checkKeys(data []byte, dst any) *problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	fields := jsonFields(dst)
	seen := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, ok := tok.(string)
		if !ok {
			return nil
		}
		folded := strings.ToLower(key)
		if prev, dup := seen[folded]; dup {
			detail := "is given twice; send each field once"
			if prev != key {
				detail = fmt.Sprintf("is given twice, once as %q; send each field once, in lowercase", printable(prev))
			}
			return fieldProblem("The request body repeats a field; nothing was written.",
				llmconfig.FieldError{Field: printable(key), Detail: detail})
		}
		seen[folded] = key
		if name, known := fields[folded]; known && name != key {
			return fieldProblem("The request body has a field in the wrong case; nothing was written.",
				llmconfig.FieldError{Field: printable(key), Detail: fmt.Sprintf("is not a known field; field names are case-sensitive: use %q", name)})
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

// jsonFields maps the lowercased JSON names of a struct's fields (embedded
// structs included) to their names.
func jsonFields(dst any) map[string]string {
	out := map[string]string{}
	addJSONFields(reflect.TypeOf(dst), out)
	return out
}

func addJSONFields(t reflect.Type, out map[string]string) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			addJSONFields(f.Type, out)
			continue
		}
		if name != "" && name != "-" {
			out[strings.ToLower(name)] = name
		}
	}
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
