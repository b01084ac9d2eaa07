package provider

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The resources read and write their models through getModel and setModel
// instead of the framework's Get and Set. Those reflect on the model struct on
// every call, and terraform-plugin-framework v1.19 compiles a regular expression
// per struct field each time (internal/reflect.isValidFieldName): at N = 1000 a
// plan spent about 12 % of the provider's CPU and a fifth of its allocations
// there. The codec below reflects once per model type; values are converted by
// the attribute types themselves (ValueFromTerraform, ToTerraformValue), exactly
// as the framework does, and a state or plan is still set through the framework's
// Set, which checks the object type against the schema.

// modelCodec maps the tfsdk-tagged fields of one model struct type.
type modelCodec struct {
	fields  []codecField
	objType tftypes.Object
}

type codecField struct {
	index int
	name  string
	typ   attr.Type
}

var modelCodecs sync.Map // reflect.Type -> *modelCodec

func codecFor(ctx context.Context, t reflect.Type) (*modelCodec, error) {
	if c, ok := modelCodecs.Load(t); ok {
		return c.(*modelCodec), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", t)
	}
	c := &modelCodec{objType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{}}}
	valueType := reflect.TypeFor[attr.Value]()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("tfsdk")
		if name == "" || name == "-" {
			continue
		}
		if !f.Type.Implements(valueType) {
			return nil, fmt.Errorf("%s.%s: %s is not an attr.Value", t, f.Name, f.Type)
		}
		typ := reflect.Zero(f.Type).Interface().(attr.Value).Type(ctx) //nolint:forcetypeassert // checked by Implements
		if lt, ok := typ.(basetypes.ListType); ok && lt.ElemType == nil {
			// A zero types.List does not know its element type: the field says it.
			if f.Tag.Get("tfelem") != "string" {
				return nil, fmt.Errorf("%s.%s: a types.List field needs the tag tfelem:\"string\"", t, f.Name)
			}
			typ = basetypes.ListType{ElemType: basetypes.StringType{}}
		}
		c.fields = append(c.fields, codecField{index: i, name: name, typ: typ})
		c.objType.AttributeTypes[name] = typ.TerraformType(ctx)
	}
	actual, _ := modelCodecs.LoadOrStore(t, c)
	return actual.(*modelCodec), nil //nolint:forcetypeassert // only *modelCodec is stored
}

func codecError(what string, err error) diag.Diagnostics {
	return diag.Diagnostics{diag.NewErrorDiagnostic("Provider Model Error",
		"An unexpected error was encountered "+what+". This is always an error in the provider; please report it:\n\n"+err.Error())}
}

// getModel decodes raw, a resource's config, plan or state object, into the
// model struct dst points to: what req.Plan.Get(ctx, dst) does.
func getModel(ctx context.Context, raw tftypes.Value, dst any) diag.Diagnostics {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return codecError("reading a value", fmt.Errorf("target %T is not a non-nil pointer", dst))
	}
	c, err := codecFor(ctx, rv.Elem().Type())
	if err != nil {
		return codecError("reading a value", err)
	}
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err != nil {
		return codecError("reading a value", err)
	}
	elem := rv.Elem()
	for _, f := range c.fields {
		v, ok := attrs[f.name]
		if !ok {
			return codecError("reading a value", fmt.Errorf("the object has no attribute %q", f.name))
		}
		av, err := f.typ.ValueFromTerraform(ctx, v)
		if err != nil {
			return codecError("reading attribute "+f.name, err)
		}
		elem.Field(f.index).Set(reflect.ValueOf(av))
	}
	return nil
}

// modelSetter is tfsdk.State and tfsdk.Plan.
type modelSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

// setModel writes the model struct src points to into a state or plan: what
// resp.State.Set(ctx, src) does. The framework still checks the object's type
// against the schema.
func setModel(ctx context.Context, dst modelSetter, src any) diag.Diagnostics {
	rv := reflect.ValueOf(src)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	c, err := codecFor(ctx, rv.Type())
	if err != nil {
		return codecError("writing a value", err)
	}
	vals := make(map[string]tftypes.Value, len(c.fields))
	for _, f := range c.fields {
		v := rv.Field(f.index).Interface().(attr.Value) //nolint:forcetypeassert // checked in codecFor
		if lv, ok := v.(basetypes.ListValue); ok && lv.ElementType(ctx) == nil {
			vals[f.name] = tftypes.NewValue(f.typ.TerraformType(ctx), nil) // a zero types.List is null
			continue
		}
		tv, err := v.ToTerraformValue(ctx)
		if err != nil {
			return codecError("writing attribute "+f.name, err)
		}
		vals[f.name] = tv
	}
	return dst.Set(ctx, tftypes.NewValue(c.objType, vals))
}
