package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// dataSourceAttributes turns a resource's attributes into computed data-source
// attributes of the same types with the same descriptions, so that a data source
// reading an object never restates (or contradicts) the resource that manages it.
func dataSourceAttributes(res map[string]rschema.Attribute) map[string]schema.Attribute {
	out := make(map[string]schema.Attribute, len(res))
	for name, a := range res {
		desc := a.GetMarkdownDescription()
		switch t := a.GetType(); t {
		case types.StringType:
			out[name] = schema.StringAttribute{MarkdownDescription: desc, Computed: true}
		case types.Int64Type:
			out[name] = schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
		case types.Float64Type:
			out[name] = schema.Float64Attribute{MarkdownDescription: desc, Computed: true}
		case types.ListType{ElemType: types.StringType}:
			out[name] = schema.ListAttribute{MarkdownDescription: desc, ElementType: types.StringType, Computed: true}
		default:
			panic(fmt.Sprintf("dataSourceAttributes: attribute %q has type %s; add a case for it", name, t))
		}
	}
	return out
}
