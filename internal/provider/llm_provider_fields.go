package provider

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/100monkeys-ai/terraform-provider-aegis/internal/client"
	"github.com/100monkeys-ai/terraform-provider-aegis/internal/llmconfig"
)

// The configurable attributes of aegis_llm_provider are the fields of
// llmconfig.Provider, which is the one list of a provider's fields: the admin API
// carries it as it is (adminapi.Provider embeds it) and the seed file format stores
// it. An attribute's tfsdk name is the field's JSON name. The conversions below
// follow that list, so a new field needs only its llmconfig.Provider field, its
// model field and its schema attribute (with its description); pairing checks at
// start-up that the three agree and panics otherwise, so a missed one fails every
// test instead of silently dropping a value.

// providerField ties one attribute to its llmconfig.Provider field.
type providerField struct {
	name     string // attribute name = JSON name of the field
	model    int    // field index in llmProviderModelV0
	api      int    // field index in llmconfig.Provider
	optional bool   // an optional string is null when unset, a required one never is
}

var providerFields = pairProviderFields()

// valueTypes maps the Go type of an llmconfig field to the attr.Value type that
// holds it in a model.
var valueTypes = map[reflect.Type]reflect.Type{
	reflect.TypeFor[string]():   reflect.TypeFor[types.String](),
	reflect.TypeFor[*int64]():   reflect.TypeFor[types.Int64](),
	reflect.TypeFor[*float64](): reflect.TypeFor[types.Float64](),
}

func pairProviderFields() []providerField {
	mt := reflect.TypeFor[llmProviderModelV0]()
	modelIndex := map[string]int{}
	for i := range mt.NumField() {
		modelIndex[mt.Field(i).Tag.Get("tfsdk")] = i
	}
	attrs := llmProviderResourceSchemaV0().Attributes
	at := reflect.TypeFor[llmconfig.Provider]()
	var out []providerField
	paired := map[string]bool{}
	for i := range at.NumField() {
		f := at.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		mi, inModel := modelIndex[name]
		a, inSchema := attrs[name]
		if !inModel || !inSchema {
			panic(fmt.Sprintf("llmconfig.Provider.%s (%q) needs a field in llmProviderModelV0 and an attribute in llmProviderResourceSchemaV0", f.Name, name))
		}
		if want := valueTypes[f.Type]; want == nil || mt.Field(mi).Type != want {
			panic(fmt.Sprintf("llmconfig.Provider.%s is a %s: llmProviderModelV0 holds it as %s; add a case to valueTypes and the conversions", f.Name, f.Type, mt.Field(mi).Type))
		}
		out = append(out, providerField{name: name, model: mi, api: i, optional: a.IsOptional()})
		paired[name] = true
	}
	for name, a := range attrs {
		if (a.IsRequired() || a.IsOptional()) && !paired[name] {
			panic(fmt.Sprintf("attribute %q of aegis_llm_provider is configurable but llmconfig.Provider has no field with that JSON name", name))
		}
	}
	return out
}

// toAPI converts the configured fields. Unknown values become unset; callers
// validate with known() first.
func (m *llmProviderModelV0) toAPI() llmconfig.Provider {
	var p llmconfig.Provider
	mv, pv := reflect.ValueOf(m).Elem(), reflect.ValueOf(&p).Elem()
	for _, f := range providerFields {
		dst := pv.Field(f.api)
		switch v := mv.Field(f.model).Interface().(type) {
		case types.String:
			dst.SetString(v.ValueString())
		case types.Int64:
			dst.Set(reflect.ValueOf(v.ValueInt64Pointer()))
		case types.Float64:
			dst.Set(reflect.ValueOf(v.ValueFloat64Pointer()))
		}
	}
	return p
}

// fromAPI sets every attribute from the server's answer.
func (m *llmProviderModelV0) fromAPI(p *client.Provider) {
	mv, pv := reflect.ValueOf(m).Elem(), reflect.ValueOf(&p.Provider).Elem()
	for _, f := range providerFields {
		var v attr.Value
		switch x := pv.Field(f.api).Interface().(type) {
		case string:
			v = types.StringValue(x)
			if f.optional {
				v = optString(x)
			}
		case *int64:
			v = types.Int64PointerValue(x)
		case *float64:
			v = float64FromDecimal(x)
		}
		mv.Field(f.model).Set(reflect.ValueOf(v))
	}
	m.ID = types.StringValue(p.Name)
	m.CredentialSource, m.CredentialStatus = types.StringNull(), types.StringNull()
	if p.Credential != nil {
		m.CredentialSource = types.StringValue(p.Credential.Source)
		m.CredentialStatus = types.StringValue(p.Credential.Status)
	}
	m.Revision = types.StringValue(p.Revision)
}

// value returns the attribute value of a configurable field.
func (m *llmProviderModelV0) value(f providerField) attr.Value {
	return reflect.ValueOf(m).Elem().Field(f.model).Interface().(attr.Value)
}

// known reports which configured fields are known, for plan-time validation.
func (m *llmProviderModelV0) known() llmconfig.Known {
	unknown := map[string]bool{}
	for _, f := range providerFields {
		unknown[f.name] = m.value(f).IsUnknown()
	}
	return func(field string) bool { return !unknown[field] }
}

// allKnown reports whether every configurable attribute is known.
func (m *llmProviderModelV0) allKnown() bool {
	for _, f := range providerFields {
		if m.value(f).IsUnknown() {
			return false
		}
	}
	return true
}

// emptyStrings lists optional string attributes set to "" — Terraform tells "" and
// null apart, the node config does not, so "" would never survive a round trip.
func (m *llmProviderModelV0) emptyStrings() []string {
	var out []string
	for _, f := range providerFields {
		if v, ok := m.value(f).(types.String); ok && f.optional && !v.IsNull() && !v.IsUnknown() && v.ValueString() == "" {
			out = append(out, f.name)
		}
	}
	return out
}
